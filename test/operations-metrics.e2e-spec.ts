import { BillsRepository } from '../src/clearing/bills.repository';
import { ClearingScheduler } from '../src/clearing/clearing-scheduler';
import { previousSettlementDate } from '../src/clearing/settlement-dates';
import { createOrder, createSandboxChannel, sandboxNotification } from './helpers/payments';
import { testEngine } from './helpers/scratch-database';
import { bearer, createMerchant, startTestApp, TestApp } from './helpers/test-app';

/** The value of one series on /metrics, e.g. `paygate_x{a="b"}`. */
async function metric(t: TestApp, series: string): Promise<number> {
  const text = (await t.http.get('/metrics').expect(200)).text;
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  if (!line) throw new Error(`${series} is not on /metrics`);
  return Number(line.slice(series.length + 1));
}

describe(`nothing fails silently in background work (${testEngine()})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      RATE_LIMIT_PER_SECOND: '10000',
      SETTLEMENT_TZ: 'Asia/Shanghai',
      CLEARING_RETRY_SCHEDULE: '0,0',
    });
  });
  afterAll(() => t.close());

  it('retries a failed scheduled clearing run, then reports the date cleared', async () => {
    expect(await metric(t, 'paygate_clearing_last_success_timestamp_seconds')).toBe(0);
    const bills = t.app.get(BillsRepository);
    const broken = jest
      .spyOn(bills, 'replaceBills')
      .mockRejectedValueOnce(new Error('database hiccup'))
      .mockRejectedValueOnce(new Error('database hiccup'));
    const now = Date.now();
    try {
      await t.app.get(ClearingScheduler).runWithRetries(now);
    } finally {
      broken.mockRestore();
    }
    const date = previousSettlementDate(now, 'Asia/Shanghai');
    const runs = await t.http
      .get(`/v1/clearing/runs?date=${date}`)
      .set(bearer(await t.adminToken()))
      .expect(200);
    expect(runs.body.data.items.map((r: { status: string; trigger: string }) => r.status)).toEqual([
      'succeeded',
      'failed',
      'failed',
    ]);
    expect(await metric(t, 'paygate_clearing_scheduled_failures_total{gave_up="false"}')).toBe(2);
    expect(await metric(t, 'paygate_clearing_scheduled_failures_total{gave_up="true"}')).toBe(0);
    const last = await metric(t, 'paygate_clearing_last_success_timestamp_seconds');
    expect(last).toBeGreaterThanOrEqual(Math.floor(now / 1000));
  });

  it('gives up after the last retry and says so on /metrics', async () => {
    const bills = t.app.get(BillsRepository);
    const broken = jest.spyOn(bills, 'replaceBills').mockRejectedValue(new Error('disk full'));
    try {
      // the day after: a date whose scheduled run has not been claimed yet
      await t.app.get(ClearingScheduler).runWithRetries(Date.now() + 86400_000);
    } finally {
      broken.mockRestore();
    }
    expect(await metric(t, 'paygate_clearing_scheduled_failures_total{gave_up="false"}')).toBe(4);
    expect(await metric(t, 'paygate_clearing_scheduled_failures_total{gave_up="true"}')).toBe(1);
  });

  it('shows the sweep and sync backlogs and refused notifications by reason', async () => {
    const m = await createMerchant(t);
    await createSandboxChannel(t);
    const order = await createOrder(t, m);
    expect(await metric(t, 'paygate_expiry_sweep_backlog')).toBe(0);
    await t.dataSource.query(
      `UPDATE orders SET expires_at = ${Date.now() - 60_000}, next_sync_at = ${Date.now() - 30_000} WHERE order_id = '${order.order_id}'`,
    );
    expect(await metric(t, 'paygate_expiry_sweep_backlog')).toBe(1);
    expect(await metric(t, 'paygate_status_sync_backlog')).toBe(1);
    expect(await metric(t, 'paygate_expiry_sweep_oldest_due_age_seconds')).toBeGreaterThanOrEqual(
      60,
    );
    const forged = await sandboxNotification(
      t,
      'sandbox_main',
      { order_id: order.order_id, status: 'SUCCEEDED', amount: 1000 },
      { secret: 'not-the-channel-secret-0123456789' },
    );
    expect(forged.status).toBe(401);
    await sandboxNotification(t, 'no_such_channel', { order_id: order.order_id });
    expect(
      await metric(
        t,
        'paygate_notifications_refused_total{channel="sandbox_main",reason="verification_failed"}',
      ),
    ).toBe(1);
    expect(
      await metric(t, 'paygate_notifications_refused_total{channel="",reason="unknown_channel"}'),
    ).toBe(1);
    for (const type of ['missing_in_gateway', 'amount_mismatch']) {
      expect(await metric(t, `paygate_reconciliation_discrepancies{type="${type}"}`)).toBe(0);
    }
  });
});
