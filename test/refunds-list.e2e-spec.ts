import {
  createOrder,
  createSandboxChannel,
  eventually,
  Order,
  payOrder,
  SANDBOX_SECRET,
  waitForStatus,
} from './helpers/payments';
import { testEngine } from './helpers/scratch-database';
import { bearer, createMerchant, startTestApp, TestApp, TestMerchant } from './helpers/test-app';

interface RefundItem {
  refund_id: string;
  order_id: string;
  source_id: number;
  merchant_order_no: string | null;
  amount: number;
  currency: string;
  status: string;
  created_at: string;
}

describe(`GET /v1/refunds, the list of refunds, on ${testEngine()}`, () => {
  let t: TestApp;
  let admin: string;
  let a: TestMerchant;
  let b: TestMerchant;
  /** Refund ids in the order they were made, per merchant. */
  const refundsOf = new Map<number, string[]>();
  let aOrders: Order[];
  let pendingRefundId: string;

  async function refund(m: TestMerchant, order: Order, amount: number): Promise<RefundItem> {
    const res = await t.http
      .post(`/v1/payments/${order.order_id}/refunds`)
      .set(bearer(m.token))
      .send({ amount });
    expect(res.status).toBe(201);
    const list = refundsOf.get(m.sourceId) ?? [];
    list.push(res.body.data.refund_id as string);
    refundsOf.set(m.sourceId, list);
    return res.body.data as RefundItem;
  }

  async function list(token: string, query: string): Promise<RefundItem[]> {
    const res = await t.http.get(`/v1/refunds?${query}`).set(bearer(token));
    expect({ status: res.status, body: res.body }).toMatchObject({ status: 200 });
    return res.body.data.items as RefundItem[];
  }

  /** Every page of a query, following next_cursor. */
  async function allPages(
    token: string,
    query: string,
  ): Promise<{ pages: number; items: RefundItem[] }> {
    const items: RefundItem[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await t.http
        .get(`/v1/refunds?${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
        .set(bearer(token))
        .expect(200);
      items.push(...(res.body.data.items as RefundItem[]));
      cursor = res.body.data.next_cursor as string | null;
      pages++;
    } while (cursor);
    return { pages, items };
  }

  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_PER_SECOND: '10000' });
    admin = await t.adminToken();
    await createSandboxChannel(t, {}, { notify_delay_ms: 0 });
    // a channel whose notifications never arrive: its refunds stay PENDING
    await createSandboxChannel(
      t,
      { code: 'sandbox_silent', priority: -1 },
      { notify_drop_rate: 1 },
    );
    a = await createMerchant(t, { name: 'Shop A' });
    b = await createMerchant(t, { name: 'Shop B' });
    aOrders = [];
    for (let i = 1; i <= 3; i++) {
      const order = await createOrder(t, a, { amount: 1000, merchant_order_no: `A-${i}` });
      await payOrder(t, order).expect(200);
      aOrders.push(await waitForStatus(t, a.token, order.order_id, 'SUCCEEDED'));
    }
    const bOrder = await createOrder(t, b, { amount: 5000, merchant_order_no: 'B-1' });
    await payOrder(t, bOrder).expect(200);
    await waitForStatus(t, b.token, bOrder.order_id, 'SUCCEEDED');
    // five refunds of A spread over its orders, two of B
    for (const [order, amount] of [
      [aOrders[0], 100],
      [aOrders[1], 200],
      [aOrders[0], 300],
      [aOrders[2], 7],
      [aOrders[1], 500],
    ] as const) {
      await refund(a, order, amount);
    }
    for (const amount of [1100, 1200]) await refund(b, bOrder as Order, amount);
    // and one that stays PENDING: paid at the silent channel, healed by sync now
    const silent = await createOrder(t, a, { amount: 900, channel: 'sandbox_silent' });
    await payOrder(t, silent).expect(200);
    await t.http.post(`/v1/payments/${silent.order_id}/sync`).set(bearer(a.token)).expect(200);
    pendingRefundId = (await refund(a, silent, 400)).refund_id;
    await eventually(
      async () =>
        (await list(admin, 'status=PENDING&limit=100')).every(
          (r) => r.refund_id === pendingRefundId,
        ),
      10000,
      'refunds at the notifying channel to succeed',
    );
  }, 120_000);
  afterAll(() => t?.close());

  it('shows a merchant only its own refunds, newest first, with amount, currency, source_id and merchant_order_no', async () => {
    const items = await list(a.token, 'limit=100');
    expect(items.map((r) => r.refund_id)).toEqual([...refundsOf.get(a.sourceId)!].reverse());
    expect(items.every((r) => r.source_id === a.sourceId)).toBe(true);
    const seven = items.find((r) => r.amount === 7)!;
    expect(seven).toMatchObject({
      order_id: aOrders[2].order_id,
      merchant_order_no: 'A-3',
      currency: 'CNY',
      status: 'SUCCEEDED',
    });
    const theirs = await list(b.token, 'limit=100');
    expect(theirs.map((r) => r.amount)).toEqual([1200, 1100]);
    expect(theirs.every((r) => r.source_id === b.sourceId && r.merchant_order_no === 'B-1')).toBe(
      true,
    );
  });

  it("never shows a merchant another's refunds: another order_id is empty, another source_id is 403", async () => {
    expect(await list(b.token, `order_id=${aOrders[0].order_id}`)).toEqual([]);
    const res = await t.http.get(`/v1/refunds?source_id=${a.sourceId}`).set(bearer(b.token));
    expect(res.status).toBe(403);
    expect(res.body.reason).toBe('source_id_mismatch');
    // naming itself is allowed
    expect(await list(b.token, `source_id=${b.sourceId}`)).toHaveLength(2);
  });

  it('shows operators every merchant, or one with source_id', async () => {
    const every = await list(admin, 'limit=100');
    expect(every).toHaveLength(
      refundsOf.get(a.sourceId)!.length + refundsOf.get(b.sourceId)!.length,
    );
    const onlyB = await list(admin, `source_id=${b.sourceId}`);
    expect(onlyB.map((r) => r.amount)).toEqual([1200, 1100]);
  });

  it('filters by status, by order and by creation time', async () => {
    const pending = await list(a.token, 'status=PENDING');
    expect(pending.map((r) => r.refund_id)).toEqual([pendingRefundId]);
    const succeeded = await list(a.token, 'status=SUCCEEDED&limit=100');
    expect(succeeded.map((r) => r.amount).sort((x, y) => x - y)).toEqual([7, 100, 200, 300, 500]);
    const ofOrder = await list(a.token, `order_id=${aOrders[1].order_id}`);
    expect(ofOrder.map((r) => r.amount)).toEqual([500, 200]);

    const all = await list(admin, 'limit=100');
    const oldestFirst = [...all].reverse();
    const pivot = oldestFirst[3].created_at;
    const from = await list(admin, `limit=100&created_from=${encodeURIComponent(pivot)}`);
    const to = await list(admin, `limit=100&created_to=${encodeURIComponent(pivot)}`);
    expect(from.every((r) => r.created_at >= pivot)).toBe(true);
    expect(to.every((r) => r.created_at < pivot)).toBe(true);
    expect(from.length + to.length).toBe(all.length);
    expect(from.map((r) => r.refund_id)).toContain(oldestFirst[3].refund_id);
    expect(await list(admin, 'created_from=2099-01-01')).toEqual([]);
  });

  it('pages with the cursor across several pages, every refund once', async () => {
    const mine = refundsOf.get(a.sourceId)!;
    const { pages, items } = await allPages(a.token, 'limit=2');
    expect(pages).toBe(Math.ceil(mine.length / 2));
    expect(items.map((r) => r.refund_id)).toEqual([...mine].reverse());
    const everything = await allPages(admin, 'limit=3');
    expect(everything.pages).toBeGreaterThanOrEqual(3);
    expect(new Set(everything.items.map((r) => r.refund_id)).size).toBe(everything.items.length);
    expect(everything.items).toHaveLength(mine.length + refundsOf.get(b.sourceId)!.length);
  });

  it('answers bad filters with 400 in the error envelope', async () => {
    for (const [query, field] of [
      ['status=DONE', 'status'],
      ['limit=0', 'limit'],
      ['limit=101', 'limit'],
      ['created_from=yesterday', 'created_from'],
      ['source_id=abc', 'source_id'],
      ['source_id=0', 'source_id'],
      ['created_from=2026-11-27&created_to=2026-11-26', 'created_to'],
      ['colour=red', 'colour'],
    ]) {
      const res = await t.http.get(`/v1/refunds?${query}`).set(bearer(admin));
      expect({ query, status: res.status, reason: res.body.reason }).toEqual({
        query,
        status: 400,
        reason: 'validation_failed',
      });
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    const cursor = await t.http.get('/v1/refunds?cursor=not-a-cursor').set(bearer(admin));
    expect([cursor.status, cursor.body.reason]).toEqual([400, 'invalid_cursor']);
  });

  it('refuses a request without a token', async () => {
    await t.http.get('/v1/refunds').expect(401);
  });

  it('keeps the sandbox secret out of every refund', async () => {
    const res = await t.http.get('/v1/refunds?limit=100').set(bearer(admin)).expect(200);
    expect(JSON.stringify(res.body)).not.toContain(SANDBOX_SECRET);
  });
});
