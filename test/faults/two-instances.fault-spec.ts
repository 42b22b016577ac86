import { randomBytes } from 'node:crypto';
import { middayTimeZone } from '../helpers/clearing';
import { WebhookReceiver } from '../helpers/webhook-receiver';
import {
  adminToken,
  Answer,
  call,
  createMerchant,
  createSandboxChannel,
  data,
  eventually,
  Merchant,
  Order,
  orderBody,
  pay,
  traffic,
} from './support/api';
import { sqlRows } from './support/database';
import { FakeClock } from './support/fake-clock';
import { Nginx } from './support/nginx';
import { reportFigures } from './support/figures';
import { deploymentEnv, METRICS_TOKEN, PaygateProcess } from './support/paygate-process';
import { PostgresCluster } from './support/postgres-cluster';

/**
 * TESTING.md 9: two instances on one database, sharing one Redis, both running every
 * background job. A merchant's rate limit counts across both; each webhook attempt is made
 * once; the expiry sweep closes an order once and the status sync applies a payment once; the
 * daily clearing, fired by both instances' cron every two seconds, runs once and both serve the
 * same bills. Both run on a clock the test moves (libfaketime), to make orders expire and a
 * settlement day end without waiting for either.
 */
const LIMIT_PER_SECOND = 10;
const PAID = 20;
const SILENT = 10;
const EXPIRING = 10;
const DAY_MS = 24 * 60 * 60 * 1000;

