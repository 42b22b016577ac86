import { PaymentSync } from '../src/payments/payment-sync.service';
import {
  createOrder,
  createSandboxChannel,
  getOrder,
  Order,
  payOrder,
  sandboxNotification,
  waitForStatus,
} from './helpers/payments';
import { testEngine } from './helpers/scratch-database';
import { bearer, createMerchant, startTestApp, TestApp, TestMerchant } from './helpers/test-app';

describe(`支付订单 on ${testEngine()}`, () => {
  let t: TestApp;
  let m: TestMerchant;
  let other: TestMerchant;

  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_PER_SECOND: '10000' });
    await createSandboxChannel(t, { fee_rate_bps: 60 });
    m = await createMerchant(t);
    other = await createMerchant(t, { name: 'Other Shop' });
  });
  afterAll(() => t.close());

  describe('订单创建 Create payment order', () => {
    it("takes the original document's request as written (form body, access_token header), with an integer amount", async () => {
      const res = await t.http
        .post('/v1/payments/payment')
        .set('access_token', m.token)
        .type('form')
        .send(`source_id=${m.sourceId}&product_id=123&product_name=apple&amount=1000`);
      expect(res.status).toBe(201);
      expect(res.body.code).toBe('0000');
      expect(res.body.data).toEqual(
        expect.objectContaining({
          order_id: expect.stringMatching(/^ord_/),
          source_id: m.sourceId,
          product_id: '123',
          product_name: 'apple',
          amount: 1000,
          currency: 'CNY',
          status: 'PENDING',
          channel: 'sandbox_main',
          pay_url: expect.stringContaining(`/sandbox/pay/${res.body.data.order_id}`),
          refunded_amount: 0,
          fee_amount: 6,
          late_payment: false,
          merchant_order_no: null,
          paid_at: null,
        }),
      );
      expect(res.body.data).not.toHaveProperty('routing');
    });

    it('answers the same at /v1/payments/create and /v1/payments, with JSON', async () => {
      for (const path of ['/v1/payments/create', '/v1/payments']) {
        const res = await t.http
          .post(path)
          .set(bearer(m.token))
          .send({ source_id: m.sourceId, product_id: '123', product_name: 'apple', amount: 1000 });
        expect([path, res.status]).toEqual([path, 201]);
      }
    });

    it("refuses the original document's amount=10.00 with invalid_amount, saying amounts are minor units", async () => {
      const res = await t.http
        .post('/v1/payments/create')
        .set('access_token', m.token)
        .type('form')
        .send(`source_id=${m.sourceId}&product_id=123&product_name=apple&amount=10.00`);
      expect(res.status).toBe(400);
      expect(res.body.reason).toBe('invalid_amount');
      expect(res.body.message).toContain('1000 means 10.00 CNY');
      expect(res.body.errors).toEqual([expect.objectContaining({ field: 'amount' })]);
    });

    it.each([
      ['0', 0],
      ['negative', -1],
      ['a decimal', 10.5],
      ['"10.00" as text', '10.00'],
      ['1000 as text in JSON', '1000'],
      ['above 10^12', 1_000_000_000_001],
      ['2^53 + 1', '__2^53+1__'],
      ['1e3', '__1e3__'],
      ['10.00 as a JSON number', '__10.00__'],
      ['0.1', 0.1],
      ['1e21', '__1e21__'],
      ['null', null],
    ])('refuses amount %s with invalid_amount', async (_label, amount) => {
      const base = JSON.stringify({
        source_id: m.sourceId,
        product_id: '1',
        product_name: 'x',
        amount: 'AMOUNT',
      });
      const literal =
        typeof amount === 'string' && amount.startsWith('__')
          ? amount.slice(2, -2).replace('2^53+1', '9007199254740993')
          : JSON.stringify(amount);
      const res = await t.http
        .post('/v1/payments/create')
        .set(bearer(m.token))
        .set('content-type', 'application/json')
        .send(base.replace('"AMOUNT"', literal));
      expect(res.status).toBe(400);
      expect(res.body.reason).toBe('invalid_amount');
    });

    it('keeps the largest amount exact on this engine', async () => {
      const order = await createOrder(t, m, { amount: 1_000_000_000_000 });
      expect(order.amount).toBe(1_000_000_000_000);
      expect(order.fee_amount).toBe(6_000_000_000);
      expect((await getOrder(t, m.token, order.order_id)).amount).toBe(1_000_000_000_000);
    });

    it.each([
      [{ product_id: '' }, 'product_id'],
      [{ product_id: 'x'.repeat(65) }, 'product_id'],
      [{ product_name: 'x'.repeat(129) }, 'product_name'],
      [{ external_ext: 'x'.repeat(1025) }, 'external_ext'],
      [{ memo: 'x'.repeat(257) }, 'memo'],
      [{ merchant_order_no: 'x'.repeat(65) }, 'merchant_order_no'],
      [{ expire_seconds: 59 }, 'expire_seconds'],
      [{ expire_seconds: 86401 }, 'expire_seconds'],
      [{ channel: 'NOT A CODE' }, 'channel'],
    ])('validates %j', async (fields, field) => {
      const res = await t.http
        .post('/v1/payments/create')
        .set(bearer(m.token))
        .send({
          source_id: m.sourceId,
          product_id: '1',
          product_name: 'x',
          amount: 100,
          ...fields,
        });
      expect(res.status).toBe(400);
      expect(res.body.reason).toBe('validation_failed');
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    });

    it.each([['cny'], ['XXX'], ['RMB']])(
      'refuses currency %s with invalid_currency',
      async (currency) => {
        const res = await t.http.post('/v1/payments/create').set(bearer(m.token)).send({
          source_id: m.sourceId,
          product_id: '1',
          product_name: 'x',
          amount: 100,
          currency,
        });
        expect(res.status).toBe(400);
        expect(res.body.reason).toBe('invalid_currency');
      },
    );

    it('refuses mass assignment of status, fee_amount and refunded_amount, and another source_id', async () => {
      for (const extra of [
        { status: 'SUCCEEDED' },
        { fee_amount: 0 },
        { refunded_amount: 5 },
        { paid_at: '2026-01-01T00:00:00.000Z' },
      ]) {
        const res = await t.http
          .post('/v1/payments/create')
          .set(bearer(m.token))
          .send({
            source_id: m.sourceId,
            product_id: '1',
            product_name: 'x',
            amount: 100,
            ...extra,
          });
        expect(res.status).toBe(400);
      }
      const foreign = await t.http
        .post('/v1/payments/create')
        .set(bearer(m.token))
        .send({ source_id: other.sourceId, product_id: '1', product_name: 'x', amount: 100 });
      expect(foreign.status).toBe(403);
      expect(foreign.body.reason).toBe('source_id_mismatch');
      const orders = await t.dataSource.query(
        `SELECT COUNT(*) AS n FROM orders WHERE source_id = ${other.sourceId}`,
      );
      expect(Number(orders[0].n)).toBe(0);
    });

    it('returns the existing order for a repeated merchant_order_no with the same fields (200), 409 with others', async () => {
      const first = await createOrder(t, m, { merchant_order_no: 'SO-1', amount: 500 });
      const again = await t.http.post('/v1/payments/create').set(bearer(m.token)).send({
        source_id: m.sourceId,
        product_id: '123',
        product_name: 'apple',
        amount: 500,
        merchant_order_no: 'SO-1',
      });
      expect(again.status).toBe(200);
      expect(again.body.data.order_id).toBe(first.order_id);
      const changed = await t.http.post('/v1/payments/create').set(bearer(m.token)).send({
        source_id: m.sourceId,
        product_id: '123',
        product_name: 'apple',
        amount: 501,
        merchant_order_no: 'SO-1',
      });
      expect(changed.status).toBe(409);
      expect(changed.body.reason).toBe('duplicate_merchant_order_no');
      // another merchant may use the same number
      await createOrder(t, other, { merchant_order_no: 'SO-1', amount: 500 });
    });

    it('admins cannot create orders, and see the routing trace on reads', async () => {
      const admin = bearer(await t.adminToken());
      const refused = await t.http
        .post('/v1/payments/create')
        .set(admin)
        .send({ source_id: m.sourceId, product_id: '1', product_name: 'x', amount: 100 });
      expect(refused.status).toBe(403);
      const order = await createOrder(t, m);
      const seen = await t.http.get(`/v1/payments/${order.order_id}`).set(admin).expect(200);
      expect(seen.body.data.routing).toEqual({
        candidates: [expect.objectContaining({ code: 'sandbox_main', probability: 1 })],
        excluded: [],
        attempts: [
          expect.objectContaining({
            seq: 1,
            channel: 'sandbox_main',
            outcome: 'succeeded',
            latency_ms: expect.any(Number),
          }),
        ],
      });
    });
  });

  describe('订单查询 Query', () => {
    it('finds an order by order_id, by merchant_order_no and by path; another merchant gets 404', async () => {
      const order = await createOrder(t, m, { merchant_order_no: 'Q-1' });
      const byQuery = await t.http
        .get(`/v1/payments?order_id=${order.order_id}`)
        .set(bearer(m.token))
        .expect(200);
      // what creation answered is the order as stored, field for field
      expect(byQuery.body.data).toEqual(order);
      const byNo = await t.http
        .get('/v1/payments?merchant_order_no=Q-1')
        .set(bearer(m.token))
        .expect(200);
      expect(byNo.body.data.order_id).toBe(order.order_id);
      await t.http.get(`/v1/payments/${order.order_id}`).set(bearer(m.token)).expect(200);
      for (const path of [
        `/v1/payments/${order.order_id}`,
        `/v1/payments?order_id=${order.order_id}`,
        '/v1/payments?merchant_order_no=Q-1',
        `/v1/payments/${order.order_id}/refunds`,
      ]) {
        const res = await t.http.get(path).set(bearer(other.token));
        expect([path, res.status, res.body.reason]).toEqual([path, 404, 'order_not_found']);
      }
      for (const path of [
        `/v1/payments/${order.order_id}/close`,
        `/v1/payments/${order.order_id}/refunds`,
      ]) {
        const res = await t.http.post(path).set(bearer(other.token)).send({ amount: 1 });
        expect([path, res.status]).toEqual([path, 404]);
      }
    });

    it("lists the caller's orders newest first, filtered and paged", async () => {
      const fresh = await createMerchant(t, { name: 'List Shop' });
      const made: Order[] = [];
      for (let i = 0; i < 5; i++) made.push(await createOrder(t, fresh, { amount: 100 + i }));
      await t.http
        .post(`/v1/payments/${made[0].order_id}/close`)
        .set(bearer(fresh.token))
        .expect(200);
      const page1 = await t.http.get('/v1/payments?limit=3').set(bearer(fresh.token)).expect(200);
      expect(page1.body.data.items.map((o: Order) => o.order_id)).toEqual(
        [made[4], made[3], made[2]].map((o) => o.order_id),
      );
      const page2 = await t.http
        .get(`/v1/payments?limit=3&cursor=${page1.body.data.next_cursor}`)
        .set(bearer(fresh.token))
        .expect(200);
      expect(page2.body.data.items.map((o: Order) => o.order_id)).toEqual(
        [made[1], made[0]].map((o) => o.order_id),
      );
      expect(page2.body.data.next_cursor).toBeNull();
      const closed = await t.http
        .get('/v1/payments?status=CLOSED')
        .set(bearer(fresh.token))
        .expect(200);
      expect(closed.body.data.items.map((o: Order) => o.order_id)).toEqual([made[0].order_id]);
      const byChannel = await t.http
        .get('/v1/payments?channel=sandbox_main&limit=100')
        .set(bearer(fresh.token))
        .expect(200);
      expect(byChannel.body.data.items).toHaveLength(5);
      const future = await t.http
        .get(`/v1/payments?created_from=${new Date(Date.now() + 60000).toISOString()}`)
        .set(bearer(fresh.token))
        .expect(200);
      expect(future.body.data.items).toHaveLength(0);
      const window = await t.http
        .get(
          `/v1/payments?created_from=${encodeURIComponent(new Date(Date.now() - 60000).toISOString())}&created_to=${encodeURIComponent(new Date(Date.now() + 1000).toISOString())}`,
        )
        .set(bearer(fresh.token))
        .expect(200);
      expect(window.body.data.items).toHaveLength(5);
      expect((await t.http.get('/v1/payments?status=PAID').set(bearer(fresh.token))).status).toBe(
        400,
      );
    });
  });

  describe('the sandbox flow', () => {
    it('create → pay → SUCCEEDED, through a signed notification over HTTP', async () => {
      const order = await createOrder(t, m);
      const page = await t.http
        .get(new URL(order.pay_url).pathname + new URL(order.pay_url).search)
        .set('accept', 'text/html');
      expect(page.status).toBe(200);
      expect(page.text).toContain('10.00');
      expect((await payOrder(t, order, 'success')).status).toBeLessThan(300);
      const paid = await waitForStatus(t, m.token, order.order_id, 'SUCCEEDED');
      expect(paid.paid_at).toEqual(expect.any(String));
      expect(paid.channel_trade_no).toEqual(expect.any(String));
      const events = await t.dataSource.query(
        `SELECT type FROM webhook_events WHERE order_id = '${order.order_id}'`,
      );
      expect(events).toEqual([{ type: 'payment.succeeded' }]);
    });

    it('create → fail → FAILED', async () => {
      const order = await createOrder(t, m);
      await payOrder(t, order, 'fail');
      await waitForStatus(t, m.token, order.order_id, 'FAILED');
      const events = await t.dataSource.query(
        `SELECT type FROM webhook_events WHERE order_id = '${order.order_id}'`,
      );
      expect(events).toEqual([{ type: 'payment.failed' }]);
    });

    it('50 concurrent identical notifications apply once: one state change, one webhook event', async () => {
      const order = await createOrder(t, m);
      const payload = {
        type: 'payment',
        order_id: order.order_id,
        trade_no: 'T-50',
        status: 'SUCCEEDED',
        amount: 1000,
        currency: 'CNY',
      };
      const body = { id: 'ntf_same', occurred_at: new Date().toISOString(), ...payload };
      const replies = await Promise.all(
        Array.from({ length: 50 }, () => sandboxNotification(t, 'sandbox_main', body)),
      );
      expect(replies.map((r) => r.status)).toEqual(Array(50).fill(200));
      expect(replies.every((r) => r.text === 'success')).toBe(true);
      const events = await t.dataSource.query(
        `SELECT type FROM webhook_events WHERE order_id = '${order.order_id}'`,
      );
      expect(events).toEqual([{ type: 'payment.succeeded' }]);
      expect((await getOrder(t, m.token, order.order_id)).status).toBe('SUCCEEDED');
    });

    it('refuses unsigned, badly signed, tampered and stale notifications, changing nothing', async () => {
      const order = await createOrder(t, m);
      const payload = {
        type: 'payment',
        order_id: order.order_id,
        trade_no: 'T-X',
        status: 'SUCCEEDED',
        amount: 1000,
        currency: 'CNY',
      };
      const unsigned = await t.http.post('/v1/notify/sandbox_main').send(payload);
      const wrongKey = await sandboxNotification(t, 'sandbox_main', payload, {
        secret: 'not-the-secret',
      });
      const tampered = await sandboxNotification(t, 'sandbox_main', payload, { tamper: true });
      const stale = await sandboxNotification(t, 'sandbox_main', payload, {
        timestamp: Math.floor(Date.now() / 1000) - 3600,
      });
      for (const res of [unsigned, wrongKey, tampered, stale]) expect(res.status).toBe(401);
      expect((await getOrder(t, m.token, order.order_id)).status).toBe('PENDING');
      const unknown = await t.http.post('/v1/notify/no_such_channel').send(payload);
      expect(unknown.status).toBe(404);
    });

    it('keeps a notification with another amount or currency as an exception, never applied', async () => {
      const order = await createOrder(t, m);
      for (const change of [{ amount: 1 }, { currency: 'USD' }]) {
        const res = await sandboxNotification(t, 'sandbox_main', {
          type: 'payment',
          order_id: order.order_id,
          trade_no: 'T-M',
          status: 'SUCCEEDED',
          amount: 1000,
          currency: 'CNY',
          ...change,
        });
        expect(res.status).toBe(200);
      }
      expect((await getOrder(t, m.token, order.order_id)).status).toBe('PENDING');
      const exceptions = await t.dataSource.query(
        `SELECT kind, expected_amount, reported_amount FROM payment_exceptions WHERE order_id = '${order.order_id}' ORDER BY kind`,
      );
      expect(exceptions.map((e: { kind: string }) => e.kind)).toEqual([
        'amount_mismatch',
        'currency_mismatch',
      ]);
    });

    it('never goes backwards: a FAILED report after success changes nothing', async () => {
      const order = await createOrder(t, m);
      await sandboxNotification(t, 'sandbox_main', {
        type: 'payment',
        order_id: order.order_id,
        trade_no: 'T-B',
        status: 'SUCCEEDED',
        amount: 1000,
        currency: 'CNY',
      }).expect(200);
      await sandboxNotification(t, 'sandbox_main', {
        type: 'payment',
        order_id: order.order_id,
        trade_no: 'T-B',
        status: 'FAILED',
        amount: 1000,
        currency: 'CNY',
      }).expect(200);
      expect((await getOrder(t, m.token, order.order_id)).status).toBe('SUCCEEDED');
      const events = await t.dataSource.query(
        `SELECT type FROM webhook_events WHERE order_id = '${order.order_id}'`,
      );
      expect(events).toEqual([{ type: 'payment.succeeded' }]);
    });
  });

  describe('close, expiry and late payment', () => {
    it('closes a PENDING order once; a closed or paid order cannot be closed', async () => {
      const order = await createOrder(t, m);
      const closed = await t.http
        .post(`/v1/payments/${order.order_id}/close`)
        .set(bearer(m.token))
        .expect(200);
      expect(closed.body.data.status).toBe('CLOSED');
      const again = await t.http.post(`/v1/payments/${order.order_id}/close`).set(bearer(m.token));
      expect(again.status).toBe(409);
      expect(again.body.reason).toBe('invalid_state');
      // the payer can no longer pay at the channel
      expect((await payOrder(t, order)).status).toBe(409);
      const paid = await createOrder(t, m);
      await payOrder(t, paid);
      await waitForStatus(t, m.token, paid.order_id, 'SUCCEEDED');
      const refused = await t.http.post(`/v1/payments/${paid.order_id}/close`).set(bearer(m.token));
      expect(refused.status).toBe(409);
    });

    it('the expiry sweep closes a PENDING order past expires_at, after asking the channel', async () => {
      const unpaid = await createOrder(t, m, { expire_seconds: 60 });
      const paidLate = await createOrder(t, m, { expire_seconds: 60 });
      // the payer paid, but the notification was lost
      await t.dataSource.query(
        `UPDATE orders SET expires_at = 0 WHERE order_id IN ('${unpaid.order_id}', '${paidLate.order_id}')`,
      );
      await recordSandboxPayment(t, paidLate);
      await t.app.get(PaymentSync).expireDue();
      expect((await getOrder(t, m.token, unpaid.order_id)).status).toBe('CLOSED');
      const paid = await getOrder(t, m.token, paidLate.order_id);
      expect(paid.status).toBe('SUCCEEDED');
      expect(paid.late_payment).toBe(false);
    });

    it('a success reported after close is never dropped: SUCCEEDED with late_payment', async () => {
      const order = await createOrder(t, m);
      await t.http.post(`/v1/payments/${order.order_id}/close`).set(bearer(m.token)).expect(200);
      await sandboxNotification(t, 'sandbox_main', {
        type: 'payment',
        order_id: order.order_id,
        trade_no: 'T-L',
        status: 'SUCCEEDED',
        amount: 1000,
        currency: 'CNY',
      }).expect(200);
      const late = await getOrder(t, m.token, order.order_id);
      expect(late.status).toBe('SUCCEEDED');
      expect(late.late_payment).toBe(true);
      const events = await t.dataSource.query(
        `SELECT type FROM webhook_events WHERE order_id = '${order.order_id}' ORDER BY created_at, id`,
      );
      expect(events.map((e: { type: string }) => e.type)).toEqual([
        'payment.closed',
        'payment.succeeded',
      ]);
    });
  });

  describe('idempotency', () => {
    it('100 concurrent creates with one Idempotency-Key give one order', async () => {
      const results = await Promise.all(
        Array.from({ length: 100 }, () =>
          t.http
            .post('/v1/payments/create')
            .set(bearer(m.token))
            .set('idempotency-key', 'storm-order-1')
            .send({ source_id: m.sourceId, product_id: '1', product_name: 'x', amount: 777 }),
        ),
      );
      const ok = results.filter((r) => r.status === 201);
      const busy = results.filter((r) => r.status === 409);
      expect(ok.length + busy.length).toBe(100);
      expect(ok.length).toBeGreaterThanOrEqual(1);
      expect(new Set(ok.map((r) => r.body.data.order_id)).size).toBe(1);
      busy.forEach((r) => expect(r.body.reason).toBe('idempotency_in_progress'));
      const rows = await t.dataSource.query(
        `SELECT COUNT(*) AS n FROM orders WHERE idempotency_key = 'storm-order-1'`,
      );
      expect(Number(rows[0].n)).toBe(1);
      const replay = await t.http
        .post('/v1/payments/create')
        .set(bearer(m.token))
        .set('idempotency-key', 'storm-order-1')
        .send({ source_id: m.sourceId, product_id: '1', product_name: 'x', amount: 777 });
      expect(replay.status).toBe(201);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      // the stored first response, byte for byte (its request_id included)
      expect(replay.body).toEqual(ok[0].body);
      expect(replay.text).toBe(ok[0].text);
      expect(ok[0].headers['content-type']).toBe('application/json; charset=utf-8');
      // kept as the JSON sent, unsealed: an order's response holds only what its row holds in
      // clear (a merchant's creation, which shows secrets once, stays sealed: merchants spec)
      const [stored] = await t.dataSource.query(
        `SELECT response_body FROM idempotency_keys WHERE idempotency_key = 'storm-order-1'`,
      );
      expect(JSON.parse(stored.response_body)).toEqual(ok[0].body);
      expect(stored.response_body).toBe(ok[0].text);
      const reused = await t.http
        .post('/v1/payments/create')
        .set(bearer(m.token))
        .set('idempotency-key', 'storm-order-1')
        .send({ source_id: m.sourceId, product_id: '1', product_name: 'x', amount: 778 });
      expect(reused.status).toBe(422);
      expect(reused.body.reason).toBe('idempotency_key_reused');
    });

    it('scopes keys per merchant', async () => {
      const a = await createOrder(t, m, {}, { 'idempotency-key': 'shared-key' });
      const b = await createOrder(t, other, {}, { 'idempotency-key': 'shared-key' });
      expect(a.order_id).not.toBe(b.order_id);
    });

    it('a retry after the first request died half-way finishes the same order', async () => {
      // the first request inserted its order and claimed the key, then the process died
      const first = await createOrder(t, m, {}, { 'idempotency-key': 'crash-key' });
      await t.dataSource.query(
        `UPDATE idempotency_keys SET status = 'in_progress', response_body = NULL, response_status = NULL, locked_until = 0 WHERE idempotency_key = 'crash-key'`,
      );
      const retry = await t.http
        .post('/v1/payments/create')
        .set(bearer(m.token))
        .set('idempotency-key', 'crash-key')
        .send({ source_id: m.sourceId, product_id: '123', product_name: 'apple', amount: 1000 });
      expect(retry.status).toBe(201);
      expect(retry.body.data.order_id).toBe(first.order_id);
      const rows = await t.dataSource.query(
        `SELECT COUNT(*) AS n FROM orders WHERE idempotency_key = 'crash-key'`,
      );
      expect(Number(rows[0].n)).toBe(1);
    });
  });

  describe('refunds', () => {
    const paidOrder = async (amount = 1000) => {
      const order = await createOrder(t, m, { amount });
      await payOrder(t, order);
      return waitForStatus(t, m.token, order.order_id, 'SUCCEEDED');
    };
    const waitRefund = (orderId: string, refundId: string, status: string) =>
      eventuallyRefund(t, m.token, orderId, refundId, status);

    it('refunds partially, then fully; fees given back in proportion, the last one takes what is left', async () => {
      const order = await paidOrder(1000); // fee 6 at 60 bps
      const r1 = await t.http
        .post(`/v1/payments/${order.order_id}/refunds`)
        .set(bearer(m.token))
        .send({ amount: 250, reason: 'one item back' })
        .expect(201);
      expect(r1.body.data).toEqual(
        expect.objectContaining({
          refund_id: expect.stringMatching(/^re_/),
          amount: 250,
          status: expect.stringMatching(/PENDING|SUCCEEDED/),
        }),
      );
      await waitRefund(order.order_id, r1.body.data.refund_id, 'SUCCEEDED');
      let now = await getOrder(t, m.token, order.order_id);
      expect(now.status).toBe('PARTIALLY_REFUNDED');
      expect(now.refunded_amount).toBe(250);
      const r2 = await t.http
        .post(`/v1/payments/${order.order_id}/refunds`)
        .set(bearer(m.token))
        .send({ amount: 750 })
        .expect(201);
      const done = await waitRefund(order.order_id, r2.body.data.refund_id, 'SUCCEEDED');
      now = await getOrder(t, m.token, order.order_id);
      expect(now.status).toBe('REFUNDED');
      expect(now.refunded_amount).toBe(1000);
      const list = await t.http
        .get(`/v1/payments/${order.order_id}/refunds`)
        .set(bearer(m.token))
        .expect(200);
      const fees = list.body.data.items.map((r: { fee_amount: number }) => r.fee_amount);
      expect(fees).toEqual([2, 4]); // round_half_up(6 × 250 / 1000) = 2 (1.5 up), then the rest
      expect(done).toBeTruthy();
      const events = await t.dataSource.query(
        `SELECT type FROM webhook_events WHERE order_id = '${order.order_id}' ORDER BY created_at, id`,
      );
      expect(events.map((e: { type: string }) => e.type)).toEqual([
        'payment.succeeded',
        'refund.succeeded',
        'refund.succeeded',
      ]);
    });

    it('refuses refunds of unpaid orders (409) and beyond the amount (422)', async () => {
      const unpaid = await createOrder(t, m);
      const res = await t.http
        .post(`/v1/payments/${unpaid.order_id}/refunds`)
        .set(bearer(m.token))
        .send({ amount: 1 });
      expect(res.status).toBe(409);
      expect(res.body.reason).toBe('invalid_state');
      const order = await paidOrder(1000);
      const over = await t.http
        .post(`/v1/payments/${order.order_id}/refunds`)
        .set(bearer(m.token))
        .send({ amount: 1001 });
      expect(over.status).toBe(422);
      expect(over.body.reason).toBe('refund_exceeds_amount');
      const bad = await t.http
        .post(`/v1/payments/${order.order_id}/refunds`)
        .set(bearer(m.token))
        .send({ amount: '1.00' });
      expect(bad.status).toBe(400);
      expect(bad.body.reason).toBe('invalid_amount');
    });

    it('concurrent refunds can never together exceed the paid amount', async () => {
      const order = await paidOrder(1000);
      const results = await Promise.all(
        Array.from({ length: 20 }, () =>
          t.http
            .post(`/v1/payments/${order.order_id}/refunds`)
            .set(bearer(m.token))
            .send({ amount: 300 }),
        ),
      );
      const accepted = results.filter((r) => r.status === 201);
      expect(accepted).toHaveLength(3);
      results
        .filter((r) => r.status !== 201)
        .forEach((r) => expect([422, 409]).toContain(r.status));
      const sum = await t.dataSource.query(
        `SELECT SUM(amount) AS total FROM refunds WHERE order_id = '${order.order_id}' AND status <> 'FAILED'`,
      );
      expect(Number(sum[0].total)).toBe(900);
    });

    it('a repeated merchant_refund_no is the same refund (200); with another amount 409', async () => {
      const order = await paidOrder(1000);
      const first = await t.http
        .post(`/v1/payments/${order.order_id}/refunds`)
        .set(bearer(m.token))
        .send({ amount: 100, merchant_refund_no: 'RF-1' })
        .expect(201);
      const again = await t.http
        .post(`/v1/payments/${order.order_id}/refunds`)
        .set(bearer(m.token))
        .send({ amount: 100, merchant_refund_no: 'RF-1' });
      expect(again.status).toBe(200);
      expect(again.body.data.refund_id).toBe(first.body.data.refund_id);
      const other = await t.http
        .post(`/v1/payments/${order.order_id}/refunds`)
        .set(bearer(m.token))
        .send({ amount: 101, merchant_refund_no: 'RF-1' });
      expect(other.status).toBe(409);
      expect(other.body.reason).toBe('duplicate_merchant_refund_no');
    });
  });
});

