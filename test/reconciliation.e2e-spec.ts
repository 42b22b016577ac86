import { middayTimeZone, paidOrder, refundOrder, today } from './helpers/clearing';
import {
  createOrder,
  createSandboxChannel,
  payOrder,
  SANDBOX_SECRET,
  sandboxNotification,
} from './helpers/payments';
import { testEngine } from './helpers/scratch-database';
import { bearer, createMerchant, startTestApp, TestApp, TestMerchant } from './helpers/test-app';

interface Discrepancy {
  type: string;
  source: string;
  order_id: string | null;
  refund_id: string | null;
  gateway_amount: number | null;
  channel_amount: number | null;
  gateway_status: string | null;
  channel_status: string | null;
}

describe(`对账 reconciliation against the sandbox statement on ${testEngine()}`, () => {
  let t: TestApp;
  let m: TestMerchant;
  let admin: { authorization: string };
  let date: string;

  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_PER_SECOND: '10000', SETTLEMENT_TZ: middayTimeZone() });
    await createSandboxChannel(t, { code: 'recon_main', fee_rate_bps: 60 });
    // never routed to while recon_main is up; notifications can still arrive through it
    await createSandboxChannel(t, { code: 'recon_other', priority: -1 });
    m = await createMerchant(t);
    admin = bearer(await t.adminToken());
    date = today(t);
  });
  afterAll(() => t.close());

  const setDropRate = (rate: number) =>
    t.http
      .patch('/v1/channels/recon_main')
      .set(admin)
      .send({ config: { secret: SANDBOX_SECRET, seed: 42, notify_drop_rate: rate } })
      .expect(200);

  it('finds every discrepancy kind, from the statement and from notification exceptions', async () => {
    // agrees everywhere: a payment and a partial refund
    const agreed = await paidOrder(t, m, { amount: 1000 });
    const agreedRefund = await refundOrder(t, m, agreed.order_id, 300);
    // the channel says it took 19.99 where the gateway recorded 20.00
    const short = await paidOrder(t, m, { amount: 2000 });
    await t.dataSource.query(
      `UPDATE sandbox_payments SET amount = 1999 WHERE order_id = '${short.order_id}'`,
    );
    // the gateway has a payment the channel's statement does not
    const unknownToChannel = await paidOrder(t, m, { amount: 3000 });
    await t.dataSource.query(
      `DELETE FROM sandbox_payments WHERE order_id = '${unknownToChannel.order_id}'`,
    );
    // the payer paid but the notification was lost: paid at the channel, PENDING here
    const lost = await createOrder(t, m, { amount: 4000 });
    await setDropRate(1);
    try {
      expect((await payOrder(t, lost)).status).toBeLessThan(300);
    } finally {
      await setDropRate(0);
    }
    // the channel lists a payment the gateway never heard of
    const [{ channel_id: channelId }] = await t.dataSource.query(
      `SELECT channel_id FROM orders WHERE order_id = '${agreed.order_id}'`,
    );
    const now = Date.now();
    await t.dataSource.query(
      `INSERT INTO sandbox_payments (order_id, channel_id, trade_no, status, amount, currency, refunded_amount, created_at, paid_at)
       VALUES ('ord_ghost', '${channelId}', 'T-ghost', 'SUCCEEDED', 500, 'CNY', 0, ${now}, ${now})`,
    );
    // a refund the channel says was 4.99 where the gateway refunded 5.00
    const refunded = await paidOrder(t, m, { amount: 1500 });
    const shortRefund = await refundOrder(t, m, refunded.order_id, 500);
    await t.dataSource.query(
      `UPDATE sandbox_refunds SET amount = 499 WHERE refund_id = '${shortRefund.refund_id}'`,
    );
    // a notification with another amount: kept by payments as an exception, not applied
    const pending = await createOrder(t, m, { amount: 700 });
    const wrong = {
      type: 'payment',
      order_id: pending.order_id,
      trade_no: 'T-wrong',
      status: 'SUCCEEDED',
      amount: 1,
      currency: 'CNY',
    };
    await sandboxNotification(t, 'recon_main', wrong).expect(200);
    // the same order reported through the other channel: that channel's business, not this one's
    await sandboxNotification(t, 'recon_other', { ...wrong, amount: 700 }).expect(200);

    const res = await t.http
      .post('/v1/clearing/reconciliations')
      .set(admin)
      .send({ date, channel: 'recon_main' });
    expect(res.status).toBe(201);
    const result = res.body.data as {
      reconciliation_id: string;
      statement_line_count: number;
      matched_count: number;
      discrepancies: Discrepancy[];
    };
    expect(result).toMatchObject({ date, channel: 'recon_main', statement_line_count: 7 });
    // the agreed payment and refund, and the refunded order's payment
    expect(result.matched_count).toBe(3);
    const found = result.discrepancies.map((d) => [
      d.type,
      d.source,
      d.order_id,
      d.refund_id,
      d.gateway_amount,
      d.channel_amount,
    ]);
    expect(found).toEqual(
      expect.arrayContaining([
        ['missing_in_gateway', 'statement', 'ord_ghost', null, null, 500],
        ['missing_in_channel', 'statement', unknownToChannel.order_id, null, 3000, null],
        ['amount_mismatch', 'statement', short.order_id, null, 2000, 1999],
        ['amount_mismatch', 'statement', refunded.order_id, shortRefund.refund_id, 500, 499],
        ['status_mismatch', 'statement', lost.order_id, null, 4000, 4000],
        ['amount_mismatch', 'notification', pending.order_id, null, 700, 1],
      ]),
    );
    expect(found).toHaveLength(6);
    expect(result.discrepancies.find((d) => d.type === 'status_mismatch')).toMatchObject({
      gateway_status: 'PENDING',
      channel_status: 'SUCCEEDED',
    });
    expect(agreedRefund.fee_amount).toBe(2); // round_half_up(6 × 300 / 1000) = 1.8 → 2

    const other = await t.http
      .post('/v1/clearing/reconciliations')
      .set(admin)
      .send({ date, channel: 'recon_other' })
      .expect(201);
    expect(other.body.data).toMatchObject({ statement_line_count: 0, matched_count: 0 });
    expect(
      other.body.data.discrepancies.map((d: Discrepancy) => [d.type, d.source, d.order_id]),
    ).toEqual([['missing_in_gateway', 'notification', pending.order_id]]);

    const listed = await t.http
      .get(`/v1/clearing/reconciliations?date=${date}&channel=recon_main`)
      .set(admin)
      .expect(200);
    expect(listed.body.data.items).toEqual([res.body.data]);
    const all = await t.http
      .get(`/v1/clearing/reconciliations?date=${date}`)
      .set(admin)
      .expect(200);
    expect(all.body.data.items.map((r: { channel: string }) => r.channel)).toEqual([
      'recon_other',
      'recon_main',
    ]);
  });

  it('refuses unknown channels, future dates and merchants', async () => {
    const unknown = await t.http
      .post('/v1/clearing/reconciliations')
      .set(admin)
      .send({ date, channel: 'no_such_channel' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.reason).toBe('channel_not_found');
    const future = await t.http
      .post('/v1/clearing/reconciliations')
      .set(admin)
      .send({ date: '2999-01-01', channel: 'recon_main' });
    expect(future.status).toBe(400);
    expect(future.body.reason).toBe('date_in_future');
    const merchant = await t.http
      .post('/v1/clearing/reconciliations')
      .set(bearer(m.token))
      .send({ date, channel: 'recon_main' });
    expect(merchant.status).toBe(403);
    expect((await t.http.get('/v1/clearing/reconciliations').set(bearer(m.token))).status).toBe(
      403,
    );
  });
});
