import { PaymentSync } from '../src/payments/payment-sync.service';
import { PaymentsService } from '../src/payments/payments.service';
import {
  AGENTS,
  CashierWorld,
  createCashierOrder,
  decodeQrDataUrl,
  decodeQrPng,
  pathOf,
  paySignVerifies,
  startCashierWorld,
  UNIONPAY_MAX_AMOUNT,
  WX_APPID,
} from './helpers/cashier';
import { eventually, getOrder, waitForStatus } from './helpers/payments';
import { testEngine } from './helpers/scratch-database';
import { bearer, createMerchant, startTestApp } from './helpers/test-app';

type Json = Record<string, unknown>;

const CHANNELS = ['wx_main', 'ali_main', 'up_main', 'sandbox_main'];

/** The cookie header a browser would send back from a response's Set-Cookie lines. */
function cookiesOf(setCookie: string[] | string | undefined): string {
  const lines = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  return lines.map((line) => line.split(';')[0]).join('; ');
}

describe(`hosted cashier and static codes on ${testEngine()}`, () => {
  let w: CashierWorld;

  beforeAll(async () => {
    w = await startCashierWorld();
  });
  afterAll(() => w?.close());

  const page = (path: string, agent: string, headers: Record<string, string> = {}) =>
    w.t.http.get(path).set('user-agent', agent).set(headers);
  const start = (path: string, wallet: string, agent: string, cookie = '') =>
    w.t.http
      .post(`${path}/pay`)
      .set('user-agent', agent)
      .set('cookie', cookie)
      .set('accept', 'application/json')
      .send({ wallet });
  const attemptsOf = async (orderId: string) => {
    const res = await w.t.http.get(`/v1/payments/${orderId}`).set(bearer(await w.t.adminToken()));
    return res.body.data.routing.attempts as Json[];
  };

  describe('cashier orders', () => {
    it('creates a PENDING order without calling a provider: pay_url and qr_code are the cashier page', async () => {
      const calls = w.wechat.calls.length + w.alipay.calls.length;
      const order = await createCashierOrder(w, { return_url: 'https://shop.example.com/done' });
      expect(order).toMatchObject({
        status: 'PENDING',
        channel: null,
        amount: 1250,
        return_url: 'https://shop.example.com/done',
        qr_code_id: null,
      });
      expect(order.pay_url).toMatch(new RegExp(`^${w.t.url}/cashier/[A-Za-z0-9_-]{52}$`));
      expect(order.qr_code).toBe(order.pay_url);
      expect(w.wechat.calls.length + w.alipay.calls.length).toBe(calls);
      expect(await attemptsOf(order.order_id)).toEqual([]);
    });

    it('serves the cashier page as a QR code, PNG and SVG, that decodes to pay_url', async () => {
      const order = await createCashierOrder(w);
      const png = await w.t.http.get(`${pathOf(order.pay_url)}/qr.png`).buffer(true);
      expect(png.status).toBe(200);
      expect(png.headers['content-type']).toBe('image/png');
      expect(decodeQrPng(png.body as Buffer)).toBe(order.pay_url);
      const svg = await w.t.http.get(`${pathOf(order.pay_url)}/qr.svg`);
      expect(svg.headers['content-type']).toBe('image/svg+xml');
      expect(String(svg.text ?? svg.body)).toMatch(/^<svg /);
    });

    it('refuses a return_url that is not a public http(s) URL, and changes nothing', async () => {
      for (const bad of ['ftp://shop.example.com/x', 'https://user:pw@shop.example.com/', 'nope']) {
        const res = await w.t.http.post('/v1/payments/create').set(bearer(w.m.token)).send({
          source_id: w.m.sourceId,
          product_id: 'p',
          product_name: 'n',
          amount: 100,
          channel: 'cashier',
          merchant_order_no: 'RETURN-BAD',
          return_url: bad,
        });
        expect(res.status).toBe(400);
        expect(res.body.reason).toBe('invalid_return_url');
      }
      const none = await w.t.http
        .get('/v1/payments?merchant_order_no=RETURN-BAD')
        .set(bearer(w.m.token));
      expect(none.status).toBe(404);
    });

    it('needs routing to allow some channel for the merchant (422), like any order', async () => {
      const other = await createMerchant(w.t);
      const admin = bearer(await w.t.adminToken());
      for (const code of CHANNELS) {
        await w.t.http
          .patch(`/v1/channels/${code}`)
          .set(admin)
          .send({ merchants: [w.m.sourceId] });
      }
      try {
        const res = await w.t.http.post('/v1/payments/create').set(bearer(other.token)).send({
          source_id: other.sourceId,
          product_id: 'p',
          product_name: 'n',
          amount: 100,
          channel: 'cashier',
        });
        expect(res.status).toBe(422);
        expect(res.body.reason).toBe('no_channel_available');
      } finally {
        for (const code of CHANNELS) {
          await w.t.http.patch(`/v1/channels/${code}`).set(admin).send({ merchants: [] });
        }
      }
    });

    it('refuses `cashier` as a channel code', async () => {
      const res = await w.t.http
        .post('/v1/channels')
        .set(bearer(await w.t.adminToken()))
        .send({ code: 'cashier', name: 'x', provider: 'sandbox' });
      expect(res.status).toBe(400);
      expect(res.body.errors).toContainEqual({ field: 'code', message: 'code is reserved' });
    });
  });

  describe('links', () => {
    it('answers a tampered or made-up token with a 404 page, never a stack trace', async () => {
      const order = await createCashierOrder(w);
      const path = pathOf(order.pay_url);
      const token = path.split('/')[2];
      const flipped = `${token.slice(0, 20)}${token[20] === 'A' ? 'B' : 'A'}${token.slice(21)}`;
      for (const bad of [flipped, token.slice(0, 51), 'x'.repeat(52)]) {
        const res = await page(`/cashier/${bad}`, AGENTS.desktop);
        expect(res.status).toBe(404);
        expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
        expect(res.headers['content-security-policy']).toContain("default-src 'none'");
        expect(res.text).toContain('支付链接不存在');
        expect(res.text).not.toMatch(/at \w+ \(|Error:/);
      }
      const english = await page(`/cashier/${flipped}`, AGENTS.desktop, {
        'accept-language': 'en-US,en;q=0.9',
      });
      expect(english.text).toContain('This payment link does not exist');
    });

    it('shows an expiry page (410) once the order has expired, and starts nothing', async () => {
      const order = await createCashierOrder(w, { expire_seconds: 60 });
      await w.t.dataSource.query(
        `UPDATE orders SET expires_at = ${Date.now() - 1000} WHERE order_id = '${order.order_id}'`,
      );
      const res = await page(pathOf(order.pay_url), AGENTS.desktop);
      expect(res.status).toBe(410);
      expect(res.text).toContain('支付链接已过期');
      const pay = await start(pathOf(order.pay_url), 'wechat', AGENTS.desktop);
      expect(pay.status).toBe(410);
      expect(pay.body.reason).toBe('cashier_link_expired');
      expect(await attemptsOf(order.order_id)).toEqual([]);
    });
  });

  describe('a computer: a QR code per wallet', () => {
    it('offers every wallet routing allows; each start is an attempt; the first paid takes the order and the others are closed', async () => {
      const order = await createCashierOrder(w, { return_url: 'https://shop.example.com/back' });
      const path = pathOf(order.pay_url);
      const html = await page(path, AGENTS.desktop);
      expect(html.status).toBe(200);
      expect(html.headers['content-security-policy']).toContain("script-src 'self'");
      const wallets = [...html.text.matchAll(/<figure class="tile wallet-(\w+)"/g)].map(
        (m) => m[1],
      );
      expect(wallets).toEqual(['wechat', 'alipay', 'unionpay', 'sandbox']);
      expect(html.text).not.toMatch(/<script>|onclick=|style="/);

      const wx = await start(path, 'wechat', AGENTS.desktop);
      expect(wx.status).toBe(200);
      expect(wx.body.data).toMatchObject({ wallet: 'wechat', type: 'qr' });
      expect(wx.body.data.qr_code).toMatch(/^weixin:\/\/wxpay\/bizpayurl\?pr=/);
      expect(decodeQrDataUrl(wx.body.data.qr_image)).toBe(wx.body.data.qr_code);
      const ali = await start(path, 'alipay', AGENTS.desktop);
      expect(ali.body.data.qr_code).toMatch(/^https:\/\/qr\.alipay\.com\//);
      expect(decodeQrDataUrl(ali.body.data.qr_image)).toBe(ali.body.data.qr_code);
      const up = await start(path, 'unionpay', AGENTS.desktop);
      expect(up.body.data.qr_code).toMatch(/^https:\/\/qr\.95516\.com\//);
      expect(decodeQrDataUrl(up.body.data.qr_image)).toBe(up.body.data.qr_code);

      // a reload shows the same codes: no second trade
      const creates = w.wechat.calls.filter((c) => c.path === '/v3/pay/transactions/native').length;
      const again = await start(path, 'wechat', AGENTS.desktop);
      expect(again.body.data.qr_code).toBe(wx.body.data.qr_code);
      expect(w.wechat.calls.filter((c) => c.path === '/v3/pay/transactions/native').length).toBe(
        creates,
      );
      const attempts = await attemptsOf(order.order_id);
      expect(attempts.map((a) => [a.seq, a.channel, a.outcome])).toEqual([
        [1, 'wx_main', 'succeeded'],
        [2, 'ali_main', 'succeeded'],
        [3, 'up_main', 'succeeded'],
      ]);
      expect((await getOrder(w.t, w.m.token, order.order_id)).channel).toBeNull();

      // the payer scans the Alipay code and pays
      await w.alipay.pay(order.order_id);
      const paid = await waitForStatus(w.t, w.m.token, order.order_id, 'SUCCEEDED');
      expect(paid.channel).toBe('ali_main');
      expect(paid.fee_amount).toBe(7); // 0.55 % of 12.50, half up
      const outTradeNo = order.order_id.replace(/^ord_/, '');
      await eventually(
        async () => w.wechat.orders.get(outTradeNo)?.state === 'CLOSED',
        5000,
        'the WeChat trade closed',
      );
      const status = await w.t.http.get(`${path}/status`);
      expect(status.body.data).toEqual({
        order_id: order.order_id,
        status: 'SUCCEEDED',
        paid: true,
        return_url: 'https://shop.example.com/back',
      });
      const done = await page(path, AGENTS.desktop);
      expect(done.text).toContain('支付成功');
      expect(done.text).toContain(
        '<meta http-equiv="refresh" content="2;url=https://shop.example.com/back">',
      );
      const late = await start(path, 'wechat', AGENTS.desktop);
      expect(late.status).toBe(409);
    });

    it('starts every wallet at once, as the page does: one attempt number each', async () => {
      const order = await createCashierOrder(w);
      const path = pathOf(order.pay_url);
      const answers = await Promise.all(
        ['wechat', 'alipay', 'unionpay', 'sandbox'].map((wallet) =>
          start(path, wallet, AGENTS.desktop),
        ),
      );
      expect(answers.map((a) => [a.status, a.body.data?.type ?? a.body.reason])).toEqual([
        [200, 'qr'],
        [200, 'qr'],
        [200, 'qr'],
        [200, 'qr'],
      ]);
      const attempts = await attemptsOf(order.order_id);
      expect(attempts.map((a) => a.seq).sort()).toEqual([1, 2, 3, 4]);
      expect(attempts.every((a) => a.outcome === 'succeeded')).toBe(true);
    });

    it('keeps an order open when one wallet reports a failure, and records a second payment as an exception', async () => {
      const order = await createCashierOrder(w);
      const path = pathOf(order.pay_url);
      await start(path, 'wechat', AGENTS.desktop);
      await start(path, 'alipay', AGENTS.desktop);
      const outTradeNo = order.order_id.replace(/^ord_/, '');
      // WeChat says this trade failed: the order waits for the other wallet
      w.wechat.setState(outTradeNo, 'PAYERROR');
      const entity = await w.t.app.get(PaymentsService).findOrder(order.order_id);
      await w.t.app.get(PaymentSync).syncOrder(entity!);
      expect((await getOrder(w.t, w.m.token, order.order_id)).status).toBe('PENDING');
      w.wechat.setState(outTradeNo, 'NOTPAY');
      await w.alipay.pay(order.order_id);
      await waitForStatus(w.t, w.m.token, order.order_id, 'SUCCEEDED');
      // WeChat's trade was paid too before it could be closed: kept for reconciliation
      w.wechat.setState(outTradeNo, 'NOTPAY');
      await w.wechat.pay(outTradeNo);
      const rows = await w.t.dataSource.query(
        `SELECT kind FROM payment_exceptions WHERE order_id = '${order.order_id}'`,
      );
      expect(rows.map((r: Json) => r.kind)).toEqual(['channel_mismatch']);
      expect((await getOrder(w.t, w.m.token, order.order_id)).channel).toBe('ali_main');
    });

    it('closes every trade of a cashier order closed by the merchant or by expiry', async () => {
      const closed = await createCashierOrder(w);
      await start(pathOf(closed.pay_url), 'wechat', AGENTS.desktop);
      const res = await w.t.http
        .post(`/v1/payments/${closed.order_id}/close`)
        .set(bearer(w.m.token));
      expect(res.status).toBe(200);
      expect(w.wechat.orders.get(closed.order_id.replace(/^ord_/, ''))?.state).toBe('CLOSED');

      const expiring = await createCashierOrder(w);
      await start(pathOf(expiring.pay_url), 'wechat', AGENTS.desktop);
      await w.t.dataSource.query(
        `UPDATE orders SET expires_at = ${Date.now() - 1000} WHERE order_id = '${expiring.order_id}'`,
      );
      await w.t.app.get(PaymentSync).expireDue();
      expect((await getOrder(w.t, w.m.token, expiring.order_id)).status).toBe('CLOSED');
      expect(w.wechat.orders.get(expiring.order_id.replace(/^ord_/, ''))?.state).toBe('CLOSED');
    });
  });

  describe('inside WeChat: OAuth, then JSAPI', () => {
    it('sends the payer through OAuth with a state bound to the browser, then signs getBrandWCPayRequest', async () => {
      const order = await createCashierOrder(w, { amount: 880 });
      const path = pathOf(order.pay_url);
      const first = await page(path, AGENTS.wechat);
      expect(first.status).toBe(302);
      const authorize = new URL(first.headers.location);
      expect(`${authorize.origin}${authorize.pathname}`).toBe(
        `${w.oauth.url}/connect/oauth2/authorize`,
      );
      expect(authorize.hash).toBe('#wechat_redirect');
      expect(Object.fromEntries(authorize.searchParams)).toMatchObject({
        appid: WX_APPID,
        scope: 'snsapi_base',
        response_type: 'code',
        redirect_uri: `${w.t.url}${path}/oauth/wx_main`,
      });
      const browser = cookiesOf(first.headers['set-cookie']);
      expect(browser).toMatch(/^paygate_cashier_state=/);
      expect(first.headers['set-cookie'][0]).toMatch(/HttpOnly/i);

      // WeChat comes back with a code and the state
      const back = await fetch(authorize.toString(), { redirect: 'manual' });
      const callback = new URL(back.headers.get('location')!);
      const forged = await page(
        `${callback.pathname}?code=${callback.searchParams.get('code')}&state=${'A'.repeat(22)}`,
        AGENTS.wechat,
        { cookie: browser },
      );
      expect(forged.status).toBe(403);
      expect(forged.text).toContain('授权请求并非由当前浏览器发起');
      const otherBrowser = await page(`${callback.pathname}${callback.search}`, AGENTS.wechat, {
        cookie: 'paygate_cashier_state=someone-else',
      });
      expect(otherBrowser.status).toBe(403);

      const returned = await page(`${callback.pathname}${callback.search}`, AGENTS.wechat, {
        cookie: browser,
      });
      expect(returned.status).toBe(303);
      expect(returned.headers.location).toBe(path);
      const payer = cookiesOf(returned.headers['set-cookie']);
      expect(payer).toContain(`paygate_cashier_payer=${WX_APPID}.${w.oauth.openid}.`);

      const ready = await page(path, AGENTS.wechat, { cookie: payer });
      expect(ready.status).toBe(200);
      expect(ready.text).toContain('data-wallet="wechat" data-auto="1"');

      // a browser cannot name another payer's openid
      const tampered = payer.replace(w.oauth.openid, 'oSomeoneElse');
      const refused = await start(path, 'wechat', AGENTS.wechat, tampered);
      expect(refused.body.data).toMatchObject({ type: 'redirect', url: order.pay_url });

      const sheet = await start(path, 'wechat', AGENTS.wechat, payer);
      expect(sheet.status).toBe(200);
      const params = sheet.body.data.wallet_params as Record<string, string>;
      expect(sheet.body.data.type).toBe('wallet_sheet');
      expect(params).toMatchObject({ appId: WX_APPID, signType: 'RSA' });
      expect(params.package).toMatch(/^prepay_id=wx[0-9a-f]{16}$/);
      expect(paySignVerifies(params, w.wechatKeys.publicKey)).toBe(true);
      expect(paySignVerifies({ ...params, timeStamp: '1' }, w.wechatKeys.publicKey)).toBe(false);
      const trade = w.wechat.orders.get(order.order_id.replace(/^ord_/, ''))!;
      expect(trade).toMatchObject({ tradeType: 'JSAPI', openid: w.oauth.openid, total: 880 });

      await w.wechat.pay(trade.outTradeNo);
      const paid = await waitForStatus(w.t, w.m.token, order.order_id, 'SUCCEEDED');
      expect(paid.channel).toBe('wx_main');
      expect(paid.fee_amount).toBe(5);

      // an order whose WeChat code was shown on a computer cannot get a second WeChat trade
      const shown = await createCashierOrder(w);
      await start(pathOf(shown.pay_url), 'wechat', AGENTS.desktop);
      const second = await start(pathOf(shown.pay_url), 'wechat', AGENTS.wechat, payer);
      expect(second.status).toBe(409);
      expect(second.body.reason).toBe('checkout_started_elsewhere');
    });

    it('names the apps that work when the wallet the page opened in has no channel for the order', async () => {
      // above the UnionPay channel's max_amount: routing leaves it out
      const order = await createCashierOrder(w, { amount: UNIONPAY_MAX_AMOUNT + 1 });
      const res = await page(pathOf(order.pay_url), AGENTS.unionpay);
      expect(res.status).toBe(200);
      expect(res.text).toContain('该订单暂不支持云闪付');
      expect(res.text).toContain('<li class="wallet-wechat">微信支付</li>');
      expect(res.text).toContain('<li class="wallet-alipay">支付宝</li>');
      const pay = await start(pathOf(order.pay_url), 'unionpay', AGENTS.unionpay);
      expect(pay.status).toBe(422);
      expect(pay.body.reason).toBe('wallet_unavailable');
    });
  });

  describe('inside 云闪付', () => {
    it('opens the UnionPay channel’s gateway page, whose form UnionPay accepts, and the payment lands', async () => {
      const order = await createCashierOrder(w, { amount: 4321 });
      const path = pathOf(order.pay_url);
      const html = await page(path, AGENTS.unionpay);
      expect(html.text).toContain('data-wallet="unionpay" data-auto="1"');
      const go = await start(path, 'unionpay', AGENTS.unionpay);
      expect(go.body.data.type).toBe('redirect');
      expect(go.body.data.url).toMatch(new RegExp(`^${w.t.url}/unionpay/pay/${order.order_id}\\?`));
      const payPage = await fetch(go.body.data.url, { headers: { 'user-agent': AGENTS.unionpay } });
      const form = await payPage.text();
      const action = /<form id="pay-form" method="post" action="([^"]+)"/.exec(form)![1];
      expect(action).toBe(`${w.unionpay.url}/gateway/api/frontTransReq.do`);
      const fields = Object.fromEntries(
        [...form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((x) => [
          x[1],
          x[2].replace(/&#(\d+);/g, (_s, code: string) => String.fromCharCode(Number(code))),
        ]),
      );
      expect(fields).toMatchObject({ txnAmt: '4321', channelType: '08' });
      const posted = await fetch(action, { method: 'POST', body: new URLSearchParams(fields) });
      expect(posted.status).toBe(200);
      await w.unionpay.succeed(order.order_id.replace(/^ord_/, ''));
      const paid = await waitForStatus(w.t, w.m.token, order.order_id, 'SUCCEEDED');
      expect(paid).toMatchObject({ channel: 'up_main', fee_amount: 26 });
    });
  });

  describe('inside Alipay and in a phone browser', () => {
    it('opens Alipay wap pay with a signed link back to the cashier; amounts come from the order', async () => {
      const order = await createCashierOrder(w, { amount: 3300 });
      const path = pathOf(order.pay_url);
      const html = await page(path, AGENTS.alipay);
      expect(html.text).toContain('data-wallet="alipay" data-auto="1"');
      const res = await w.t.http
        .post(`${path}/pay`)
        .set('user-agent', AGENTS.alipay)
        .send({ wallet: 'alipay', amount: 1 });
      expect(res.status).toBe(400);
      const go = await start(path, 'alipay', AGENTS.alipay);
      expect(go.body.data.type).toBe('redirect');
      const link = new URL(go.body.data.url);
      expect(`${link.origin}${link.pathname}`).toBe(w.alipay.gatewayUrl);
      expect(link.searchParams.get('method')).toBe('alipay.trade.wap.pay');
      expect(link.searchParams.get('return_url')).toBe(`${order.pay_url}?returned=1`);
      const biz = JSON.parse(link.searchParams.get('biz_content')!);
      expect(biz).toMatchObject({
        total_amount: '33.00',
        product_code: 'QUICK_WAP_WAY',
        quit_url: `${order.pay_url}?returned=1`,
      });
      // back from Alipay (with the fields Alipay adds), the page waits instead of starting again
      const back = await page(`${path}?returned=1&out_trade_no=x&sign=y`, AGENTS.alipay);
      expect(back.status).toBe(200);
      expect(back.text).toContain('data-wallet="alipay" data-auto="0"');
      expect(back.text).toContain('正在确认支付结果');
      const opened = await fetch(go.body.data.url);
      expect(opened.status).toBe(200);
      expect(w.alipay.pageOpens.at(-1)).toMatchObject({
        method: 'alipay.trade.wap.pay',
        verified: true,
      });
    });

    it('offers a phone browser a link per wallet: WeChat H5 with the payer IP, Alipay wap', async () => {
      const order = await createCashierOrder(w);
      const path = pathOf(order.pay_url);
      const html = await page(path, AGENTS.safari);
      const wallets = [...html.text.matchAll(/<button class="pay wallet-(\w+)"/g)].map((m) => m[1]);
      expect(wallets).toEqual(['wechat', 'alipay', 'unionpay', 'sandbox']);
      const h5 = await start(path, 'wechat', AGENTS.safari);
      expect(h5.body.data.url).toContain(
        'https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=',
      );
      expect(new URL(h5.body.data.url).searchParams.get('redirect_url')).toBe(
        `${order.pay_url}?returned=1`,
      );
      const call = w.wechat.calls.filter((c) => c.path === '/v3/pay/transactions/h5').at(-1)!;
      expect((call.body!.scene_info as Json).payer_client_ip).toBe('127.0.0.1');
    });
  });

  describe('static codes (商户码)', () => {
    const codes = (sourceId = w.m.sourceId) => `/v1/merchants/${sourceId}/qr-codes`;

    it('is made, listed, disabled and deleted by its merchant; another merchant sees nothing', async () => {
      const created = await w.t.http
        .post(codes())
        .set(bearer(w.m.token))
        .send({ name: '前台收款', min_amount: 100, max_amount: 50000 });
      expect(created.status).toBe(201);
      const code = created.body.data;
      expect(code).toMatchObject({
        source_id: w.m.sourceId,
        name: '前台收款',
        amount: null,
        min_amount: 100,
        max_amount: 50000,
        currency: 'CNY',
        product_id: 'qr_code',
        product_name: '前台收款',
        status: 'active',
      });
      expect(code.url).toMatch(new RegExp(`^${w.t.url}/cashier/c/[A-Za-z0-9_-]{22}$`));
      const png = await w.t.http.get(pathOf(code.qr_image_url)).buffer(true);
      expect(decodeQrPng(png.body as Buffer)).toBe(code.url);

      const list = await w.t.http.get(codes()).set(bearer(w.m.token));
      expect(list.body.data.items.map((c: Json) => c.code_id)).toContain(code.code_id);
      const other = await createMerchant(w.t);
      const peek = await w.t.http.get(codes()).set(bearer(other.token));
      expect(peek.status).toBe(404);
      const steal = await w.t.http
        .patch(`${codes()}/${code.code_id}`)
        .set(bearer(other.token))
        .send({ status: 'disabled' });
      expect(steal.status).toBe(404);

      const disabled = await w.t.http
        .patch(`${codes()}/${code.code_id}`)
        .set(bearer(w.m.token))
        .send({ status: 'disabled' });
      expect(disabled.body.data.status).toBe('disabled');
      const off = await page(pathOf(code.url), AGENTS.safari);
      expect(off.status).toBe(410);
      expect(off.text).toContain('该收款码已停用');

      const deleted = await w.t.http.delete(`${codes()}/${code.code_id}`).set(bearer(w.m.token));
      expect(deleted.status).toBe(200);
      expect((await page(pathOf(code.url), AGENTS.safari)).status).toBe(404);
      const after = await w.t.http.get(codes()).set(bearer(w.m.token));
      expect(after.body.data.items.map((c: Json) => c.code_id)).not.toContain(code.code_id);
    });

    it('makes an order for a typed amount within the bounds, carrying the code id', async () => {
      const code = (
        await w.t.http
          .post(codes())
          .set(bearer(w.m.token))
          .send({ name: '咖啡', product_id: 'coffee', min_amount: 100, max_amount: 50000 })
      ).body.data;
      const path = pathOf(code.url);
      const form = await page(path, AGENTS.safari);
      expect(form.status).toBe(200);
      expect(form.text).toContain('name="amount"');
      for (const [typed, reason] of [
        ['abc', '请输入以CNY为单位的金额'],
        ['12.345', '最多 2 位小数'],
        ['0.99', '金额须在 1.00 至 500.00 CNY 之间'],
        ['500.01', '金额须在 1.00 至 500.00 CNY 之间'],
        ['-5', '请输入以CNY为单位的金额'],
        ['1e3', '请输入以CNY为单位的金额'],
      ]) {
        const refused = await w.t.http
          .post(path)
          .type('form')
          .set('user-agent', AGENTS.safari)
          .send({ amount: typed });
        expect(refused.status).toBe(400);
        expect(refused.headers['content-type']).toBe('text/html; charset=utf-8');
        expect(refused.text).toContain(reason);
      }
      const before = await w.t.dataSource.query(
        `SELECT COUNT(*) AS n FROM orders WHERE qr_code_id = '${code.code_id}'`,
      );
      expect(Number(before[0].n)).toBe(0);

      const made = await w.t.http
        .post(path)
        .type('form')
        .set('user-agent', AGENTS.safari)
        .send({ amount: '12.50' });
      expect(made.status).toBe(303);
      expect(made.headers.location).toMatch(/^\/cashier\/[A-Za-z0-9_-]{52}$/);
      const rows = await w.t.dataSource.query(
        `SELECT order_id FROM orders WHERE qr_code_id = '${code.code_id}'`,
      );
      expect(rows).toHaveLength(1);
      const order = await getOrder(w.t, w.m.token, rows[0].order_id);
      expect(order).toMatchObject({
        amount: 1250,
        product_id: 'coffee',
        product_name: '咖啡',
        qr_code_id: code.code_id,
        status: 'PENDING',
        channel: null,
      });
      expect(order.pay_url).toBe(`${w.t.url}${made.headers.location}`);
    });

    it('takes a fixed amount from the code, whatever the form sends', async () => {
      const code = (
        await w.t.http.post(codes()).set(bearer(w.m.token)).send({ name: '门票', amount: 8800 })
      ).body.data;
      const form = await page(pathOf(code.url), AGENTS.safari);
      expect(form.text).toContain('¥88.00');
      expect(form.text).not.toContain('name="amount"');
      const made = await w.t.http
        .post(pathOf(code.url))
        .type('form')
        .set('user-agent', AGENTS.safari)
        .send({ amount: '0.01' });
      expect(made.status).toBe(303);
      const rows = await w.t.dataSource.query(
        `SELECT amount FROM orders WHERE qr_code_id = '${code.code_id}'`,
      );
      expect(rows.map((r: Json) => Number(r.amount))).toEqual([8800]);
    });

    it('refuses bounds that cannot hold and an unknown merchant', async () => {
      const crossed = await w.t.http
        .post(codes())
        .set(bearer(w.m.token))
        .send({ name: 'x', min_amount: 500, max_amount: 100 });
      expect(crossed.status).toBe(400);
      const admin = await w.t.http
        .post(codes(99999999))
        .set(bearer(await w.t.adminToken()))
        .send({ name: 'x' });
      expect(admin.status).toBe(404);
      expect(admin.body.reason).toBe('merchant_not_found');
    });
  });
});

describe(`cashier rate limits on ${testEngine()}`, () => {
  it('limits the payer POSTs per IP (429 with Retry-After); pages stay readable', async () => {
    const t = await startTestApp({
      RATE_LIMIT_PER_SECOND: '10000',
      PAYER_RATE_LIMIT_PER_MINUTE: '3',
    });
    try {
      const m = await createMerchant(t);
      const code = (
        await t.http
          .post(`/v1/merchants/${m.sourceId}/qr-codes`)
          .set(bearer(m.token))
          .send({ name: 'x' })
      ).body.data;
      const path = pathOf(code.url);
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        const res = await t.http.post(path).type('form').send({ amount: 'x' });
        statuses.push(res.status);
        if (res.status === 429) {
          expect(res.headers['retry-after']).toMatch(/^\d+$/);
          expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
          expect(res.text).toContain('请求过于频繁');
        }
      }
      expect(statuses).toEqual([400, 400, 400, 429]);
      expect((await t.http.get(path)).status).toBe(200);
    } finally {
      await t.close();
    }
  });
});
