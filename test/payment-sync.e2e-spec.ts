import {
  createOrder,
  createSandboxChannel,
  getOrder,
  payOrder,
  SANDBOX_SECRET,
} from './helpers/payments';
import { testEngine } from './helpers/scratch-database';
import { bearer, createMerchant, startTestApp, TestApp, TestMerchant } from './helpers/test-app';

describe(`POST /v1/payments/{order_id}/sync, sync now, on ${testEngine()}`, () => {
  let t: TestApp;
  let admin: string;
  let a: TestMerchant;
  let b: TestMerchant;

  const sync = (token: string, orderId: string) =>
    t.http.post(`/v1/payments/${orderId}/sync`).set(bearer(token));

  async function succeededEvents(orderId: string): Promise<number> {
    const res = await t.http
      .get(`/v1/events?order_id=${orderId}&type=payment.succeeded`)
      .set(bearer(admin))
      .expect(200);
    return (res.body.data.items as unknown[]).length;
  }

  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_PER_SECOND: '10000', CHANNEL_TIMEOUT_MS: '500' });
    admin = await t.adminToken();
    // the sandbox takes payments but never tells the gateway: only a status query finds out
    await createSandboxChannel(t, {}, { notify_drop_rate: 1 });
    a = await createMerchant(t, { name: 'Shop A' });
    b = await createMerchant(t, { name: 'Shop B' });
  }, 60_000);
  afterAll(() => t?.close());

  it('turns an order paid at the sandbox whose notification was dropped SUCCEEDED, with one payment.succeeded even when synced twice', async () => {
    const order = await createOrder(t, a, { amount: 1234 });
    await payOrder(t, order).expect(200);
    await new Promise((r) => setTimeout(r, 300));
    expect((await getOrder(t, a.token, order.order_id)).status).toBe('PENDING');
    expect(await succeededEvents(order.order_id)).toBe(0);

    const first = await sync(a.token, order.order_id);
    expect(first.status).toBe(200);
    expect(first.body.data).toMatchObject({
      order_id: order.order_id,
      status: 'SUCCEEDED',
      amount: 1234,
      late_payment: false,
    });
    expect(first.body.data.paid_at).not.toBeNull();
    const again = await sync(a.token, order.order_id);
    expect([again.status, again.body.data.status]).toEqual([200, 'SUCCEEDED']);
    expect(again.body.data.paid_at).toBe(first.body.data.paid_at);
    expect(await succeededEvents(order.order_id)).toBe(1);
  });

  it('leaves an unpaid order PENDING', async () => {
    const order = await createOrder(t, a);
    const res = await sync(a.token, order.order_id).expect(200);
    expect(res.body.data.status).toBe('PENDING');
  });

  it("lets an operator sync any merchant's order, and audits it", async () => {
    const order = await createOrder(t, b, { amount: 777 });
    await payOrder(t, order).expect(200);
    const res = await sync(admin, order.order_id).expect(200);
    expect(res.body.data.status).toBe('SUCCEEDED');
    const logs = await t.http
      .get('/v1/admin/audit-logs?target_type=order&limit=10')
      .set(bearer(admin))
      .expect(200);
    const row = (logs.body.data.items as Record<string, unknown>[]).find(
      (r) => r.action === 'order.sync' && r.target_id === order.order_id,
    );
    expect(row).toMatchObject({ actor_role: 'admin', result: 'success' });
  });

  it("answers 404 for another merchant's order or an unknown one, and changes nothing", async () => {
    const theirs = await createOrder(t, b);
    await payOrder(t, theirs).expect(200);
    for (const id of [theirs.order_id, 'ord_00000000000000000000000000000000']) {
      const res = await sync(a.token, id);
      expect([res.status, res.body.reason]).toEqual([404, 'order_not_found']);
    }
    expect((await getOrder(t, b.token, theirs.order_id)).status).toBe('PENDING');
  });

  it('answers 409 invalid_state for a cashier order whose payer has not chosen a wallet', async () => {
    const res = await t.http
      .post('/v1/payments/create')
      .set(bearer(a.token))
      .send({
        source_id: a.sourceId,
        product_id: 'p',
        product_name: 'pear',
        amount: 500,
        channel: 'cashier',
      })
      .expect(201);
    const synced = await sync(a.token, res.body.data.order_id);
    expect([synced.status, synced.body.reason]).toEqual([409, 'invalid_state']);
  });

  it('answers the channel error when the provider does not answer, and leaves the order as it was', async () => {
    await createSandboxChannel(t, { code: 'sandbox_slow', priority: -1 }, { notify_drop_rate: 1 });
    const order = await createOrder(t, a, { channel: 'sandbox_slow' });
    await payOrder(t, order).expect(200);
    const before = await getOrder(t, admin, order.order_id);
    await t.http
      .patch('/v1/channels/sandbox_slow')
      .set(bearer(admin))
      .send({ config: { secret: SANDBOX_SECRET, notify_drop_rate: 1, latency_ms: 2000 } })
      .expect(200);
    const res = await sync(a.token, order.order_id);
    expect([res.status, res.body.reason]).toEqual([503, 'channel_unavailable']);
    expect(res.headers['retry-after']).toBeDefined();
    const after = await getOrder(t, admin, order.order_id);
    expect(after).toEqual(before);
    expect(await succeededEvents(order.order_id)).toBe(0);
  });
});
