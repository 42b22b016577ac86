import { generateKeyPairSync } from 'node:crypto';
import { ChannelGateway } from '../src/channels/channel-gateway';
import { PaymentSync } from '../src/payments/payment-sync.service';
import { AlipayFake, alipayAppKeys } from './fakes/alipay-fake';
import { beijing } from './fakes/fake-server';
import {
  createOrder,
  createProviderChannel,
  eventually,
  getOrder,
  readChannel,
  waitForStatus,
} from './helpers/payments';
import { testEngine } from './helpers/scratch-database';
import { bearer, createMerchant, startTestApp, TestApp, TestMerchant } from './helpers/test-app';

const APP_ID = '2021000122600001';

type Json = Record<string, unknown>;

describe(`Alipay channels on ${testEngine()}`, () => {
  let t: TestApp;
  let m: TestMerchant;
  let fake: AlipayFake;
  const keys = alipayAppKeys();

  const channelConfig = (config: Json = {}) => ({
    app_id: APP_ID,
    private_key: keys.privateKeyPem,
    alipay_public_key: fake.publicKeyPem,
    gateway_url: fake.gatewayUrl,
    product: 'precreate',
    ...config,
  });

  const addChannel = (code: string, config: Json = {}, fields: Json = {}) =>
    createProviderChannel(t, 'alipay', code, channelConfig(config), fields);

  const channel = (code: string) => readChannel(t, code);

  beforeAll(async () => {
    t = await startTestApp({
      RATE_LIMIT_PER_SECOND: '10000',
      STATUS_SYNC_SCHEDULE: '1,2,3',
      CHANNEL_TIMEOUT_MS: '1500',
    });
    fake = await AlipayFake.start({ appId: APP_ID, merchantPublicKey: keys.publicKey });
    await addChannel('ali_qr', {}, { priority: 10 });
    m = await createMerchant(t);
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  describe('configuration', () => {
    it('refuses a bad config with a field error per setting (400)', async () => {
      const res = await t.http
        .post('/v1/channels')
        .set(bearer(await t.adminToken()))
        .send({
          code: 'ali_bad',
          name: 'Bad',
          provider: 'alipay',
          config: {
            app_id: 'abc',
            private_key: 'not a key',
            alipay_public_key: generateKeyPairSync('rsa', { modulusLength: 1024 })
              .publicKey.export({ type: 'spki', format: 'pem' })
              .toString(),
            gateway_url: 'ftp://example.com',
            product: 'app',
            colour: 'blue',
          },
        });
      expect(res.status).toBe(400);
      expect(res.body.reason).toBe('validation_failed');
      expect(res.body.errors.map((e: Json) => e.field).sort()).toEqual([
        'config.alipay_public_key',
        'config.app_id',
        'config.colour',
        'config.gateway_url',
        'config.private_key',
        'config.product',
      ]);
    });

    it('masks the private key in responses and keeps no plaintext of it at rest', async () => {
      const created = await addChannel('ali_secret');
      expect(created.config.private_key).toBe(`****${keys.privateKeyPem.trim().slice(-4)}`);
      expect(created.config).toMatchObject({ app_id: APP_ID, product: 'precreate' });
      const keyBody = keys.privateKeyPem.split('\n')[1];
      const rows = await t.dataSource.query(
        `SELECT config FROM channels WHERE code = 'ali_secret'`,
      );
      expect(rows[0].config).not.toContain(keyBody);
      expect(rows[0].config).not.toContain('PRIVATE KEY');
      expect(JSON.parse(rows[0].config).alipay_public_key).toContain('PUBLIC KEY');
      // sending the masked value back keeps the stored key
      await t.http
        .patch('/v1/channels/ali_secret')
        .set(bearer(await t.adminToken()))
        .send({
          enabled: false,
          config: { ...channelConfig(), private_key: created.config.private_key },
        })
        .expect(200);
    });

    it('fills the production gateway and the precreate product by default', async () => {
      const res = await t.http
        .post('/v1/channels')
        .set(bearer(await t.adminToken()))
        .send({
          code: 'ali_defaults',
          name: 'Defaults',
          provider: 'alipay',
          enabled: false,
          config: {
            app_id: APP_ID,
            private_key: keys.privateKeyPem,
            alipay_public_key: fake.publicKeyPem,
          },
        })
        .expect(201);
      expect(res.body.data.config).toMatchObject({
        gateway_url: 'https://openapi.alipay.com/gateway.do',
        product: 'precreate',
      });
    });
  });

  describe('payments', () => {
    it('creates a QR trade, takes the signed notification and succeeds (create → notify → SUCCEEDED)', async () => {
      const order = await createOrder(t, m, { amount: 1001, product_name: '苹果 & 梨' });
      const call = fake.calls.find((c) => c.biz.out_trade_no === order.order_id)!;
      expect(call.method).toBe('alipay.trade.precreate');
      expect(call.biz).toMatchObject({
        total_amount: '10.01',
        subject: '苹果 & 梨',
        // Alipay refuses the payment after the order expires, in Beijing time
        time_expire: beijing(Date.parse(order.expires_at as string)),
      });
      expect(call.params.notify_url).toBe(`${t.url}/v1/notify/ali_qr`);
      expect(order.pay_url).toMatch(/^https:\/\/qr\.alipay\.com\/bax0/);
      expect(order.status).toBe('PENDING');

      const answer = await fake.pay(order.order_id);
      expect(answer).toEqual({
        status: 200,
        body: 'success',
        contentType: expect.stringMatching(/^text\/plain/),
      });
      const paid = await getOrder(t, m.token, order.order_id);
      const trade = fake.trades.get(order.order_id)!;
      expect(paid).toMatchObject({ status: 'SUCCEEDED', channel_trade_no: trade.tradeNo });
      expect(Date.parse(paid.paid_at as string)).toBe(Math.floor(trade.paidAt! / 1000) * 1000);

      // Alipay repeats notifications until it reads "success": a repeat changes nothing
      expect(await fake.notify(order.order_id)).toMatchObject({ status: 200, body: 'success' });
      const events = await t.dataSource.query(
        `SELECT type FROM webhook_events WHERE order_id = '${order.order_id}'`,
      );
      expect(events).toEqual([{ type: 'payment.succeeded' }]);
    });

    it('refuses notifications that do not verify (401) and changes nothing', async () => {
      const order = await createOrder(t, m, { amount: 500 });
      await fake.pay(order.order_id, { notify: false });
      const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
      for (const options of [{ signWith: stranger }, { tamper: true }]) {
        const answer = await fake.notify(order.order_id, options);
        expect(answer.status).toBe(401);
        expect(answer.body).not.toBe('success');
      }
      const forged = await fake.notify(order.order_id, {
        overrides: { app_id: '2021000000000999' },
      });
      expect(forged.status).toBe(401);
      expect((await getOrder(t, m.token, order.order_id)).status).toBe('PENDING');
    });

    it('keeps a signed notification with another amount as an exception, never applied', async () => {
      const order = await createOrder(t, m, { amount: 800 });
      await fake.pay(order.order_id, { notify: false });
      const answer = await fake.notify(order.order_id, { overrides: { total_amount: '0.08' } });
      expect(answer).toMatchObject({ status: 200, body: 'success' });
      expect((await getOrder(t, m.token, order.order_id)).status).toBe('PENDING');
      const exceptions = await t.dataSource.query(
        `SELECT kind, expected_amount, reported_amount FROM payment_exceptions WHERE order_id = '${order.order_id}'`,
      );
      expect(exceptions).toEqual([
        {
          kind: 'amount_mismatch',
          expected_amount: expect.anything(),
          reported_amount: expect.anything(),
        },
      ]);
      expect(Number(exceptions[0].expected_amount)).toBe(800);
      expect(Number(exceptions[0].reported_amount)).toBe(8);
    });

    it('page and wap products answer a signed Alipay pay link that the payer opens', async () => {
      await addChannel('ali_page', { product: 'page' }, { priority: 0 });
      await addChannel('ali_wap', { product: 'wap' }, { priority: 0 });
      for (const [code, method] of [
        ['ali_page', 'alipay.trade.page.pay'],
        ['ali_wap', 'alipay.trade.wap.pay'],
      ]) {
        const order = await createOrder(t, m, { amount: 1234, channel: code });
        expect(order.pay_url.startsWith(`${fake.gatewayUrl}?`)).toBe(true);
        const link = new URL(order.pay_url);
        expect(link.searchParams.get('method')).toBe(method);
        expect(link.searchParams.get('notify_url')).toBe(`${t.url}/v1/notify/${code}`);
        expect(JSON.parse(link.searchParams.get('biz_content')!)).toMatchObject({
          out_trade_no: order.order_id,
          total_amount: '12.34',
          product_code: code === 'ali_page' ? 'FAST_INSTANT_TRADE_PAY' : 'QUICK_WAP_WAY',
        });
        fake.openPayLink(order.pay_url);
        expect(await fake.pay(order.order_id)).toMatchObject({ status: 200, body: 'success' });
        await waitForStatus(t, m.token, order.order_id, 'SUCCEEDED');
      }
    });
  });

  describe('close', () => {
    it('closes an order whose QR code was never scanned (Alipay has no trade yet)', async () => {
      const order = await createOrder(t, m);
      const res = await t.http.post(`/v1/payments/${order.order_id}/close`).set(bearer(m.token));
      expect([res.status, res.body.data?.status]).toEqual([200, 'CLOSED']);
    });

    it('closes a scanned, unpaid trade at Alipay', async () => {
      const order = await createOrder(t, m);
      fake.scan(order.order_id);
      const res = await t.http.post(`/v1/payments/${order.order_id}/close`).set(bearer(m.token));
      expect([res.status, res.body.data?.status]).toEqual([200, 'CLOSED']);
      expect(fake.trades.get(order.order_id)!.status).toBe('TRADE_CLOSED');
    });

    it('never closes a trade the payer already paid: the order succeeds instead (409)', async () => {
      const order = await createOrder(t, m);
      await fake.pay(order.order_id, { notify: false });
      const res = await t.http.post(`/v1/payments/${order.order_id}/close`).set(bearer(m.token));
      expect([res.status, res.body.reason]).toEqual([409, 'invalid_state']);
      expect((await getOrder(t, m.token, order.order_id)).status).toBe('SUCCEEDED');
    });
  });

  describe('refunds', () => {
    it('refunds at Alipay with out_request_no = refund id; Alipay answers at once', async () => {
      const order = await createOrder(t, m, { amount: 1000 });
      await fake.pay(order.order_id);
      const first = await t.http
        .post(`/v1/payments/${order.order_id}/refunds`)
        .set(bearer(m.token))
        .send({ amount: 300, reason: 'damaged' });
      expect([first.status, first.body.data.status]).toEqual([201, 'SUCCEEDED']);
      const call = fake.calls.find(
        (c) => c.method === 'alipay.trade.refund' && c.biz.out_trade_no === order.order_id,
      )!;
      expect(call.biz).toEqual({
        out_trade_no: order.order_id,
        refund_amount: '3.00',
        out_request_no: first.body.data.refund_id,
        refund_reason: 'damaged',
      });
      // the refund notification Alipay sends afterwards changes nothing more
      const notified = await fake.notifyRefund(order.order_id, first.body.data.refund_id);
      expect(notified).toMatchObject({ status: 200, body: 'success' });

      const rest = await t.http
        .post(`/v1/payments/${order.order_id}/refunds`)
        .set(bearer(m.token))
        .send({ amount: 700 });
      expect([rest.status, rest.body.data.status]).toEqual([201, 'SUCCEEDED']);
      const after = await getOrder(t, m.token, order.order_id);
      expect(after).toMatchObject({ status: 'REFUNDED', refunded_amount: 1000 });
      expect(fake.trades.get(order.order_id)!.status).toBe('TRADE_CLOSED');
    });

    it('asks alipay.trade.fastpay.refund.query about a refund whose answer was lost', async () => {
      const order = await createOrder(t, m, { amount: 900 });
      await fake.pay(order.order_id);
      fake.loseNextAnswer();
      const res = await t.http
        .post(`/v1/payments/${order.order_id}/refunds`)
        .set(bearer(m.token))
        .send({ amount: 900 });
      expect([res.status, res.body.data.status]).toEqual([201, 'PENDING']);
      await new Promise((r) => setTimeout(r, 1100));
      await t.app.get(PaymentSync).syncDue();
      const query = fake.calls.find(
        (c) =>
          c.method === 'alipay.trade.fastpay.refund.query' && c.biz.out_trade_no === order.order_id,
      )!;
      expect(query.biz).toMatchObject({ out_request_no: res.body.data.refund_id });
      expect(await getOrder(t, m.token, order.order_id)).toMatchObject({
        status: 'REFUNDED',
        refunded_amount: 900,
      });
    });
  });

  describe('status sync and failures', () => {
    it('heals a dropped notification through alipay.trade.query', async () => {
      const order = await createOrder(t, m, { amount: 2500 });
      await fake.pay(order.order_id, { notify: false });
      await new Promise((r) => setTimeout(r, 1100));
      await t.app.get(PaymentSync).syncDue();
      const healed = await getOrder(t, m.token, order.order_id);
      expect(healed).toMatchObject({
        status: 'SUCCEEDED',
        channel_trade_no: fake.trades.get(order.order_id)!.tradeNo,
      });
    });

    it('counts "trade not found" shortly after create as no failure: the order waits', async () => {
      const order = await createOrder(t, m);
      await new Promise((r) => setTimeout(r, 1100));
      await t.app.get(PaymentSync).syncDue();
      expect((await getOrder(t, m.token, order.order_id)).status).toBe('PENDING');
      expect(
        fake.calls.some(
          (c) => c.method === 'alipay.trade.query' && c.biz.out_trade_no === order.order_id,
        ),
      ).toBe(true);
      expect((await channel('ali_qr')).health).toMatchObject({
        state: 'closed',
        consecutive_failures: 0,
      });
    });

    it('counts 5xx and timeouts for the circuit breaker, and a refused request not', async () => {
      await addChannel('ali_flaky', {}, { priority: 0 });
      const create = () => createOrder(t, m, { channel: 'ali_flaky' });

      fake.refuseNext('ACQ.ACCESS_FORBIDDEN');
      expect((await create()).status).toBe('FAILED');
      expect((await channel('ali_flaky')).health).toMatchObject({ consecutive_failures: 0 });

      fake.failNext(1, { hang: true });
      const slow = await create();
      const attempts = await t.http
        .get(`/v1/payments/${slow.order_id}`)
        .set(bearer(await t.adminToken()));
      expect(attempts.body.data.routing.attempts[0]).toMatchObject({ failure_reason: 'timeout' });

      fake.failNext(4, { status: 502 });
      for (let i = 0; i < 4; i++) expect((await create()).status).toBe('FAILED');
      expect((await channel('ali_flaky')).health).toMatchObject({
        state: 'open',
        consecutive_failures: 5,
      });
    });
  });

  describe('statement', () => {
    it("parses Alipay's trade bill (zip of GBK CSV) into payments and refunds with fees", async () => {
      const order = await createOrder(t, m, { amount: 10000, channel: 'ali_qr' });
      await fake.pay(order.order_id);
      const refund = await t.http
        .post(`/v1/payments/${order.order_id}/refunds`)
        .set(bearer(m.token))
        .send({ amount: 2500 })
        .expect(201);
      const trade = fake.trades.get(order.order_id)!;
      const today = beijing(Date.now()).slice(0, 10);
      const lines = await eventually(async () => {
        const all = await t.app.get(ChannelGateway).fetchStatement('ali_qr', today);
        return all.some((l) => l.orderId === order.order_id && l.type === 'refund') ? all : null;
      });
      const mine = lines.filter((l) => l.orderId === order.order_id);
      expect(mine).toEqual([
        {
          type: 'payment',
          orderId: order.order_id,
          refundId: null,
          channelTradeNo: trade.tradeNo,
          amount: 10000,
          currency: 'CNY',
          fee: 60,
          status: 'SUCCEEDED',
          occurredAt: Math.floor(trade.paidAt! / 1000) * 1000,
        },
        {
          type: 'refund',
          orderId: order.order_id,
          refundId: refund.body.data.refund_id,
          channelTradeNo: trade.tradeNo,
          amount: 2500,
          currency: 'CNY',
          fee: 15,
          status: 'SUCCEEDED',
          occurredAt: expect.any(Number),
        },
      ]);
      // every payment the fake took today is on the statement, once
      const paidToday = [...fake.trades.values()].filter(
        (tr) => tr.paidAt !== null && beijing(tr.paidAt).startsWith(today),
      );
      expect(lines.filter((l) => l.type === 'payment').length).toBe(paidToday.length);
    });
  });
});
