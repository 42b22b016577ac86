import { Database } from '../src/database/database.service';
import { OrderTransitions } from '../src/payments/order-transitions.service';
import { Bill, billWithLines, listBills, runClearing } from './helpers/clearing';
import { createOrder, createSandboxChannel, getOrder, payOrder } from './helpers/payments';
import { testEngine } from './helpers/scratch-database';
import { bearer, createMerchant, startTestApp, TestApp, TestMerchant } from './helpers/test-app';

/**
 * Movements at chosen instants around midnight in Asia/Shanghai. Orders and refunds are made
 * through the API against a sandbox channel that drops its notifications; the channel's report
 * is then applied through OrderTransitions — the code notifications and the status sync call —
 * with the instant of our choosing as its clock. So the ledger is written by the real
 * transition, in its transaction, and nothing in the database is edited by hand.
 *
 * All of these instants fall on 2025-06-30 in UTC: a bill cut by the UTC day would differ.
 */
const LAST_MS_OF_JUNE_30 = Date.parse('2025-06-30T15:59:59.999Z'); // 23:59:59.999 in Shanghai
const FIRST_MS_OF_JULY_1 = Date.parse('2025-06-30T16:00:00.000Z'); // 00:00:00.000 in Shanghai

describe(`the settlement day boundary in Asia/Shanghai on ${testEngine()}`, () => {
  let t: TestApp;
  let m: TestMerchant;

  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_PER_SECOND: '10000', SETTLEMENT_TZ: 'Asia/Shanghai' });
    await createSandboxChannel(t, { code: 'night', fee_rate_bps: 60 }, { notify_drop_rate: 1 });
    m = await createMerchant(t);
  });
  afterAll(() => t.close());

  /** The channel reports the payment, at `at`. */
  const paymentReported = (orderId: string, at: number) =>
    t.app
      .get(Database)
      .transaction((em) =>
        t.app.get(OrderTransitions).succeed(em, orderId, { paidAt: at, channelTradeNo: null }, at),
      );
  /** The channel reports the refund done, at `at`. */
  const refundReported = (refundId: string, at: number) =>
    t.app
      .get(Database)
      .transaction((em) =>
        t.app
          .get(OrderTransitions)
          .refundSucceeded(em, refundId, { channelRefundNo: null, completedAt: at }, at),
      );
  const askRefund = async (orderId: string, amount: number): Promise<string> => {
    const res = await t.http
      .post(`/v1/payments/${orderId}/refunds`)
      .set(bearer(m.token))
      .send({ amount })
      .expect(201);
    expect(res.body.data.status).toBe('PENDING'); // its notification is dropped
    return res.body.data.refund_id as string;
  };
  const paidAtChannel = async (amount: number) => {
    const order = await createOrder(t, m, { amount });
    expect((await payOrder(t, order)).status).toBeLessThan(300);
    return order;
  };

  it('puts a late payment and a next-day refund on the next day, each movement on exactly one bill', async () => {
    // paid on the 30th; refunded 4.00 half a second after midnight
    const a = await paidAtChannel(1000); // fee 6
    await paymentReported(a.order_id, LAST_MS_OF_JUNE_30 - 1000);
    const aRefund = await askRefund(a.order_id, 400);
    await refundReported(aRefund, FIRST_MS_OF_JULY_1 + 500);
    // paid and refunded in full on the 30th, the refund in its last millisecond
    const c = await paidAtChannel(500); // fee 3
    await paymentReported(c.order_id, LAST_MS_OF_JUNE_30 - 500);
    const cRefund = await askRefund(c.order_id, 500);
    await refundReported(cRefund, LAST_MS_OF_JUNE_30);
    // closed, then the channel reports it paid at midnight: a late payment, on the 1st
    const b = await createOrder(t, m, { amount: 2000 }); // fee 12
    await t.http.post(`/v1/payments/${b.order_id}/close`).set(bearer(m.token)).expect(200);
    await paymentReported(b.order_id, FIRST_MS_OF_JULY_1);
    expect(await getOrder(t, m.token, b.order_id)).toMatchObject({
      status: 'SUCCEEDED',
      late_payment: true,
    });

    expect(await runClearing(t, '2025-06-30')).toMatchObject({ bill_status: 'final' });
    expect(await runClearing(t, '2025-07-01')).toMatchObject({ bill_status: 'final' });
    const [june30] = await listBills(t, m.token, 'date=2025-06-30');
    const [july1] = await listBills(t, m.token, 'date=2025-07-01');
    expect(june30).toMatchObject({
      status: 'final',
      payment_count: 2,
      payment_amount: 1500, // a 1000 + c 500
      refund_count: 1,
      refund_amount: 500, // c in full
      fee_amount: 6, // (6 + 3) − 3
      net_amount: 994,
    });
    expect(july1).toMatchObject({
      status: 'final',
      payment_count: 1,
      payment_amount: 2000, // the late payment of b
      refund_count: 1,
      refund_amount: 400, // a's refund
      fee_amount: 10, // 12 − round_half_up(6 × 400 / 1000) = 12 − 2
      net_amount: 1590,
    });

    const onJune30 = (await billWithLines(t, m.token, june30.bill_id)).lines;
    const onJuly1 = (await billWithLines(t, m.token, july1.bill_id)).lines;
    expect(onJune30.map((l) => [l.type, l.order_id, l.refund_id])).toEqual([
      ['payment', a.order_id, null],
      ['payment', c.order_id, null],
      ['refund', c.order_id, cRefund],
    ]);
    expect(onJuly1.map((l) => [l.type, l.order_id, l.refund_id, l.occurred_at])).toEqual([
      ['payment', b.order_id, null, '2025-06-30T16:00:00.000Z'],
      ['refund', a.order_id, aRefund, '2025-06-30T16:00:00.500Z'],
    ]);
    const journal = await t.http
      .get(`/v1/clearing/journal?source_id=${m.sourceId}&limit=100`)
      .set(bearer(await t.adminToken()))
      .expect(200);
    const entryIds = journal.body.data.items.map((e: { entry_id: string }) => e.entry_id).sort();
    expect([...onJune30, ...onJuly1].map((l) => l.entry_id).sort()).toEqual(entryIds);

    // cleared again, both days give the same bills
    await runClearing(t, '2025-06-30');
    await runClearing(t, '2025-07-01');
    const strip = ({ generated_at: _g, ...rest }: Bill) => rest;
    expect((await listBills(t, m.token, 'date=2025-06-30')).map(strip)).toEqual([strip(june30)]);
    expect((await listBills(t, m.token, 'date=2025-07-01')).map(strip)).toEqual([strip(july1)]);
    expect((await billWithLines(t, m.token, july1.bill_id)).lines).toEqual(onJuly1);
  });
});