describe(`provider faults on ${testEngine()}`, () => {
  let t: TestApp;
  let m: TestMerchant;
  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_PER_SECOND: '10000', STATUS_SYNC_SCHEDULE: '1,2,3' });
    m = await createMerchant(t);
  });
  afterAll(() => t.close());

  it('fails over to the next channel when the first errors, recording every attempt', async () => {
    await createSandboxChannel(t, { code: 'flaky', priority: 10 }, { create_error_rate: 1 });
    await createSandboxChannel(t, { code: 'steady', priority: 0 });
    const order = await createOrder(t, m);
    expect(order.channel).toBe('steady');
    const seen = await t.http
      .get(`/v1/payments/${order.order_id}`)
      .set(bearer(await t.adminToken()))
      .expect(200);
    expect(seen.body.data.routing.attempts).toEqual([
      expect.objectContaining({
        seq: 1,
        channel: 'flaky',
        outcome: 'failed',
        failure_reason: 'unavailable',
      }),
      expect.objectContaining({ seq: 2, channel: 'steady', outcome: 'succeeded' }),
    ]);
    await t.http
      .patch('/v1/channels/flaky')
      .set(bearer(await t.adminToken()))
      .send({ enabled: false })
      .expect(200);
  });

  it('the status sync heals a dropped notification', async () => {
    await t.http
      .patch('/v1/channels/steady')
      .set(bearer(await t.adminToken()))
      .send({ config: { secret: 'steady-secret-0123456789', notify_drop_rate: 1 } })
      .expect(200);
    const order = await createOrder(t, m);
    await payOrder(t, order);
    await new Promise((r) => setTimeout(r, 300));
    expect((await getOrder(t, m.token, order.order_id)).status).toBe('PENDING');
    await new Promise((r) => setTimeout(r, 1100));
    await t.app.get(PaymentSync).syncDue();
    expect((await getOrder(t, m.token, order.order_id)).status).toBe('SUCCEEDED');
    const events = await t.dataSource.query(
      `SELECT type FROM webhook_events WHERE order_id = '${order.order_id}'`,
    );
    expect(events).toEqual([{ type: 'payment.succeeded' }]);
  });

  it('422 no_channel_available when no channel may take the order', async () => {
    const res = await t.http.post('/v1/payments/create').set(bearer(m.token)).send({
      source_id: m.sourceId,
      product_id: '1',
      product_name: 'x',
      amount: 100,
      currency: 'EUR',
    });
    expect(res.status).toBe(422);
    expect(res.body.reason).toBe('no_channel_available');
    expect(res.body.message).toContain('currency');
  });
});

