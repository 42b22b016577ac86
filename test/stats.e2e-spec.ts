import request from 'supertest';
import { settlementDate } from '../src/common/time';
import {
  CONSOLE_ENV,
  consolePerson,
  ConsolePerson,
  merchantTeam,
  SETUP_TIMEOUT_MS,
} from './helpers/console';
import {
  createOrder,
  createSandboxChannel,
  eventually,
  getOrder,
  Order,
  payOrder,
  waitForStatus,
} from './helpers/payments';
import { testEngine } from './helpers/scratch-database';
import { bearer, createMerchant, startTestApp, TestApp, TestMerchant } from './helpers/test-app';
import { WebhookReceiver } from './helpers/webhook-receiver';

const ZONE = 'America/New_York';

/** fixed_fee 1 + round_half_up(amount × 60 / 10000): the main channel's fee. */
const fee = (amount: number) => 1 + Math.floor((amount * 60) / 10000 + 0.5);

/**
 * The dashboards' figures against orders made through the API with known outcomes: every
 * figure of every endpoint is asserted, for an operator (all merchants, one merchant) and for a
 * merchant (itself only), in a time zone with daylight saving.
 */
describe(`statistics on ${testEngine()}`, () => {
  let t: TestApp;
  let a: TestMerchant;
  let b: TestMerchant;
  let okHook: WebhookReceiver;
  let badHook: WebhookReceiver;
  let operator: ConsolePerson;
  let finance: ConsolePerson;
  let today: string;
  const orders: Record<string, Order> = {};

  beforeAll(async () => {
    okHook = await WebhookReceiver.start();
    badHook = await WebhookReceiver.start(() => ({ status: 500, body: 'down' }));
    t = await startTestApp({
      ...CONSOLE_ENV,
      SETTLEMENT_TZ: ZONE,
      JOBS_ENABLED: 'true',
      WEBHOOK_RETRY_SCHEDULE: '600',
      // the flaky channel's circuit must still be open when the figures are read, however
      // slowly the set-up ran
      CIRCUIT_OPEN_SECONDS: '3600',
      WEBHOOK_POLL_INTERVAL_MS: '100',
      RATE_LIMIT_PER_SECOND: '10000',
    });
    today = settlementDate(Date.now(), ZONE);
    await createSandboxChannel(
      t,
      { code: 'sbx_flaky', priority: 10 },
      { create_error_rate: 1, notify_delay_ms: 0 },
    );
    await createSandboxChannel(
      t,
      { code: 'sbx_main', priority: 0, fee_rate_bps: 60, fixed_fee: 1 },
      { notify_delay_ms: 0 },
    );
    a = await createMerchant(t, { name: 'Shop A', notify_url: okHook.url() });
    b = await createMerchant(t, { name: 'Shop B', notify_url: badHook.url() });
    const make = (m: TestMerchant, name: string, amount: number, currency = 'CNY') =>
      createOrder(t, m, { amount, currency, merchant_order_no: name }).then((o) => {
        orders[name] = o;
      });
    // the first five attempts fail at sbx_flaky and fail over; then its circuit is open
    await make(a, 'A1', 1000);
    await make(a, 'A2', 2000);
    await make(a, 'A3', 500);
    await make(a, 'A4', 700);
    await make(a, 'A5', 900);
    await make(a, 'A6', 100, 'USD');
    await make(b, 'B1', 5000);
    for (const name of ['A1', 'A2', 'A6', 'B1']) await payOrder(t, orders[name]).expect(200);
    await payOrder(t, orders.A3, 'fail').expect(200);
    await request(t.url)
      .post(`/v1/payments/${orders.A4.order_id}/close`)
      .set(bearer(a.token))
      .expect(200);
    for (const name of ['A1', 'A2', 'A6'])
      await waitForStatus(t, a.token, orders[name].order_id, 'SUCCEEDED');
    await waitForStatus(t, a.token, orders.A3.order_id, 'FAILED');
    await waitForStatus(t, b.token, orders.B1.order_id, 'SUCCEEDED');
    await request(t.url)
      .post(`/v1/payments/${orders.A1.order_id}/refunds`)
      .set(bearer(a.token))
      .send({ amount: 300 })
      .expect(201);
    await waitForStatus(t, a.token, orders.A1.order_id, 'PARTIALLY_REFUNDED');
    // A's six events delivered; B's one attempt failed, the next due in 10 minutes
    await eventually(async () => okHook.hits.length >= 6 && badHook.hits.length >= 1, 15000);
    await eventually(async () => {
      const rows: { n: number | string }[] = await t.dataSource.query(
        `SELECT COUNT(*) AS n FROM webhook_attempts`,
      );
      return Number(rows[0].n) >= 7;
    });
    operator = await consolePerson(t, { scope: 'operator', role: 'viewer' });
    finance = (await merchantTeam(t, a.sourceId, ['finance'])).finance!;
  }, SETUP_TIMEOUT_MS);
  afterAll(async () => {
    await t.close();
    await okHook.close();
    await badHook.close();
  });

  const emptyPeriod = (from: string, to: string) => ({
    from,
    to,
    created: 0,
    succeeded: 0,
    failed: 0,
    closed: 0,
    pending: 0,
    success_rate: null,
    refunds: 0,
    amounts: [],
  });

  it("overview: one merchant's period by outcome, amounts per currency, and the period before", async () => {
    const res = await finance.browser
      .call('get', `/v1/stats/overview?from=${today}&to=${today}`)
      .expect(200);
    const data = res.body.data;
    const refundFee = Math.floor((fee(1000) * 300) / 1000 + 0.5);
    expect(data).toEqual({
      time_zone: ZONE,
      source_id: a.sourceId,
      current: {
        from: expect.any(String),
        to: expect.any(String),
        created: 6,
        succeeded: 3,
        failed: 1,
        closed: 1,
        pending: 1,
        success_rate: 0.6,
        refunds: 1,
        amounts: [
          {
            currency: 'CNY',
            created_amount: 1000 + 2000 + 500 + 700 + 900,
            succeeded_amount: 3000,
            failed_amount: 500,
            closed_amount: 700,
            fee_amount: fee(1000) + fee(2000),
            refund_amount: 300,
            refund_fee_amount: refundFee,
            net_amount: 3000 - (fee(1000) + fee(2000)) - 300 + refundFee,
          },
          {
            currency: 'USD',
            created_amount: 100,
            succeeded_amount: 100,
            failed_amount: 0,
            closed_amount: 0,
            fee_amount: fee(100),
            refund_amount: 0,
            refund_fee_amount: 0,
            net_amount: 100 - fee(100),
          },
        ],
      },
      previous: emptyPeriod(expect.any(String), expect.any(String)),
    });
    // the day in New York, and the day before it
    const { from, to } = data.current;
    expect(Date.parse(to) - Date.parse(from)).toBeGreaterThanOrEqual(23 * 3_600_000);
    expect(data.previous.to).toBe(from);
    expect(Date.parse(data.previous.to) - Date.parse(data.previous.from)).toBe(
      Date.parse(to) - Date.parse(from),
    );
    // the merchant's own API credential reads the same
    const own = await request(t.url)
      .get(`/v1/stats/overview?from=${today}&to=${today}`)
      .set(bearer(a.token))
      .expect(200);
    expect(own.body.data).toEqual(data);
  });

  it('overview: operators see every merchant, or one; a merchant cannot name another', async () => {
    const all = await operator.browser
      .call('get', `/v1/stats/overview?from=${today}&to=${today}`)
      .expect(200);
    expect(all.body.data.source_id).toBeNull();
    expect(all.body.data.current).toEqual(
      expect.objectContaining({ created: 7, succeeded: 4, failed: 1, closed: 1, pending: 1 }),
    );
    expect(all.body.data.current.success_rate).toBe(Math.round((4 / 6) * 1e4) / 1e4);
    expect(all.body.data.current.amounts[0]).toEqual(
      expect.objectContaining({
        currency: 'CNY',
        created_amount: 10100,
        succeeded_amount: 8000,
        fee_amount: fee(1000) + fee(2000) + fee(5000),
      }),
    );
    const onlyB = await operator.browser
      .call('get', `/v1/stats/overview?from=${today}&to=${today}&source_id=${b.sourceId}`)
      .expect(200);
    expect(onlyB.body.data.current).toEqual({
      ...emptyPeriod(expect.any(String), expect.any(String)),
      created: 1,
      succeeded: 1,
      success_rate: 1,
      amounts: [
        {
          currency: 'CNY',
          created_amount: 5000,
          succeeded_amount: 5000,
          failed_amount: 0,
          closed_amount: 0,
          fee_amount: fee(5000),
          refund_amount: 0,
          refund_fee_amount: 0,
          net_amount: 5000 - fee(5000),
        },
      ],
    });
    const other = await finance.browser.call(
      'get',
      `/v1/stats/overview?from=${today}&to=${today}&source_id=${b.sourceId}`,
    );
    expect([other.status, other.body.reason]).toEqual([403, 'source_id_mismatch']);
    const bad = await finance.browser.call('get', `/v1/stats/overview?from=${today}&to=2020-01-01`);
    expect([bad.status, bad.body.reason]).toEqual([400, 'validation_failed']);
  });

  it('timeseries: every day of the range, zero-filled, each metric', async () => {
    const from = settlementDate(Date.now() - 2 * 86_400_000, ZONE);
    const series = async (metric: string, extra = '') => {
      const res = await finance.browser
        .call('get', `/v1/stats/timeseries?from=${from}&to=${today}&metric=${metric}${extra}`)
        .expect(200);
      return res.body.data as {
        currency: string | null;
        buckets: { label: string; value: number | null; start: string; end: string }[];
      };
    };
    const created = await series('created');
    expect(created.buckets.map((b) => b.value)).toEqual([0, 0, 6]);
    expect(created.currency).toBeNull();
    expect(created.buckets[2].label).toMatch(new RegExp(`^${today}T00:00:00-0[45]:00$`));
    expect(created.buckets[0].end).toBe(created.buckets[1].start);
    const expectations: [string, string, (number | null)[]][] = [
      ['succeeded', '', [0, 0, 3]],
      ['failed', '', [0, 0, 1]],
      ['closed', '', [0, 0, 1]],
      ['success_rate', '', [null, null, 0.6]],
      ['created_amount', '', [0, 0, 5100]],
      ['succeeded_amount', '', [0, 0, 3000]],
      ['succeeded_amount', '&currency=USD', [0, 0, 100]],
      ['fee_amount', '', [0, 0, fee(1000) + fee(2000)]],
      ['refunds', '', [0, 0, 1]],
      ['refund_amount', '', [0, 0, 300]],
      ['created', '&currency=USD', [0, 0, 1]],
    ];
    for (const [metric, extra, values] of expectations) {
      const s = await series(metric, extra);
      expect([metric, extra, s.buckets.map((b) => b.value)]).toEqual([metric, extra, values]);
    }
    expect((await series('succeeded_amount')).currency).toBe('CNY');
  });

  it('timeseries by hour: each order in the local hour it was created in', async () => {
    const res = await operator.browser
      .call('get', `/v1/stats/timeseries?from=${today}&to=${today}&metric=created&granularity=hour`)
      .expect(200);
    const buckets = res.body.data.buckets as { start: string; end: string; value: number }[];
    expect(buckets.length).toBeGreaterThanOrEqual(23);
    expect(buckets.length).toBeLessThanOrEqual(25);
    const expected = buckets.map(
      (b) =>
        Object.values(orders).filter(
          (o) =>
            Date.parse(o.created_at as string) >= Date.parse(b.start) &&
            Date.parse(o.created_at as string) < Date.parse(b.end),
        ).length,
    );
    expect(buckets.map((b) => b.value)).toEqual(expected);
    expect(expected.reduce((x, y) => x + y, 0)).toBe(7);
  });

  it('channels: attempts, failures by reason, success rate, latency percentiles, circuit', async () => {
    const admin = await t.adminToken();
    const attempts = (
      await Promise.all(Object.values(orders).map((o) => getOrder(t, admin, o.order_id)))
    ).flatMap(
      (o) =>
        (
          o.routing as {
            attempts: {
              channel: string;
              outcome: string;
              failure_reason: string | null;
              latency_ms: number | null;
            }[];
          }
        ).attempts,
    );
    const rank = (values: number[], p: number) =>
      [...values].sort((x, y) => x - y)[Math.ceil((p * values.length) / 100) - 1];
    const res = await operator.browser
      .call('get', `/v1/stats/channels?from=${today}&to=${today}`)
      .expect(200);
    const flaky = attempts.filter((x) => x.channel === 'sbx_flaky');
    const main = attempts.filter((x) => x.channel === 'sbx_main');
    expect(flaky).toHaveLength(5);
    expect(main).toHaveLength(7);
    const reason = flaky[0].failure_reason!;
    expect(flaky.every((x) => x.outcome === 'failed' && x.failure_reason === reason)).toBe(true);
    const latencies = (list: typeof attempts) => list.map((x) => x.latency_ms!);
    expect(res.body.data.items).toEqual([
      {
        channel: 'sbx_flaky',
        attempts: 5,
        successes: 0,
        failures: 5,
        success_rate: 0,
        failures_by_reason: [{ reason, count: 5 }],
        latency_p50_ms: rank(latencies(flaky), 50),
        latency_p95_ms: rank(latencies(flaky), 95),
        circuit: 'open',
      },
      {
        channel: 'sbx_main',
        attempts: 7,
        successes: 7,
        failures: 0,
        success_rate: 1,
        failures_by_reason: [],
        latency_p50_ms: rank(latencies(main), 50),
        latency_p95_ms: rank(latencies(main), 95),
        circuit: 'closed',
      },
    ]);
    const onlyB = await operator.browser
      .call('get', `/v1/stats/channels?from=${today}&to=${today}&source_id=${b.sourceId}`)
      .expect(200);
    expect(
      onlyB.body.data.items.map((i: { channel: string; attempts: number }) => [
        i.channel,
        i.attempts,
      ]),
    ).toEqual([
      ['sbx_flaky', 0],
      ['sbx_main', 1],
    ]);
  });

  it('webhooks: events by delivery status, attempts by outcome, and the backlog now', async () => {
    const mine = await finance.browser
      .call('get', `/v1/stats/webhooks?from=${today}&to=${today}`)
      .expect(200);
    // A: three payments succeeded, one failed, one closed, one refund: six events, delivered
    expect(mine.body.data).toEqual({
      time_zone: ZONE,
      source_id: a.sourceId,
      from: expect.any(String),
      to: expect.any(String),
      events: { total: 6, delivered: 6, pending: 0, failed: 0 },
      attempts: { total: 6, succeeded: 6, failed: 0 },
      due_now: 0,
      oldest_due_event_id: null,
      oldest_due_since: null,
    });
    const all = await operator.browser
      .call('get', `/v1/stats/webhooks?from=${today}&to=${today}`)
      .expect(200);
    expect(all.body.data.events).toEqual({ total: 7, delivered: 6, pending: 1, failed: 0 });
    expect(all.body.data.attempts).toEqual({ total: 7, succeeded: 6, failed: 1 });
    expect(all.body.data.due_now).toBe(0);
    // eleven minutes on, B's retry is due and has waited a minute
    const [event] = (
      await request(t.url)
        .get(`/v1/events?source_id=${b.sourceId}`)
        .set(bearer(await t.adminToken()))
    ).body.data.items as { id: string; next_attempt_at: string; created_at: string }[];
    const clock = jest
      .spyOn(Date, 'now')
      .mockReturnValue(Date.parse(event.next_attempt_at) + 60_000);
    try {
      const later = await operator.browser
        .call('get', `/v1/stats/webhooks?from=${today}&to=${today}`)
        .expect(200);
      expect(later.body.data.due_now).toBe(1);
      expect(later.body.data.oldest_due_event_id).toBe(event.id);
      expect(later.body.data.oldest_due_since).toBe(event.next_attempt_at);
    } finally {
      clock.mockRestore();
    }
  });

  it('buckets by the clock of the zone across a daylight-saving change', async () => {
    const c = await createMerchant(t, { name: 'Shop C' });
    const clock = jest.spyOn(Date, 'now');
    try {
      // 01:30 EDT and 01:30 EST (the repeated hour), then 22:00 EST: all on 1 November there
      for (const at of ['2026-11-01T05:30:00Z', '2026-11-01T06:30:00Z', '2026-11-02T03:00:00Z']) {
        clock.mockReturnValue(Date.parse(at));
        await createOrder(t, c, { amount: 100 });
      }
    } finally {
      clock.mockRestore();
    }
    const scoped = `source_id=${c.sourceId}&metric=created`;
    const days = await operator.browser
      .call('get', `/v1/stats/timeseries?from=2026-10-31&to=2026-11-02&${scoped}`)
      .expect(200);
    expect(
      days.body.data.buckets.map(
        (b: { label: string; start: string; end: string; value: number }) => [
          b.label,
          (Date.parse(b.end) - Date.parse(b.start)) / 3_600_000,
          b.value,
        ],
      ),
    ).toEqual([
      ['2026-10-31T00:00:00-04:00', 24, 0],
      ['2026-11-01T00:00:00-04:00', 25, 3],
      ['2026-11-02T00:00:00-05:00', 24, 0],
    ]);
    const hours = await operator.browser
      .call('get', `/v1/stats/timeseries?from=2026-11-01&to=2026-11-01&granularity=hour&${scoped}`)
      .expect(200);
    const counted = (hours.body.data.buckets as { label: string; value: number }[]).filter(
      (b) => b.value > 0,
    );
    expect(hours.body.data.buckets).toHaveLength(25);
    expect(counted).toEqual([
      expect.objectContaining({ label: '2026-11-01T01:00:00-04:00', value: 1 }),
      expect.objectContaining({ label: '2026-11-01T01:00:00-05:00', value: 1 }),
      expect.objectContaining({ label: '2026-11-01T22:00:00-05:00', value: 1 }),
    ]);
  });
});