describe('two instances on one PostgreSQL with shared Redis', () => {
  let cluster: PostgresCluster;
  let clock: FakeClock;
  let receiver: WebhookReceiver;
  let a: PaygateProcess;
  let b: PaygateProcess;
  const both = () => [a, b];
  const settlementTz = middayTimeZone();
  let shop: Merchant;
  const figures = {
    limited: 0,
    duplicates: 0,
    missing: 0,
    notes: {} as Record<string, number | string>,
  };

  beforeAll(async () => {
    cluster = await PostgresCluster.create();
    const databaseUrl = await cluster.createDatabase('paygate');
    clock = FakeClock.create();
    // every event's first attempt is refused, so each also has a scheduled retry to race for
    const seen = new Set<string>();
    receiver = await WebhookReceiver.start((hit) => {
      const id = String(hit.headers['paygate-event-id']);
      if (seen.has(id)) return { status: 200, body: 'ok' };
      seen.add(id);
      return { status: 503, body: 'try again' };
    });
    const env = {
      ...deploymentEnv(databaseUrl),
      ...clock.env(),
      LOG_LEVEL: 'info',
      REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
      REDIS_KEY_PREFIX: `paygate-faults:${randomBytes(6).toString('hex')}:`,
      RATE_LIMIT_PER_SECOND: String(LIMIT_PER_SECOND),
      // behind nginx in the last test: the client's address comes in X-Forwarded-For
      TRUST_PROXY: 'true',
      JOBS_ENABLED: 'true',
      WEBHOOK_POLL_INTERVAL_MS: '50',
      WEBHOOK_RETRY_SCHEDULE: '1,1,1',
      STATUS_SYNC_SCHEDULE: '1,2,3',
      CLEARING_CRON: '*/2 * * * * *',
      SETTLEMENT_TZ: settlementTz,
    };
    // started together on the new database, as a deployment's replicas are
    [a, b] = await Promise.all([PaygateProcess.start('a', env), PaygateProcess.start('b', env)]);
  });

  afterAll(async () => {
    for (const instance of [a, b]) await instance?.stop();
    await receiver?.close();
    cluster?.destroy();
    clock?.destroy();
    const limited = traffic.count((s) => s === 429);
    const teapot = traffic.count((s) => s === 418);
    reportFigures('two-instances', {
      sent: traffic.sent,
      answered2xx: traffic.count((s) => s >= 200 && s < 300),
      failedAsExpected: limited + teapot,
      lost: figures.missing + figures.duplicates,
      expected: {
        '429 rate_limited in the bursts': figures.limited,
        '429 rate_limited waited out by the workload': limited - figures.limited,
        '418 from /v1/teapot, its only answer, as the probe behind nginx': teapot,
      },
      notes: {
        ...figures.notes,
        statuses: JSON.stringify(Object.fromEntries(traffic.byStatus)),
        duplicates: figures.duplicates,
        missing: figures.missing,
      },
    });
  });

  it("counts a merchant's rate limit across both instances", async () => {
    const admin = await adminToken(a.url);
    // The window is one second; a burst the machine stretched past it proves nothing, so it
    // is measured again with a fresh credential (a fresh counter) rather than waited out.
    for (let round = 1; ; round++) {
      const merchant = await createMerchant(a.url, admin, { name: `Noisy ${round}` });
      const started = Date.now();
      const answers: Answer[] = [];
      for (let i = 0; i < 2 * LIMIT_PER_SECOND; i++)
        answers.push(
          await call(both()[i % 2].url, 'GET', '/v1/merchants/me', { token: merchant.token }),
        );
      if (Date.now() - started > 800 && round < 3) continue;
      const statuses = answers.map((x) => x.status);
      expect(statuses).toEqual([
        ...Array<number>(LIMIT_PER_SECOND).fill(200),
        ...Array<number>(LIMIT_PER_SECOND).fill(429),
      ]);
      for (const limited of answers.slice(LIMIT_PER_SECOND)) {
        expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
        expect((limited.body as { reason: string }).reason).toBe('rate_limited');
      }
      figures.limited += LIMIT_PER_SECOND;
      figures.notes.rate_limit_burst = `${2 * LIMIT_PER_SECOND} alternated, first 429 at #${statuses.indexOf(429) + 1}`;
      return;
    }
  });

  it('delivers each webhook attempt once, closes expired orders once, applies synced payments once', async () => {
    const admin = await adminToken(a.url);
    const merchant = await createMerchant(a.url, admin, { notify_url: receiver.url() });
    shop = merchant;
    await createSandboxChannel(a.url, admin, {}, 'sandbox_main');
    // its notifications are all lost: only the status sync can learn of its payments
    await createSandboxChannel(b.url, admin, { notify_drop_rate: 1 }, 'sandbox_silent');

    const create = (i: number, fields: Record<string, unknown>) =>
      data<Order>(both()[i % 2].url, 'POST', '/v1/payments/create', {
        token: merchant.token,
        body: orderBody(merchant, i, fields),
      });
    const paid: Order[] = [];
    const silent: Order[] = [];
    const expiring: Order[] = [];
    for (let i = 0; i < PAID; i++) paid.push(await create(i, { channel: 'sandbox_main' }));
    for (let i = 0; i < SILENT; i++) silent.push(await create(i, { channel: 'sandbox_silent' }));
    for (let i = 0; i < EXPIRING; i++)
      expiring.push(await create(i, { channel: 'sandbox_main', expire_seconds: 60 }));
    for (const [i, order] of [...paid, ...silent].entries()) await pay(both()[i % 2].url, order);
    // two minutes later on both instances: the expiring orders are past expires_at
    clock.shift(120_000);

    const statusOf = async (order: Order) =>
      (
        await data<Order>(a.url, 'GET', `/v1/payments/${order.order_id}`, {
          token: merchant.token,
        })
      ).status;
    await eventually(
      async () => {
        for (const order of [...paid, ...silent])
          if ((await statusOf(order)) !== 'SUCCEEDED') return false;
        for (const order of expiring) if ((await statusOf(order)) !== 'CLOSED') return false;
        return true;
      },
      60_000,
      'payments, syncs and sweeps to settle every order',
      500,
    );
    const events = await eventually(
      async () => {
        const page = await data<{ items: Event[] }>(b.url, 'GET', '/v1/events?limit=100', {
          token: merchant.token,
        });
        return page.items.length >= PAID + SILENT + EXPIRING &&
          page.items.every((e) => e.delivery_status === 'delivered')
          ? page.items
          : undefined;
      },
      60_000,
      'every event to be delivered',
      500,
    );

    // one event per order, of the right type
    const byOrder = new Map<string, Event[]>();
    for (const e of events) byOrder.set(e.order_id, [...(byOrder.get(e.order_id) ?? []), e]);
    const expectType = (orders: Order[], type: string) => {
      for (const order of orders) {
        const list = byOrder.get(order.order_id) ?? [];
        if (list.length === 0) figures.missing++;
        if (list.length > 1) figures.duplicates += list.length - 1;
        expect(list.map((e) => e.type)).toEqual([type]);
      }
    };
    expectType(paid, 'payment.succeeded');
    expectType(silent, 'payment.succeeded');
    expectType(expiring, 'payment.closed');
    expect(events).toHaveLength(PAID + SILENT + EXPIRING);

    // each attempt reached the receiver once: the refused first one and the delivered retry
    for (const e of events) {
      const hits = receiver.hitsFor(e.id).length;
      if (hits > e.attempt_count) figures.duplicates += hits - e.attempt_count;
      expect({ id: e.id, hits, attempts: e.attempt_count }).toEqual({
        id: e.id,
        hits: 2,
        attempts: 2,
      });
    }

    // the ledger posted each payment once, and nothing for closed orders
    const entries = await sqlRows<{ order_id: string; n: string }>(
      cluster.url('paygate'),
      `SELECT order_id, COUNT(*) AS n FROM journal_entries GROUP BY order_id`,
    );
    const posted = new Map(entries.map((r) => [r.order_id, Number(r.n)]));
    for (const order of [...paid, ...silent]) expect(posted.get(order.order_id)).toBe(1);
    for (const order of expiring) expect(posted.get(order.order_id)).toBeUndefined();

    const workers = await sqlRows<{ owner: string; n: string }>(
      cluster.url('paygate'),
      `SELECT split_part(delivered_by, '/', 1) AS owner, COUNT(*) AS n FROM webhook_attempts GROUP BY 1`,
    );
    figures.notes.webhook_attempts_by_instance = workers.map((w) => w.n).join('+');
    figures.notes.webhook_hits = receiver.hits.length;
    figures.notes.events = events.length;
    figures.notes.closed_by_sweep = EXPIRING;
    figures.notes.succeeded_by_sync = SILENT;
  });

  it('runs the daily clearing once when both instances fire it, and both serve the same bills', async () => {
    const date = new Intl.DateTimeFormat('en-CA', { timeZone: settlementTz }).format(clock.now());
    // a day later on both instances: the cron of each, every two seconds, clears `date`
    clock.shift(DAY_MS);
    const claimedElsewhere = (p: PaygateProcess) =>
      p
        .output()
        .split('\n')
        .filter(
          (l) =>
            l.includes('already claimed by another instance') && l.includes(`"date":"${date}"`),
        ).length;
    // both fired at least twice after the run existed, and left it alone
    await eventually(
      async () => claimedElsewhere(a) >= 2 && claimedElsewhere(b) >= 2,
      30_000,
      'both instances to find the scheduled run claimed',
      250,
    );
    const admin = await adminToken(a.url);
    const runs = await data<{ items: { trigger: string; status: string }[] }>(
      b.url,
      'GET',
      `/v1/clearing/runs?date=${date}`,
      { token: admin },
    );
    expect(runs.items.map((r) => [r.trigger, r.status])).toEqual([['scheduled', 'succeeded']]);
    if (runs.items.length > 1) figures.duplicates += runs.items.length - 1;

    const bills = await Promise.all(
      both().map((p) =>
        data<{ items: Record<string, unknown>[] }>(
          p.url,
          'GET',
          `/v1/clearing/bills?date=${date}`,
          {
            token: admin,
          },
        ),
      ),
    );
    expect(bills[0].items).toEqual(bills[1].items);
    const bill = bills[0].items.find((x) => x.source_id === shop.sourceId);
    expect(bill).toEqual(
      expect.objectContaining({ status: 'final', payment_count: PAID + SILENT, refund_count: 0 }),
    );
    figures.notes.clearing_runs = runs.items.length;
    figures.notes.claims_refused = claimedElsewhere(a) + claimedElsewhere(b);
  });

  it('behind deploy/nginx.conf: requests go round robin, and the client address reaches the limits', async () => {
    const nginx = await Nginx.start([`127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`]);
    try {
      const served = async () =>
        Promise.all(
          both().map(async (p) => {
            const metrics = (await call(p.url, 'GET', '/metrics', { token: METRICS_TOKEN })).text;
            const line = metrics
              .split('\n')
              .find((l) => l.startsWith('paygate_http_requests_total') && l.includes('/v1/teapot'));
            return Number(line?.split(' ').pop() ?? 0);
          }),
        );
      const before = await served();
      for (let i = 0; i < 10; i++) {
        // a client address each, so the per-IP limit (10/s) stays out of the count
        const answer = await call(nginx.url, 'GET', '/v1/teapot', {
          headers: { 'x-forwarded-for': `198.51.100.${i + 1}` },
        });
        expect(answer.status).toBe(418);
      }
      const after = await served();
      expect([after[0] - before[0], after[1] - before[1]]).toEqual([5, 5]);

      // the per-IP limit (unauthenticated requests), counted across both replicas, is per
      // client address: nginx passes it on, paygate (TRUST_PROXY) reads it; a burst stretched
      // past the one-second window is measured again from another address
      for (let round = 1; ; round++) {
        const ip = `203.0.113.${round}`;
        const started = Date.now();
        const statuses: number[] = [];
        for (let i = 0; i <= LIMIT_PER_SECOND; i++) {
          const answer = await call(nginx.url, 'GET', '/v1/teapot', {
            headers: { 'x-forwarded-for': ip },
          });
          statuses.push(answer.status);
        }
        if (Date.now() - started > 800 && round < 3) continue;
        expect(statuses).toEqual([...Array<number>(LIMIT_PER_SECOND).fill(418), 429]);
        const other = await call(nginx.url, 'GET', '/v1/teapot', {
          headers: { 'x-forwarded-for': '203.0.113.99' },
        });
        expect(other.status).toBe(418);
        figures.limited++;
        figures.notes.behind_nginx = `10 requests spread 5+5; one address limited at #${LIMIT_PER_SECOND + 1}, another not`;
        break;
      }
    } finally {
      await nginx.stop();
    }
  });
});

interface Event {
  id: string;
  type: string;
  order_id: string;
  delivery_status: string;
  attempt_count: number;
}
