import { generateKeyPairSync } from 'node:crypto';
import { ChannelGateway } from '../src/channels/channel-gateway';
import { PaymentSync } from '../src/payments/payment-sync.service';
import { beijing } from './fakes/fake-server';
import { WechatpayFake, wechatpayMerchantKeys } from './fakes/wechatpay-fake';
import {
  createOrder,
  createProviderChannel,
  eventually,
  getOrder,
  readChannel,
  refundOf as readRefund,
  waitForStatus,
} from './helpers/payments';
import { testEngine } from './helpers/scratch-database';
import { bearer, createMerchant, startTestApp, TestApp, TestMerchant } from './helpers/test-app';

const MCHID = '1900000109';
const APPID = 'wxd678efh567hg6787';
const APIV3_KEY = 'a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb';

type Json = Record<string, unknown>;

describe(`WeChat Pay channels on ${testEngine()}`, () => {
  let t: TestApp;
  let m: TestMerchant;
  let fake: WechatpayFake;
  const keys = wechatpayMerchantKeys();

  const channelConfig = (config: Json = {}) => ({
    mchid: MCHID,
    appid: APPID,
    serial_no: keys.serialNo,
    private_key: keys.privateKeyPem,
    apiv3_key: APIV3_KEY,
    platform_public_key: fake.publicKeyPem,
    platform_public_key_id: fake.keyId,
    base_url: fake.baseUrl,
    product: 'native',
    ...config,
  });

  const addChannel = (code: string, config: Json = {}, fields: Json = {}) =>
    createProviderChannel(t, 'wechatpay', code, channelConfig(config), fields);

  const channel = (code: string) => readChannel(t, code);

  /** The order's out_trade_no at WeChat Pay: its id without the `ord_` prefix (32 characters). */
  const otn = (orderId: string) => orderId.replace(/^ord_/, '');

  const refundOf = (orderId: string, refundId: string) => readRefund(t, m.token, orderId, refundId);

  beforeAll(async () => {
    t = await startTestApp({
      RATE_LIMIT_PER_SECOND: '10000',
      STATUS_SYNC_SCHEDULE: '1,2,3',
      CHANNEL_TIMEOUT_MS: '1500',
    });
    fake = await WechatpayFake.start({
      mchid: MCHID,
      appid: APPID,
      serialNo: keys.serialNo,
      publicKey: keys.publicKey,
      apiv3Key: APIV3_KEY,
    });
    await addChannel('wx_native', {}, { priority: 10 });
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
          code: 'wx_bad',
          name: 'Bad',
          provider: 'wechatpay',
          config: {
            ...channelConfig(),
            mchid: 'x',
            apiv3_key: 'short',
            private_key: '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----',
            platform_public_key: 'nope',
            base_url: 'https://api.mch.weixin.qq.com/v3',
            product: 'jsapi',
          },
        });
      expect(res.status).toBe(400);
      expect(res.body.errors.map((e: Json) => e.field).sort()).toEqual([
        'config.apiv3_key',
        'config.base_url',
        'config.mchid',
        'config.platform_public_key',
        'config.private_key',
        'config.product',
      ]);
      expect(res.body.errors.find((e: Json) => e.field === 'config.product').message).toContain(
        'openid',
      );
      const h5 = await t.http
        .post('/v1/channels')
        .set(bearer(await t.adminToken()))
        .send({
          code: 'wx_h5bad',
          name: 'H5',
          provider: 'wechatpay',
          config: channelConfig({ product: 'h5' }),
        });
      expect(h5.body.errors).toEqual([
        expect.objectContaining({ field: 'config.payer_client_ip' }),
      ]);
    });

    it('masks private_key and apiv3_key and keeps neither in plaintext at rest', async () => {
      const created = await addChannel('wx_secret', {}, { enabled: false });
      expect(created.config.apiv3_key).toBe(`****${APIV3_KEY.slice(-4)}`);
      expect(created.config.private_key).toMatch(/^\*{4}/);
      expect(created.config.mchid).toBe(MCHID);
      const rows = await t.dataSource.query(`SELECT config FROM channels WHERE code = 'wx_secret'`);
      expect(rows[0].config).not.toContain(APIV3_KEY);
      expect(rows[0].config).not.toContain(keys.privateKeyPem.split('\n')[1]);
    });
  });

  describe('payments', () => {
    it('creates a Native order, decrypts the signed notification and succeeds (answer 204)', async () => {
      const order = await createOrder(t, m, { amount: 1001, product_name: '苹果' });
      const call = fake.calls.find((c) => c.path === '/v3/pay/transactions/native')!;
      expect(call.body).toMatchObject({
        appid: APPID,
        mchid: MCHID,
        description: '苹果',
        out_trade_no: otn(order.order_id),
        notify_url: `${t.url}/v1/notify/wx_native`,
        amount: { total: 1001, currency: 'CNY' },
      });
      expect(call.body!.time_expire).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/);
      expect(order.pay_url).toMatch(/^weixin:\/\/wxpay\/bizpayurl\?pr=/);

      const answer = await fake.pay(otn(order.order_id));
      expect(answer).toMatchObject({ status: 204, body: '' });
      const paid = await getOrder(t, m.token, order.order_id);
      expect(paid).toMatchObject({
        status: 'SUCCEEDED',
        channel_trade_no: fake.orders.get(otn(order.order_id))!.transactionId,
      });
      // a repeat is answered the same and changes nothing
      expect(await fake.notifyPayment(otn(order.order_id))).toMatchObject({ status: 204 });
      const events = await t.dataSource.query(
        `SELECT type FROM webhook_events WHERE order_id = '${order.order_id}'`,
      );
      expect(events).toEqual([{ type: 'payment.succeeded' }]);
    });

    it('refuses unverifiable notifications with 401 and the v3 FAIL body, changing nothing', async () => {
      const order = await createOrder(t, m, { amount: 700 });
      await fake.pay(otn(order.order_id), { notify: false });
      const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
      const cases = [
        { signWith: stranger },
        { tamper: true },
        { serial: 'PUB_KEY_ID_SOMEONE_ELSE' },
        { timestamp: Math.floor(Date.now() / 1000) - 400 },
        { apiv3Key: 'b'.repeat(32) },
        { overrides: { mchid: '1900000999' } },
      ];
      for (const options of cases) {
        const answer = await fake.notifyPayment(otn(order.order_id), options);
        expect([answer.status, JSON.parse(answer.body).code]).toEqual([401, 'FAIL']);
      }
      expect((await getOrder(t, m.token, order.order_id)).status).toBe('PENDING');
    });

    it('keeps a notification with another amount as an exception, never applied', async () => {
      const order = await createOrder(t, m, { amount: 900 });
      await fake.pay(otn(order.order_id), { notify: false });
      const answer = await fake.notifyPayment(otn(order.order_id), {
        overrides: { amount: { total: 9, payer_total: 9, currency: 'CNY', payer_currency: 'CNY' } },
      });
      expect(answer.status).toBe(204);
      expect((await getOrder(t, m.token, order.order_id)).status).toBe('PENDING');
      const exceptions = await t.dataSource.query(
        `SELECT kind, reported_amount FROM payment_exceptions WHERE order_id = '${order.order_id}'`,
      );
      expect(exceptions.map((e: Json) => [e.kind, Number(e.reported_amount)])).toEqual([
        ['amount_mismatch', 9],
      ]);
    });

    it('H5 orders carry the configured payer IP and answer the h5_url', async () => {
      await addChannel('wx_h5', { product: 'h5', payer_client_ip: '203.0.113.7' });
      const order = await createOrder(t, m, { channel: 'wx_h5' });
      expect(order.pay_url).toMatch(/^https:\/\/wx\.tenpay\.com\/cgi-bin\/mmpayweb-bin\/checkmweb/);
      const call = fake.calls.find((c) => c.path === '/v3/pay/transactions/h5')!;
      expect(call.body!.scene_info).toEqual({
        payer_client_ip: '203.0.113.7',
        h5_info: { type: 'Wap' },
      });
      await fake.pay(otn(order.order_id));
      await waitForStatus(t, m.token, order.order_id, 'SUCCEEDED');
    });
  });

  describe('close', () => {
    it('closes an unpaid order at WeChat Pay', async () => {
      const order = await createOrder(t, m);
      const res = await t.http.post(`/v1/payments/${order.order_id}/close`).set(bearer(m.token));
      expect([res.status, res.body.data?.status]).toEqual([200, 'CLOSED']);
      expect(fake.orders.get(otn(order.order_id))!.state).toBe('CLOSED');
    });

    it('never closes an order the payer already paid: it succeeds instead (409)', async () => {
      const order = await createOrder(t, m);
      await fake.pay(otn(order.order_id), { notify: false });
      const res = await t.http.post(`/v1/payments/${order.order_id}/close`).set(bearer(m.token));
      expect([res.status, res.body.reason]).toEqual([409, 'invalid_state']);
      expect((await getOrder(t, m.token, order.order_id)).status).toBe('SUCCEEDED');
    });
  });

  describe('refunds', () => {
    it('refunds with out_refund_no = refund id; PROCESSING until the REFUND.SUCCESS notification', async () => {
      const order = await createOrder(t, m, { amount: 1000 });
      await fake.pay(otn(order.order_id));
      const res = await t.http
        .post(`/v1/payments/${order.order_id}/refunds`)
        .set(bearer(m.token))
        .send({ amount: 400, reason: '不想要了' })
        .expect(201);
      expect(res.body.data.status).toBe('PENDING');
      const refundId = res.body.data.refund_id as string;
      const call = fake.calls.find((c) => c.path === '/v3/refund/domestic/refunds')!;
      expect(call.body).toEqual({
        out_trade_no: otn(order.order_id),
        out_refund_no: refundId,
        reason: '不想要了',
        notify_url: `${t.url}/v1/notify/wx_native`,
        amount: { refund: 400, total: 1000, currency: 'CNY' },
      });
      expect(await fake.completeRefund(refundId)).toMatchObject({ status: 204 });
      expect(await refundOf(order.order_id, refundId)).toMatchObject({ status: 'SUCCEEDED' });
      expect(await getOrder(t, m.token, order.order_id)).toMatchObject({
        status: 'PARTIALLY_REFUNDED',
        refunded_amount: 400,
      });
    });

    it('the status sync completes a refund whose notification was lost', async () => {
      const order = await createOrder(t, m, { amount: 600 });
      await fake.pay(otn(order.order_id));
      const res = await t.http
        .post(`/v1/payments/${order.order_id}/refunds`)
        .set(bearer(m.token))
        .send({ amount: 600 })
        .expect(201);
      await fake.completeRefund(res.body.data.refund_id, { notify: false });
      await new Promise((r) => setTimeout(r, 1100));
      await t.app.get(PaymentSync).syncDue();
      expect(await refundOf(order.order_id, res.body.data.refund_id)).toMatchObject({
        status: 'SUCCEEDED',
      });
      expect((await getOrder(t, m.token, order.order_id)).status).toBe('REFUNDED');
    });
  });

  describe('status sync and failures', () => {
    it('heals a dropped notification; USERPAYING stays pending, PAYERROR fails', async () => {
      const paid = await createOrder(t, m, { amount: 2500 });
      const paying = await createOrder(t, m);
      const broken = await createOrder(t, m);
      await fake.pay(otn(paid.order_id), { notify: false });
      fake.setState(otn(paying.order_id), 'USERPAYING');
      fake.setState(otn(broken.order_id), 'PAYERROR');
      await new Promise((r) => setTimeout(r, 1100));
      await t.app.get(PaymentSync).syncDue();
      expect((await getOrder(t, m.token, paid.order_id)).status).toBe('SUCCEEDED');
      expect((await getOrder(t, m.token, paying.order_id)).status).toBe('PENDING');
      expect((await getOrder(t, m.token, broken.order_id)).status).toBe('FAILED');
    });

    it('an order WeChat Pay does not know (ORDER_NOT_EXIST) is no failure: the order waits', async () => {
      const order = await createOrder(t, m);
      fake.orders.delete(otn(order.order_id));
      await new Promise((r) => setTimeout(r, 1100));
      await t.app.get(PaymentSync).syncDue();
      expect((await getOrder(t, m.token, order.order_id)).status).toBe('PENDING');
      expect((await channel('wx_native')).health).toMatchObject({
        state: 'closed',
        consecutive_failures: 0,
      });
    });

    it('counts 5xx and timeouts for the circuit breaker, and a refused request not', async () => {
      await addChannel('wx_flaky');
      const create = () => createOrder(t, m, { channel: 'wx_flaky' });

      fake.refuseNext(400, 'PARAM_ERROR');
      expect((await create()).status).toBe('FAILED');
      expect((await channel('wx_flaky')).health).toMatchObject({ consecutive_failures: 0 });

      fake.failNext(1, { hang: true });
      const slow = await create();
      const seen = await t.http
        .get(`/v1/payments/${slow.order_id}`)
        .set(bearer(await t.adminToken()));
      expect(seen.body.data.routing.attempts[0]).toMatchObject({ failure_reason: 'timeout' });

      fake.failNext(4, { status: 500 });
      for (let i = 0; i < 4; i++) expect((await create()).status).toBe('FAILED');
      expect((await channel('wx_flaky')).health).toMatchObject({
        state: 'open',
        consecutive_failures: 5,
      });
    });
  });

  describe('statement', () => {
    it("parses WeChat Pay's trade bill (backtick cells, summary block) into payments and refunds", async () => {
      const order = await createOrder(t, m, { amount: 10000, channel: 'wx_native' });
      await fake.pay(otn(order.order_id));
      const res = await t.http
        .post(`/v1/payments/${order.order_id}/refunds`)
        .set(bearer(m.token))
        .send({ amount: 2500 })
        .expect(201);
      await fake.completeRefund(res.body.data.refund_id);
      const wxOrder = fake.orders.get(otn(order.order_id))!;
      const today = beijing(Date.now()).slice(0, 10);
      const lines = await eventually(async () => {
        const all = await t.app.get(ChannelGateway).fetchStatement('wx_native', today);
        return all.some((l) => l.orderId === order.order_id && l.type === 'refund') ? all : null;
      });
      expect(lines.filter((l) => l.orderId === order.order_id)).toEqual([
        {
          type: 'payment',
          orderId: order.order_id,
          refundId: null,
          channelTradeNo: wxOrder.transactionId,
          amount: 10000,
          currency: 'CNY',
          fee: 60,
          status: 'SUCCEEDED',
          occurredAt: Math.floor(wxOrder.paidAt! / 1000) * 1000,
        },
        {
          type: 'refund',
          orderId: order.order_id,
          refundId: res.body.data.refund_id,
          channelTradeNo: wxOrder.transactionId,
          amount: 2500,
          currency: 'CNY',
          fee: 15,
          status: 'SUCCEEDED',
          occurredAt: expect.any(Number),
        },
      ]);
    });

    it('reads a day without trades (NO_STATEMENT_EXIST) as an empty statement', async () => {
      expect(await t.app.get(ChannelGateway).fetchStatement('wx_native', '2020-01-01')).toEqual([]);
    });

    it('refuses a bill that is not ready yet rather than reporting an empty day', async () => {
      fake.refuseNext(400, 'STATEMENT_CREATING');
      await expect(
        t.app.get(ChannelGateway).fetchStatement('wx_native', '2020-01-02'),
      ).rejects.toMatchObject({ kind: 'rejected', providerCode: 'STATEMENT_CREATING' });
    });
  });
});
