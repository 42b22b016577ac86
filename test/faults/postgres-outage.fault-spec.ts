import {
  adminToken,
  Answer,
  call,
  createMerchant,
  createSandboxChannel,
  eventually,
  Merchant,
} from './support/api';
import { sqlCount, sqlRows } from './support/database';
import { Figures, reportFigures, tally } from './support/figures';
import { CreateRequest, retryCreate, startCreateLoad } from './support/load';
import { deploymentEnv, PaygateProcess } from './support/paygate-process';
import { PostgresCluster } from './support/postgres-cluster';

/**
 * TESTING.md 6: PostgreSQL stopped with `-m immediate` (every server process gone at once, as
 * in a crash) under create and read load, and started again (crash recovery). Meanwhile every
 * request is answered, within a bound, with the 503 `unavailable` envelope and Retry-After,
 * never a stack trace or a 500; afterwards paygate serves again without a restart, its
 * credential listener is back, and every order it acknowledged exists.
 */
const CREATE_CLIENTS = 8;
const READ_CLIENTS = 4;
const OUTAGE_MS = 5000;
/** Every answer comes within this bound (the pool's connect timeout is 5 s). */
const ANSWER_BOUND_MS = 10_000;

const is2xx = (a: Answer) => a.status >= 200 && a.status < 300;

describe('PostgreSQL stopped with -m immediate under load', () => {
  let cluster: PostgresCluster;
  let databaseUrl: string;
  let paygate: PaygateProcess | undefined;

  beforeAll(async () => {
    cluster = await PostgresCluster.create();
    databaseUrl = await cluster.createDatabase('paygate');
  });

  afterAll(async () => {
    await paygate?.stop();
    cluster.destroy();
  });

  it('answers 503 with Retry-After meanwhile, recovers by itself, and loses nothing acknowledged', async () => {
    paygate = await PaygateProcess.start('only', {
      ...deploymentEnv(databaseUrl),
      RATE_LIMIT_ENABLED: 'false',
    });
    const url = paygate.url;
    const admin = await adminToken(url);
    const merchant = await createMerchant(url, admin);
    await createSandboxChannel(url, admin, { latency_ms: 20 });

    const creates = startCreateLoad({
      urls: () => [url],
      merchant,
      concurrency: CREATE_CLIENTS,
      pauseMs: 100,
    });
    const reads = startReadLoad(url, merchant, creates.requests, READ_CLIENTS);
    const ready = startReadinessProbe(url);

    await eventually(async () => creates.answered2xx() >= 50, 30_000, 'creates before the outage');
    const stoppedAt = Date.now();
    await cluster.stopImmediately();
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    const startingAt = Date.now();
    await cluster.start();
    const startedAt = Date.now();
    // recovery without restarting paygate: creates succeed again
    const before = creates.answered2xx();
    const recovered = await eventually(
      async () => creates.answered2xx() > before + 20 && Date.now(),
      30_000,
      'creates to succeed again after PostgreSQL came back',
    );
    const sent = await creates.stop();
    const readAnswers = await reads.stop();
    const readiness = await ready.stop();

    // --- every answer: 2xx, or the 503 envelope with Retry-After; within the bound
    const figures: Figures = {
      sent: sent.length + readAnswers.length,
      answered2xx: 0,
      failedAsExpected: 0,
      lost: 0,
      expected: {},
    };
    const unexpected: string[] = [];
    for (const answer of [...sent.map((r) => r.answer), ...readAnswers]) {
      if (is2xx(answer)) figures.answered2xx++;
      else {
        const problem = unavailableProblem(answer);
        if (problem) unexpected.push(problem);
        else {
          figures.failedAsExpected++;
          tally(figures.expected, '503 unavailable with Retry-After');
        }
      }
      if (answer.ms > ANSWER_BOUND_MS) unexpected.push(`answered after ${answer.ms} ms`);
    }
    expect(unexpected.slice(0, 20)).toEqual([]);
    expect(figures.failedAsExpected).toBeGreaterThan(0);
    // readiness followed the database, and the process never restarted
    expect(readiness.filter((s) => s === 503).length).toBeGreaterThan(0);
    expect(readiness[readiness.length - 1]).toBe(200);
    expect(paygate.exitStatus).toBeUndefined();

    // --- nothing acknowledged is lost; creates refused meanwhile are finished by their retries
    const admin2 = await adminToken(url);
    const answered = sent.filter((r) => is2xx(r.answer));
    for (const request of answered) {
      const id = (request.answer.body as { data: { order_id: string } }).data.order_id;
      const read = await call(url, 'GET', `/v1/payments/${id}`, { token: admin2 });
      if (read.status !== 200) {
        figures.lost++;
        unexpected.push(`acknowledged order ${id} is gone (${read.status})`);
      }
    }
    const refused = new Set<CreateRequest>(sent.filter((r) => !is2xx(r.answer)));
    let retried2xx = 0;
    await eventually(
      async () => {
        for (const request of [...refused]) {
          const retry = await retryCreate(request, merchant.token);
          figures.sent++;
          if (is2xx(retry)) {
            figures.answered2xx++;
            retried2xx++;
            refused.delete(request);
          } else if (retry.status === 409) {
            // a create whose order was written before the outage cut it off holds its key 30 s
            figures.failedAsExpected++;
            tally(figures.expected, '409 idempotency_in_progress (retry within the 30 s lock)');
          } else {
            unexpected.push(`retry of ${request.key}: ${retry.status} ${retry.text}`);
            refused.delete(request);
          }
        }
        return refused.size === 0;
      },
      60_000,
      'creates refused during the outage to succeed on retry',
      1000,
    );
    const duplicates = await sqlRows(
      databaseUrl,
      `SELECT idempotency_key FROM orders GROUP BY idempotency_key HAVING COUNT(*) > 1`,
    );
    const orders = await sqlCount(databaseUrl, `SELECT COUNT(*) AS n FROM orders`);
    const halfMade = await sqlCount(
      databaseUrl,
      `SELECT COUNT(*) AS n FROM orders WHERE status = 'PENDING' AND channel_id IS NULL`,
    );
    figures.lost +=
      duplicates.length + halfMade + Math.abs(orders - (answered.length + retried2xx));

    // --- the credential-change listener reconnected by itself
    await eventually(
      async () =>
        (await sqlCount(
          databaseUrl,
          `SELECT COUNT(*) AS n FROM pg_stat_activity WHERE application_name = 'paygate-auth-listener'`,
        )) === 1,
      15_000,
      'the credential listener to reconnect',
    );

    const logs = paygate.logLines(50).filter((l) => l.msg === 'unhandled error');
    figures.notes = {
      outage_ms: startedAt - stoppedAt,
      crash_recovery_start_ms: startedAt - startingAt,
      first_success_after_start_ms: recovered - startedAt,
      create_requests: sent.length,
      read_requests: readAnswers.length,
      refused_creates_retried_to_2xx: retried2xx,
      orders_in_database: orders,
      max_answer_ms: Math.max(...sent.map((r) => r.answer.ms), ...readAnswers.map((a) => a.ms)),
    };
    reportFigures('postgres-immediate-stop', figures);
    expect(unexpected).toEqual([]);
    expect(duplicates).toEqual([]);
    expect(halfMade).toBe(0);
    expect(orders).toBe(answered.length + retried2xx);
    expect(figures.lost).toBe(0);
    expect(logs).toEqual([]);
  });
});