async function eventuallyRefund(
  t: TestApp,
  token: string,
  orderId: string,
  refundId: string,
  status: string,
) {
  const deadline = Date.now() + 10000;
  for (;;) {
    const list = await t.http.get(`/v1/payments/${orderId}/refunds`).set(bearer(token));
    const refund = list.body.data.items.find(
      (r: { refund_id: string }) => r.refund_id === refundId,
    );
    if (refund?.status === status) return refund;
    if (Date.now() > deadline) throw new Error(`refund ${refundId} never became ${status}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The payer paid at the sandbox but its notification never arrived (dropped). */
async function recordSandboxPayment(t: TestApp, order: Order): Promise<void> {
  await t.http
    .patch(`/v1/channels/${order.channel}`)
    .set(bearer(await t.adminToken()))
    .send({
      config: { secret: 'sandbox-test-secret-0123456789abcdef', seed: 42, notify_drop_rate: 1 },
    })
    .expect(200);
  try {
    expect((await payOrder(t, order)).status).toBeLessThan(300);
  } finally {
    await t.http
      .patch(`/v1/channels/${order.channel}`)
      .set(bearer(await t.adminToken()))
      .send({ config: { secret: 'sandbox-test-secret-0123456789abcdef', seed: 42 } })
      .expect(200);
  }
}
