import {
  adminToken,
  Answer,
  call,
  createMerchant,
  createSandboxChannel,
  eventually,
} from './support/api';
import { sqlCount, sqlRows, scratchDatabase, ScratchDatabase } from './support/database';
import { Figures, reportFigures, tally } from './support/figures';
import { CreateRequest, retryCreate, startCreateLoad } from './support/load';
import { deploymentEnv, PaygateProcess } from './support/paygate-process';

/**
 * TESTING.md 5: `kill -9` in the middle of create-order load, then a restart on the same
 * database. Every order answered 2xx exists and is whole; a create that got no answer, retried
 * with its Idempotency-Key, ends with exactly one order (after the 30 s lock of a request that
 * died half-way: until then 409 `idempotency_in_progress`, by design); a create that did get
 * its answer replays the same order.
 */
const CONCURRENCY = 16;
/** Creates answered before the kill: enough that the kill lands in the middle of steady load. */
const ANSWERED_BEFORE_KILL = 150;
/** The sandbox's answer takes this long, so that many creates are mid-call when the kill lands. */
const PROVIDER_LATENCY_MS = 150;

const is2xx = (a: Answer) => a.status >= 200 && a.status < 300;
const orderIdOf = (a: Answer) => (a.body as { data: { order_id: string } }).data.order_id;

