import { X509Certificate } from 'node:crypto';
import { ChannelGateway } from '../src/channels/channel-gateway';
import { ChannelRuntime } from '../src/channels/channel-runtime.service';
import { payLinkUrl } from '../src/channels/providers/unionpay/unionpay-pay-link';
import { UnionpayProvider } from '../src/channels/providers/unionpay/unionpay.provider';
import { PaymentSync } from '../src/payments/payment-sync.service';
import { UnionpayFake, UnionpayNotifyOptions } from './fakes/unionpay-fake';
import { makeCert, pkcs12Base64, UNIONPAY_CN, unionpayTestPki } from './fakes/unionpay-pki';
import { createOrder, eventually, getOrder, Order, waitForStatus } from './helpers/payments';
import { testEngine } from './helpers/scratch-database';
import { bearer, createMerchant, startTestApp, TestApp, TestMerchant } from './helpers/test-app';

const MER_ID = '777290058110097';
const PFX_PASSWORD = '000000';

type Json = Record<string, unknown>;
interface ChannelView {
  config: Record<string, unknown>;
  health: unknown;
}

describe(`UnionPay channels on ${testEngine()}`, () => {
  let t: TestApp;
  let m: TestMerchant;
  let fake: UnionpayFake;
  const pki = unionpayTestPki();

  const channelConfig = (config: Json = {}) => ({
    mer_id: MER_ID,
    private_key_pfx: pkcs12Base64(pki.merchant, PFX_PASSWORD),
    private_key_password: PFX_PASSWORD,
    middle_cert: pki.middle.pem,
    root_cert: pki.root.pem,
    gateway_url: fake.url,
    file_url: fake.url,
    product: 'gateway',
    ...config,
  });

  async function addChannel(code: string, config: Json = {}, fields: Json = {}) {
    const res = await t.http
      .post('/v1/channels')
      .set(bearer(await t.adminToken()))
      .send({
        code,
        name: `UnionPay ${code}`,
        provider: 'unionpay',
        currencies: ['CNY'],
        fee_rate_bps: 60,
        ...fields,
        config: channelConfig(config),
      });
    if (res.status !== 201) throw new Error(`channel: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.data as ChannelView;
  }

  async function channel(code: string): Promise<ChannelView> {
    const res = await t.http.get(`/v1/channels/${code}`).set(bearer(await t.adminToken()));
    return res.body.data as ChannelView;
  }

  /** The orderId UnionPay knows: our id without its prefix. */
  const upId = (id: string) => id.replace(/^(ord|re)_/, '');

  /** What the payer's browser does with pay_url: open our page, post its form to UnionPay. */
  async function openPayPage(payUrl: string, userAgent = 'Mozilla/5.0 (X11; Linux x86_64)') {
    const page = await fetch(payUrl, { headers: { 'user-agent': userAgent } });
    const html = await page.text();
    const action = /<form id="pay-form" method="post" action="([^"]+)"/.exec(html)?.[1];
    const fields = Object.fromEntries(
      [...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((x) => [
        x[1],
        x[2].replace(/&#(\d+);/g, (_s, code: string) => String.fromCharCode(Number(code))),
      ]),
    );
    return {
      page,
      html,
      action: action?.replace(/&#(\d+);/g, (_s, c: string) => String.fromCharCode(Number(c))),
      fields,
    };
  }

  async function payerPosts(payUrl: string, userAgent?: string) {
    const opened = await openPayPage(payUrl, userAgent);
    const answer = await fetch(opened.action!, {
      method: 'POST',
      body: new URLSearchParams(opened.fields),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    return { ...opened, cashier: await answer.text() };
  }

  async function refundOf(orderId: string, refundId: string) {
    const list = await t.http.get(`/v1/payments/${orderId}/refunds`).set(bearer(m.token));
    return (list.body.data.items as Json[]).find((r) => r.refund_id === refundId)!;
  }

  beforeAll(async () => {
    t = await startTestApp({
      RATE_LIMIT_PER_SECOND: '10000',
      STATUS_SYNC_SCHEDULE: '1,2,3',
      CHANNEL_TIMEOUT_MS: '1500',
    });
    fake = await UnionpayFake.start(pki.signing, { merId: MER_ID, certPem: pki.merchant.pem });
    await addChannel('up_web', {}, { priority: 10 });
    await addChannel('up_qr', { product: 'qr' });
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
          code: 'up_bad',
          name: 'Bad',
          provider: 'unionpay',
          config: {
            ...channelConfig(),
            mer_id: '123',
            private_key_password: 'wrong',
            root_cert: 'nope',
            gateway_url: 'https://gateway.95516.com/gateway/api',
            product: 'app',
          },
        });
      expect(res.status).toBe(400);
      expect(res.body.errors.map((e: Json) => e.field).sort()).toEqual([
        'config.gateway_url',
        'config.mer_id',
        'config.private_key_pfx',
        'config.product',
        'config.root_cert',
      ]);
    });

    it('reads the PKCS#12 file once: the key is sealed and masked, the file and password are not kept', async () => {
      const created = await addChannel('up_secret', {}, { enabled: false });
      expect(created.config.private_key).toMatch(/^\*{4}/);
      expect(created.config).not.toHaveProperty('private_key_pfx');
      expect(created.config).not.toHaveProperty('private_key_password');
      expect(new X509Certificate(created.config.sign_cert as string).serialNumber).toBe(
        new X509Certificate(pki.merchant.pem).serialNumber,
      );
      expect(created.config).toMatchObject({ channel_type: 'auto', validate_cn: true });
      const rows = await t.dataSource.query(`SELECT config FROM channels WHERE code = 'up_secret'`);
      expect(rows[0].config).not.toContain(pki.merchant.keyPem.split('\n')[1]);
      expect(rows[0].config).not.toContain(PFX_PASSWORD);
    });
  });

  it('/reference tells how to configure UnionPay, its products and its test environment', async () => {
    const res = await t.http.get('/reference/openapi.json').expect(200);
    const doc = res.body as { tags: Json[]; 'x-tagGroups': { name: string; tags: string[] }[] };
    const tag = doc.tags.find((x) => x.name === '银联 UnionPay')!;
    for (const text of [
      'private_key_pfx',
      'product: gateway|qr',
      'gateway.test.95516.com',
      'validate_cn: false',
    ]) {
      expect(tag.description).toContain(text);
    }
    expect(doc['x-tagGroups'].find((g) => g.name === '渠道路由')!.tags).toContain('银联 UnionPay');
  });

  describe('gateway payments', () => {
    it('create → pay page posts the signed form → 34 before payment → notification confirmed by a query → SUCCEEDED', async () => {
      const order = await createOrder(t, m, { amount: 1001, channel: 'up_web' });
      expect(order.pay_url).toMatch(new RegExp(`^${t.url}/unionpay/pay/${order.order_id}\\?`));
      expect(fake.calls).toHaveLength(0); // nothing is sent at creation

      const posted = await payerPosts(order.pay_url);
      expect(posted.page.headers.get('content-security-policy')).toContain(
        `form-action ${fake.url}`,
      );
      expect(posted.page.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(posted.html).not.toMatch(/<script>/);
      expect(posted.action).toBe(`${fake.url}/gateway/api/frontTransReq.do`);
      expect(posted.fields).toMatchObject({
        version: '5.1.0',
        encoding: 'UTF-8',
        signMethod: '01',
        txnType: '01',
        txnSubType: '01',
        bizType: '000201',
        channelType: '07',
        accessType: '0',
        currencyCode: '156',
        merId: MER_ID,
        orderId: upId(order.order_id),
        txnAmt: '1001',
        backUrl: `${t.url}/v1/notify/up_web`,
        frontUrl: `${t.url}/unionpay/pay/${order.order_id}/return`,
        certId: BigInt(`0x${new X509Certificate(pki.merchant.pem).serialNumber}`).toString(),
      });
      expect(posted.fields.txnTime).toMatch(/^\d{14}$/);
      expect(posted.cashier).toContain('银联在线支付');
      // where UnionPay brings the payer back: a page that trusts nothing it is sent
      const back = await fetch(posted.fields.frontUrl, {
        method: 'POST',
        body: new URLSearchParams({ respCode: '00', orderId: posted.fields.orderId }),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(back.status).toBe(200);
      expect(back.headers.get('content-security-policy')).toContain("form-action 'none'");
      expect(await back.text()).toContain('支付已提交');
      expect(fake.calls.map((c) => c.path)).toEqual(['/gateway/api/frontTransReq.do']);

      // the payer has not paid: UnionPay answers 34 and the order waits
      await new Promise((r) => setTimeout(r, 1100));
      await t.app.get(PaymentSync).syncDue();
      expect((await getOrder(t, m.token, order.order_id)).status).toBe('PENDING');

      const before = fake.calls.length;
      const answer = await fake.succeed(upId(order.order_id));
      expect(answer).toMatchObject({ status: 200 });
      // the notice was confirmed by a query before it was applied
      expect(fake.calls.slice(before).map((c) => c.fields.txnType)).toEqual(['00']);
      const paid = await getOrder(t, m.token, order.order_id);
      expect(paid).toMatchObject({
        status: 'SUCCEEDED',
        channel_trade_no: fake.txn(upId(order.order_id)).queryId,
      });

      // a duplicate is answered the same and changes nothing
      expect(await fake.notify(upId(order.order_id))).toMatchObject({ status: 200 });
      const events = await t.dataSource.query(
        `SELECT type FROM webhook_events WHERE order_id = '${order.order_id}'`,
      );
      expect(events).toEqual([{ type: 'payment.succeeded' }]);
    });

    it('a mobile browser gets channelType 08', async () => {
      const order = await createOrder(t, m, { channel: 'up_web' });
      const opened = await openPayPage(
        order.pay_url,
        'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148',
      );
      expect(opened.fields.channelType).toBe('08');
    });

    it('refuses a pay link with another amount or expiry (401) and an expired one (400)', async () => {
      const order = await createOrder(t, m, { amount: 5000, channel: 'up_web' });
      const cheaper = order.pay_url.replace('amount=5000', 'amount=1');
      const tampered = await fetch(cheaper);
      expect(tampered.status).toBe(401);
      expect(((await tampered.json()) as Json).reason).toBe('invalid_signature');
      const url = new URL(order.pay_url);
      url.searchParams.set('expires', String(Date.now() + 86_400_000));
      expect((await fetch(url)).status).toBe(401); // the expiry is signed too

      // a link the channel did sign, past its expiry
      const live = (await t.app.get(ChannelRuntime).liveChannels()).find(
        (c) => c.row.code === 'up_web',
      )!;
      const key = t.app.get(UnionpayProvider).payLinkKey(live.context);
      const old = payLinkUrl(t.url, key, {
        orderId: order.order_id,
        channel: 'up_web',
        amount: 5000,
        expires: Date.now() - 1000,
      });
      const expired = await fetch(old);
      expect([expired.status, ((await expired.json()) as Json).reason]).toEqual([
        400,
        'payment_link_expired',
      ]);
    });

    it('refuses forged notifications (401) and changes nothing', async () => {
      const order = await createOrder(t, m, { amount: 700, channel: 'up_web' });
      await payerPosts(order.pay_url);
      await fake.succeed(upId(order.order_id), { notify: false });
      const outsider = unionpayTestPki(); // another CA with the same names
      const wrongCn = makeCert({ cn: '041@Z12@某某支付公司@00000001', issuer: pki.middle });
      const expired = makeCert({
        cn: UNIONPAY_CN,
        issuer: pki.middle,
        from: Date.now() - 10 * 86_400_000,
        to: Date.now() - 86_400_000,
      });
      const cases: UnionpayNotifyOptions[] = [
        { signer: outsider.signing },
        { signer: wrongCn },
        { signer: expired },
        { tamper: true },
        { overrides: { merId: '777290058110098' } },
        { signature: '' },
        { signature: 'AAAA' },
        { overrides: { signMethod: '11' } },
      ];
      for (const options of cases) {
        const answer = await fake.notify(upId(order.order_id), options);
        expect(answer.status).toBe(401);
      }
      expect((await getOrder(t, m.token, order.order_id)).status).toBe('PENDING');
    });

    it('refuses a signed notice the query does not confirm, so UnionPay sends it again', async () => {
      const order = await createOrder(t, m, { channel: 'up_web' });
      await payerPosts(order.pay_url);
      // a success notice for a trade UnionPay has no payment for (34)
      const answer = await fake.notify(upId(order.order_id), { overrides: { respCode: '00' } });
      expect(answer.status).toBe(401);
      expect((await getOrder(t, m.token, order.order_id)).status).toBe('PENDING');
    });
  });

  describe('QR payments', () => {
    it('asks backTransReq.do for a qrCode with payTimeout, and succeeds on the confirmed notice', async () => {
      const order = await createOrder(t, m, {
        amount: 2500,
        channel: 'up_qr',
        expire_seconds: 600,
      });
      const call = fake.calls.find((c) => c.fields.orderId === upId(order.order_id))!;
      expect(call.path).toBe('/gateway/api/backTransReq.do');
      expect(call.fields).toMatchObject({
        txnType: '01',
        txnSubType: '07',
        bizType: '000000',
        channelType: '08',
        txnAmt: '2500',
        backUrl: `${t.url}/v1/notify/up_qr`,
      });
      expect(call.fields.payTimeout).toMatch(/^\d{14}$/);
      expect(order.pay_url).toMatch(/^https:\/\/qr\.95516\.com\//);
      await fake.succeed(upId(order.order_id));
      await waitForStatus(t, m.token, order.order_id, 'SUCCEEDED');
    });
  });

  describe('close', () => {
    it('closes an order nobody paid (UnionPay has no trade: 34)', async () => {
      const order = await createOrder(t, m, { channel: 'up_web' });
      const res = await t.http.post(`/v1/payments/${order.order_id}/close`).set(bearer(m.token));
      expect([res.status, res.body.data?.status]).toEqual([200, 'CLOSED']);
    });

    it('never closes an order the payer already paid: it succeeds instead (409)', async () => {
      const order = await createOrder(t, m, { channel: 'up_web' });
      await payerPosts(order.pay_url);
      await fake.succeed(upId(order.order_id), { notify: false });
      const res = await t.http.post(`/v1/payments/${order.order_id}/close`).set(bearer(m.token));
      expect([res.status, res.body.reason]).toEqual([409, 'invalid_state']);
      expect((await getOrder(t, m.token, order.order_id)).status).toBe('SUCCEEDED');
    });
    it('refuses to close while UnionPay reports the payment under way (05): 503, the order stays', async () => {
      const order = await createOrder(t, m, { channel: 'up_web' });
      await payerPosts(order.pay_url);
      fake.setProcessing(upId(order.order_id));
      const res = await t.http.post(`/v1/payments/${order.order_id}/close`).set(bearer(m.token));
      expect([res.status, res.body.reason]).toEqual([503, 'channel_unavailable']);
      expect((await getOrder(t, m.token, order.order_id)).status).toBe('PENDING');
    });
  });

  describe('refunds', () => {
    async function paidOrder(amount: number) {
      const order = await createOrder(t, m, { amount, channel: 'up_web' });
      await payerPosts(order.pay_url);
      await fake.succeed(upId(order.order_id));
      await waitForStatus(t, m.token, order.order_id, 'SUCCEEDED');
      return order;
    }

    it('a partial refund is a 04 refund with origQryId, PENDING until its confirmed notice', async () => {
      const order = await paidOrder(1000);
      const res = await t.http
        .post(`/v1/payments/${order.order_id}/refunds`)
        .set(bearer(m.token))
        .send({ amount: 400, reason: '不想要了' })
        .expect(201);
      expect(res.body.data.status).toBe('PENDING');
      const refundId = res.body.data.refund_id as string;
      const call = fake.calls.find((c) => c.fields.orderId === upId(refundId))!;
      expect(call.fields).toMatchObject({
        txnType: '04',
        txnSubType: '00',
        bizType: '000201',
        txnAmt: '400',
        origQryId: fake.txn(upId(order.order_id)).queryId,
        backUrl: `${t.url}/v1/notify/up_web`,
      });
      expect(await fake.succeed(upId(refundId))).toMatchObject({ status: 200 });
      expect(await refundOf(order.order_id, refundId)).toMatchObject({ status: 'SUCCEEDED' });
      expect(await getOrder(t, m.token, order.order_id)).toMatchObject({
        status: 'PARTIALLY_REFUNDED',
        refunded_amount: 400,
      });
    });

    it('the whole amount on the payment day is a void (31); the status sync completes it without a notice', async () => {
      const order = await paidOrder(600);
      const res = await t.http
        .post(`/v1/payments/${order.order_id}/refunds`)
        .set(bearer(m.token))
        .send({ amount: 600 })
        .expect(201);
      const refundId = res.body.data.refund_id as string;
      expect(fake.txn(upId(refundId))).toMatchObject({ txnType: '31', amount: 600 });
      await fake.succeed(upId(refundId), { notify: false });
      await new Promise((r) => setTimeout(r, 1100));
      await t.app.get(PaymentSync).syncDue();
      expect(await refundOf(order.order_id, refundId)).toMatchObject({ status: 'SUCCEEDED' });
      expect((await getOrder(t, m.token, order.order_id)).status).toBe('REFUNDED');
    });
  });

  describe('status sync and failures', () => {
    it('heals a dropped notification; 05 stays pending, a refused card fails', async () => {
      const paid = await createOrder(t, m, { amount: 2500, channel: 'up_web' });
      const paying = await createOrder(t, m, { channel: 'up_web' });
      const broken = await createOrder(t, m, { channel: 'up_web' });
      for (const o of [paid, paying, broken]) await payerPosts(o.pay_url);
      await fake.succeed(upId(paid.order_id), { notify: false });
      fake.setProcessing(upId(paying.order_id));
      await fake.fail(upId(broken.order_id), { notify: false });
      await new Promise((r) => setTimeout(r, 1100));
      await t.app.get(PaymentSync).syncDue();
      expect((await getOrder(t, m.token, paid.order_id)).status).toBe('SUCCEEDED');
      expect((await getOrder(t, m.token, paying.order_id)).status).toBe('PENDING');
      expect((await getOrder(t, m.token, broken.order_id)).status).toBe('FAILED');
    });

    it('UnionPay refuses a request signed with another certificate (respCode 11): the order fails over, the channel stays healthy', async () => {
      const stranger = makeCert({ cn: '041@Z12@777290058110097@00000002', issuer: pki.middle });
      await addChannel('up_stranger', {
        product: 'qr',
        private_key_pfx: undefined,
        private_key_password: undefined,
        private_key: stranger.keyPem,
        sign_cert: stranger.pem,
      });
      const order = await createOrder(t, m, { channel: 'up_stranger' });
      expect(order.status).toBe('FAILED');
      const seen = await t.http
        .get(`/v1/payments/${order.order_id}`)
        .set(bearer(await t.adminToken()));
      expect(seen.body.data.routing.attempts[0]).toMatchObject({
        failure_reason: 'rejected',
        message: expect.stringContaining('验证签名失败'),
      });
      expect((await channel('up_stranger')).health).toMatchObject({ consecutive_failures: 0 });
    });

    it('counts 5xx and timeouts for the circuit breaker, and a refused request not', async () => {
      await addChannel('up_flaky', { product: 'qr' });
      const create = () => createOrder(t, m, { channel: 'up_flaky' });

      fake.refuseNext('33', '交易金额超限');
      expect((await create()).status).toBe('FAILED');
      expect((await channel('up_flaky')).health).toMatchObject({ consecutive_failures: 0 });

      fake.failNext(1, { hang: true });
      const slow = await create();
      const seen = await t.http
        .get(`/v1/payments/${slow.order_id}`)
        .set(bearer(await t.adminToken()));
      expect(seen.body.data.routing.attempts[0]).toMatchObject({ failure_reason: 'timeout' });

      fake.failNext(4, { status: 502 });
      for (let i = 0; i < 4; i++) expect((await create()).status).toBe('FAILED');
      expect((await channel('up_flaky')).health).toMatchObject({
        state: 'open',
        consecutive_failures: 5,
      });
    });

    it('does not trust an answer whose certificate has expired (clock moved past it)', async () => {
      const provider = t.app.get(UnionpayProvider);
      const order = await createOrder(t, m, { channel: 'up_web' });
      provider.clock = () => Date.now() + 400 * 86_400_000;
      try {
        await expect(
          t.app
            .get(ChannelGateway)
            .queryPayment((await channelId('up_web'))!, order.order_id, null),
        ).rejects.toMatchObject({
          kind: 'unavailable',
          message: expect.stringContaining('expired'),
        });
      } finally {
        provider.clock = Date.now;
      }
    });
  });

  async function channelId(code: string): Promise<string | undefined> {
    const rows = await t.dataSource.query(
      `SELECT id FROM channels WHERE code = '${code}' AND deleted_at IS NULL`,
    );
    return rows[0]?.id;
  }

  describe('statement and reconciliation', () => {
    it('reads the ZM file (deflated ZIP, GBK fixed width) and reconciles a missing and a mismatched line', async () => {
      // a merchant code of its own, so that its statement holds only this test's movements
      const own = await UnionpayFake.start(pki.signing, {
        merId: '777290058110099',
        certPem: pki.merchant.pem,
      });
      const saved = fake;
      fake = own;
      try {
        await addChannel('up_recon', { mer_id: '777290058110099' }, { priority: -10 });
        await reconcileWithFake();
      } finally {
        fake = saved;
        await own.close();
      }
    });

    async function reconcileWithFake() {
      const orders: Order[] = [];
      for (const amount of [1000, 2000, 3000]) {
        const order = await createOrder(t, m, { amount, channel: 'up_recon' });
        await payerPosts(order.pay_url);
        await fake.succeed(upId(order.order_id));
        await waitForStatus(t, m.token, order.order_id, 'SUCCEEDED');
        orders.push(order);
      }
      const refund = await t.http
        .post(`/v1/payments/${orders[0].order_id}/refunds`)
        .set(bearer(m.token))
        .send({ amount: 250 })
        .expect(201);
      await fake.succeed(upId(refund.body.data.refund_id));
      await eventually(
        async () =>
          (await refundOf(orders[0].order_id, refund.body.data.refund_id)).status === 'SUCCEEDED',
      );
      const today = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);

      const lines = await t.app.get(ChannelGateway).fetchStatement('up_recon', today);
      const first = fake.txn(upId(orders[0].order_id));
      expect(lines.filter((l) => l.orderId === orders[0].order_id)).toEqual([
        {
          type: 'payment',
          orderId: orders[0].order_id,
          refundId: null,
          channelTradeNo: first.queryId,
          amount: 1000,
          currency: 'CNY',
          fee: 6,
          status: 'SUCCEEDED',
          occurredAt: Math.floor(first.tracedAt! / 1000) * 1000,
        },
        {
          type: 'refund',
          orderId: orders[0].order_id,
          refundId: refund.body.data.refund_id,
          channelTradeNo: fake.txn(upId(refund.body.data.refund_id)).queryId,
          amount: 250,
          currency: 'CNY',
          fee: 2,
          status: 'SUCCEEDED',
          occurredAt: expect.any(Number),
        },
      ]);

      fake.statementEdits.omit.add(upId(orders[1].order_id));
      fake.statementEdits.amount.set(upId(orders[2].order_id), 2999);
      const res = await t.http
        .post('/v1/clearing/reconciliations')
        .set(bearer(await t.adminToken()))
        .send({ date: today, channel: 'up_recon' })
        .expect(201);
      expect(
        res.body.data.discrepancies.map((d: Json) => [
          d.type,
          d.order_id,
          d.gateway_amount,
          d.channel_amount,
        ]),
      ).toEqual([
        ['missing_in_channel', orders[1].order_id, 2000, null],
        ['amount_mismatch', orders[2].order_id, 3000, 2999],
      ]);
      expect(res.body.data.matched_count).toBe(2);
    }
  });
});