/** What is wrong with a non-2xx answer, when it is not the 503 the outage must give. */
function unavailableProblem(answer: Answer): string | null {
  if (answer.status === 0) return `no answer: ${answer.error}`;
  if (answer.status !== 503) return `${answer.status}: ${answer.text.slice(0, 300)}`;
  if (!answer.headers.get('retry-after')) return '503 without Retry-After';
  const body = answer.body as Record<string, unknown> | undefined;
  if (
    typeof body !== 'object' ||
    body === null ||
    body.code !== '503' ||
    body.reason !== 'unavailable' ||
    Object.keys(body).sort().join() !== 'code,message,reason,request_id'
  )
    return `503 with another body: ${answer.text.slice(0, 300)}`;
  // no stack frame, driver message or SQL leaves the process
  if (/\n\s+at |ECONN|postgres|QueryFailed|SELECT|INSERT|UPDATE/i.test(answer.text))
    return `503 leaking internals: ${answer.text.slice(0, 300)}`;
  return null;
}

/** Clients reading orders that were created (GET /v1/payments/{id}) as fast as they can. */
function startReadLoad(url: string, merchant: Merchant, created: CreateRequest[], clients: number) {
  const answers: Answer[] = [];
  let stopped = false;
  const worker = async () => {
    while (!stopped) {
      const done = created.filter((r) => r.answer && is2xx(r.answer));
      if (done.length === 0) {
        await new Promise((r) => setTimeout(r, 20));
        continue;
      }
      const pick = done[Math.floor(Math.random() * done.length)];
      const id = (pick.answer.body as { data: { order_id: string } }).data.order_id;
      const answer = await call(url, 'GET', `/v1/payments/${id}`, { token: merchant.token });
      answers.push(answer);
      if (!is2xx(answer)) await new Promise((r) => setTimeout(r, 20));
    }
  };
  const workers = Array.from({ length: clients }, () => worker());
  return {
    stop: async () => {
      stopped = true;
      await Promise.all(workers);
      return answers;
    },
  };
}

/** /health/ready every 100 ms: what a load balancer's health check sees. */
function startReadinessProbe(url: string) {
  const statuses: number[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      statuses.push((await call(url, 'GET', '/health/ready', { timeoutMs: 5000 })).status);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
      return statuses;
    },
  };
}