describe.each(['postgres', 'sqlite'] as const)('kill -9 during create load on %s', (engine) => {
  let database: ScratchDatabase | undefined;
  let databaseUrl: string;
  const instances: PaygateProcess[] = [];

  beforeAll(async () => {
    database = await scratchDatabase(engine);
    databaseUrl = database.url;
  });

  afterAll(async () => {
    for (const instance of instances) await instance.stop();
    database?.destroy();
  });

  it('loses no acknowledged order, leaves none half made, and retries return the same order', async () => {
    const env = { ...deploymentEnv(databaseUrl), RATE_LIMIT_ENABLED: 'false' };
    const first = await PaygateProcess.start('first', env);
    instances.push(first);
    const admin = await adminToken(first.url);
    const merchant = await createMerchant(first.url, admin);
    await createSandboxChannel(first.url, admin, { latency_ms: PROVIDER_LATENCY_MS });

    // --- load, then kill -9 in the middle of it
    const load = startCreateLoad({ urls: () => [first.url], merchant, concurrency: CONCURRENCY });
    await eventually(
      async () => load.answered2xx() >= ANSWERED_BEFORE_KILL,
      60_000,
      `${ANSWERED_BEFORE_KILL} creates answered`,
      20,
    );
    const stopping = load.stop();
    await first.kill9();
    const sent = await stopping;
    const answered = sent.filter((r) => is2xx(r.answer));
    const unanswered = sent.filter((r) => r.answer.status === 0);
    // before the kill every create succeeded; the kill costs answers, nothing else
    expect(sent.filter((r) => r.answer.status !== 0 && !is2xx(r.answer))).toEqual([]);
    expect(unanswered.length).toBeGreaterThan(0);

    // --- restart on the same database
    const second = await PaygateProcess.start('second', env);
    instances.push(second);
    const halfMade = await sqlCount(
      databaseUrl,
      `SELECT COUNT(*) AS n FROM orders WHERE status = 'PENDING' AND channel_id IS NULL`,
    );

    const figures: Figures = {
      sent: sent.length,
      answered2xx: answered.length,
      failedAsExpected: unanswered.length,
      lost: 0,
      expected: { 'no answer (killed in flight)': unanswered.length },
    };
    const lost = (what: string) => {
      figures.lost++;
      return what;
    };
    const problems: string[] = [];

    // every order answered 2xx exists, whole, and its retry replays it
    const admin2 = await adminToken(second.url);
    for (const request of answered) {
      const orderId = orderIdOf(request.answer);
      const read = await call(second.url, 'GET', `/v1/payments/${orderId}`, { token: admin2 });
      if (read.status !== 200) {
        problems.push(lost(`answered order ${orderId} is gone (${read.status})`));
        continue;
      }
      const problem = wholeness((read.body as { data: AdminOrder }).data);
      if (problem) problems.push(lost(`answered order ${orderId}: ${problem}`));
    }
    for (const request of answered) {
      const replay = await retryCreate(request, merchant.token, second.url);
      figures.sent++;
      if (is2xx(replay)) figures.answered2xx++;
      if (!is2xx(replay) || orderIdOf(replay) !== orderIdOf(request.answer))
        problems.push(lost(`retry of answered key ${request.key} gave ${replay.status}`));
      else if (replay.headers.get('idempotent-replayed') !== 'true')
        problems.push(lost(`retry of answered key ${request.key} was executed again`));
    }

    // every create that got no answer ends with one order once retried past the 30 s lock
    const outcomes = new Map<string, Answer>();
    const pending = new Set<CreateRequest>(unanswered);
    await eventually(
      async () => {
        for (const request of [...pending]) {
          const retry = await retryCreate(request, merchant.token, second.url);
          figures.sent++;
          if (is2xx(retry)) {
            figures.answered2xx++;
            outcomes.set(request.key, retry);
            pending.delete(request);
          } else if (retry.status === 409 && reasonOf(retry) === 'idempotency_in_progress') {
            figures.failedAsExpected++;
            tally(figures.expected, '409 idempotency_in_progress (retry within the 30 s lock)');
          } else {
            problems.push(`retry of unanswered key ${request.key}: ${retry.status} ${retry.text}`);
            pending.delete(request);
          }
        }
        return pending.size === 0;
      },
      60_000,
      'every unanswered create to be answered on retry',
      1000,
    );
    for (const [key, retry] of outcomes) {
      const order = await call(second.url, 'GET', `/v1/payments/${orderIdOf(retry)}`, {
        token: admin2,
      });
      const problem = wholeness((order.body as { data: AdminOrder }).data);
      if (problem) problems.push(lost(`order of retried key ${key}: ${problem}`));
    }

    // the database agrees: one order per key, and each order's key was answered 2xx
    const duplicates = await sqlRows(
      databaseUrl,
      `SELECT idempotency_key, COUNT(*) AS n FROM orders GROUP BY idempotency_key HAVING COUNT(*) > 1`,
    );
    for (const d of duplicates)
      problems.push(lost(`key ${String(d.idempotency_key)} has ${String(d.n)} orders`));
    const orders = await sqlCount(databaseUrl, `SELECT COUNT(*) AS n FROM orders`);
    const keysAnswered = answered.length + outcomes.size;
    if (orders !== keysAnswered)
      problems.push(lost(`${orders} orders in the database for ${keysAnswered} keys answered 2xx`));
    const stillHalf = await sqlCount(
      databaseUrl,
      `SELECT COUNT(*) AS n FROM orders WHERE status = 'PENDING' AND channel_id IS NULL`,
    );
    if (stillHalf > 0) problems.push(lost(`${stillHalf} orders still without a channel`));

    figures.notes = {
      engine,
      load_sent: sent.length,
      load_answered_2xx: answered.length,
      concurrency: CONCURRENCY,
      provider_latency_ms: PROVIDER_LATENCY_MS,
      half_made_at_kill: halfMade,
      unanswered_retried_to_2xx: outcomes.size,
      orders_in_database: orders,
    };
    reportFigures(`kill-9-${engine}`, figures);
    expect(problems).toEqual([]);
    expect(figures.lost).toBe(0);
    expect(second.logLines(60)).toEqual([]);
  });
});

interface AdminOrder {
  order_id: string;
  status: string;
  channel: string | null;
  pay_url: string | null;
  routing?: { attempts: { seq: number; channel: string; outcome: string }[] };
}

/** What makes an order half made: PENDING without a channel, or attempts that disagree. */
function wholeness(order: AdminOrder): string | null {
  const attempts = order.routing?.attempts ?? [];
  if (attempts.length === 0) return 'no attempt recorded';
  if (order.status === 'PENDING') {
    if (!order.channel || !order.pay_url) return 'PENDING without a channel';
    const succeeded = attempts.filter((a) => a.outcome === 'succeeded');
    if (succeeded.length !== 1 || succeeded[0].channel !== order.channel)
      return `PENDING on ${order.channel} but attempts ${JSON.stringify(attempts)}`;
  } else if (order.status === 'FAILED') {
    if (attempts.some((a) => a.outcome !== 'failed')) return 'FAILED with an unfinished attempt';
  } else {
    return `unexpected status ${order.status}`;
  }
  return null;
}

function reasonOf(answer: Answer): string | undefined {
  return (answer.body as { reason?: string } | undefined)?.reason;
}
