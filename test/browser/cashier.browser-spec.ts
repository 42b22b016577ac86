import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser';
import { FakeServer } from '../fakes/fake-server';
import {
  AGENTS,
  CashierWorld,
  createCashierOrder,
  decodeQrDataUrl,
  paySignVerifies,
  startCashierWorld,
  UNIONPAY_MAX_AMOUNT,
} from '../helpers/cashier';
import { bearer } from '../helpers/test-app';
import { payOrder, waitForStatus } from '../helpers/payments';
import { testEngine } from '../helpers/scratch-database';

/** Screenshots for a person to look at (not committed). */
const ARTIFACTS = join(__dirname, '..', '..', 'test-artifacts', 'cashier');
const PHONE = { width: 390, height: 844 };

/**
 * The cashier as payers meet it, in Debian's Chromium with each wallet's user agent: WeChat
 * (OAuth, then the JSAPI pay sheet through a stand-in WeixinJSBridge), Alipay (its wap page at
 * the fake gateway), UnionPay (its gateway form; and, above its channel's limit, the apps that
 * work), a computer (a QR code per wallet, decoded), mobile Safari (a link per wallet) and a
 * static code with a typed amount.
 * Nothing leaves the machine: the wallets' own hosts are answered by the test.
 */
describe(`the cashier in a browser on ${testEngine()}`, () => {
  let w: CashierWorld;
  let browser: Browser;
  let shop: FakeServer;
  const engine = testEngine();
  /** Requests that went anywhere but this machine, and CSP refusals the pages caused. */
  const external: string[] = [];
  const blocked: string[] = [];

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    w = await startCashierWorld();
    shop = await FakeServer.start((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><title>Shop</title><h1 id="shop">Thank you</h1>');
    });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await shop?.close();
    await w?.close();
  });

  afterEach(() => {
    expect(blocked).toEqual([]);
    expect(external).toEqual([]);
  });

  async function open(
    userAgent: string,
    options: { locale?: string; viewport?: { width: number; height: number } } = {},
  ): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({
      userAgent,
      locale: options.locale ?? 'zh-CN',
      viewport: options.viewport ?? PHONE,
    });
    // the wallets' own hosts, as their apps would show them
    await context.route(/^https:\/\/(wx\.tenpay\.com|qr\.alipay\.com)\//, (route) =>
      route.fulfill({
        contentType: 'text/html; charset=utf-8',
        body: '<!doctype html><title>wallet</title><h1 id="wallet-host">wallet</h1>',
      }),
    );
    const page = await context.newPage();
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) blocked.push(message.text());
    });
    page.on('request', (request) => {
      const url = request.url();
      if (
        !/^(https?:\/\/127\.0\.0\.1[:/]|data:|https:\/\/(wx\.tenpay\.com|qr\.alipay\.com)\/)/.test(
          url,
        )
      ) {
        external.push(url);
      }
    });
    return { context, page };
  }

  const shot = (page: Page, name: string) =>
    page.screenshot({ path: join(ARTIFACTS, `${engine}-${name}.png`), fullPage: true });

  it('WeChat: OAuth to the openid, getBrandWCPayRequest with a paySign that verifies, paid, back to the shop', async () => {
    const order = await createCashierOrder(w, { amount: 1999, return_url: `${shop.url}/done` });
    const { context, page } = await open(AGENTS.wechat);
    // WeChat's JS bridge, as the app injects it: records the call and reports success
    await context.addInitScript(() => {
      const calls: unknown[] = [];
      (globalThis as unknown as Record<string, unknown>).__wxCalls = calls;
      (globalThis as unknown as Record<string, unknown>).WeixinJSBridge = {
        invoke(name: string, params: unknown, callback: (r: { err_msg: string }) => void) {
          calls.push({ name, params });
          callback({ err_msg: 'get_brand_wcpay_request:ok' });
        },
      };
    });
    await page.goto(order.pay_url);
    expect(w.oauth.authorizations.at(-1)?.get('scope')).toBe('snsapi_base');
    await page.waitForFunction(
      () => (globalThis as unknown as { __wxCalls: unknown[] }).__wxCalls.length > 0,
    );
    const [call] = (await page.evaluate(
      () => (globalThis as unknown as { __wxCalls: unknown[] }).__wxCalls,
    )) as {
      name: string;
      params: Record<string, string>;
    }[];
    expect(call.name).toBe('getBrandWCPayRequest');
    expect(paySignVerifies(call.params, w.wechatKeys.publicKey)).toBe(true);
    await expect(page.locator('[data-testid=amount]').textContent()).resolves.toBe('¥19.99');
    await shot(page, 'wechat-pay-sheet');
    const trade = w.wechat.orders.get(order.order_id.replace(/^ord_/, ''))!;
    expect(trade).toMatchObject({ tradeType: 'JSAPI', openid: w.oauth.openid, total: 1999 });
    await w.wechat.pay(trade.outTradeNo);
    await page.locator('.message.success').waitFor();
    await shot(page, 'wechat-paid');
    await page.waitForURL(`${shop.url}/done`);
    await context.close();
  });

  it('Alipay: the page opens the wap pay page at the gateway with a valid signature', async () => {
    const order = await createCashierOrder(w, { amount: 4200, return_url: `${shop.url}/ali` });
    const { context, page } = await open(AGENTS.alipay);
    await page.goto(order.pay_url);
    await page.waitForURL((url) => url.toString().startsWith(w.alipay.gatewayUrl));
    await page.locator('#alipay-cashier').waitFor();
    expect(await page.locator('#alipay-amount').textContent()).toBe('42.00');
    expect(w.alipay.pageOpens.at(-1)).toMatchObject({
      method: 'alipay.trade.wap.pay',
      verified: true,
      params: { return_url: `${order.pay_url}?returned=1` },
    });
    await shot(page, 'alipay-wap');
    await w.alipay.pay(order.order_id);
    await waitForStatus(w.t, w.m.token, order.order_id, 'SUCCEEDED');
    // Alipay sends the payer back to return_url: the cashier, which sends them to the shop
    await page.goto(`${order.pay_url}?returned=1`);
    await page.locator('[data-page=paid]').waitFor();
    await shot(page, 'alipay-paid');
    await page.waitForURL(`${shop.url}/ali`);
    await context.close();
  });

  it('UnionPay (云闪付): the page takes the payer to UnionPay with a form it accepts', async () => {
    const order = await createCashierOrder(w, { amount: 1250 });
    const { context, page } = await open(AGENTS.unionpay);
    await page.goto(order.pay_url);
    await page.waitForURL(`${w.unionpay.url}/gateway/api/frontTransReq.do`);
    await page.getByText('金额 1250 分').waitFor();
    await shot(page, 'unionpay-gateway');
    const call = w.unionpay.calls.find(
      (c) => c.fields.orderId === order.order_id.replace(/^ord_/, ''),
    )!;
    expect(call.fields).toMatchObject({ txnAmt: '1250', channelType: '08' });
    await context.close();
  });

  it('UnionPay above its channel’s limit: a page naming the apps that work', async () => {
    const order = await createCashierOrder(w, { amount: UNIONPAY_MAX_AMOUNT + 1 });
    const { context, page } = await open(AGENTS.unionpay);
    await page.goto(order.pay_url);
    await page.locator('[data-page=no-wallet]').waitFor();
    expect(await page.locator('h1').textContent()).toBe('该订单暂不支持云闪付');
    expect(await page.locator('.apps li').allTextContents()).toEqual(['微信支付', '支付宝']);
    await shot(page, 'unionpay-no-channel');
    await context.close();
  });

  it('a computer: one QR code per wallet, each decoding to its wallet’s payment; paying one finishes the page', async () => {
    const order = await createCashierOrder(w, { amount: 1234 });
    const { context, page } = await open(AGENTS.desktop, {
      locale: 'en-US',
      viewport: { width: 1280, height: 900 },
    });
    await page.goto(order.pay_url);
    expect(await page.locator('h2').textContent()).toBe('Scan to pay');
    const tiles = page.locator('figure.tile');
    await expect(tiles.count()).resolves.toBe(4);
    await page.locator('figure.tile.ready').nth(3).waitFor();
    const seen: Record<string, string> = {};
    for (const tile of await tiles.all()) {
      const wallet = (await tile.getAttribute('data-wallet'))!;
      const image = tile.locator('img');
      const decoded = decodeQrDataUrl((await image.getAttribute('src'))!);
      expect(decoded).toBe(await image.getAttribute('data-content'));
      seen[wallet] = decoded!;
    }
    expect(seen.wechat).toMatch(/^weixin:\/\/wxpay\/bizpayurl\?pr=/);
    expect(seen.alipay).toMatch(/^https:\/\/qr\.alipay\.com\//);
    expect(seen.unionpay).toMatch(/^https:\/\/qr\.95516\.com\//);
    expect(seen.sandbox).toMatch(new RegExp(`^${w.t.url}/sandbox/pay/${order.order_id}\\?`));
    await shot(page, 'desktop-qr-codes');
    // the payer scans the sandbox's code with a phone and pays
    expect((await payOrder(w.t, { order_id: order.order_id, pay_url: seen.sandbox })).status).toBe(
      200,
    );
    await page.locator('.message.success').waitFor();
    expect(await page.locator('#cashier-message').textContent()).toBe('Payment received');
    await shot(page, 'desktop-paid');
    const paid = await waitForStatus(w.t, w.m.token, order.order_id, 'SUCCEEDED');
    expect(paid.channel).toBe('sandbox_main');
    await context.close();
  });

  it('mobile Safari: a link per wallet; WeChat goes to its H5 page with the way back', async () => {
    const order = await createCashierOrder(w);
    const { context, page } = await open(AGENTS.safari);
    await page.goto(order.pay_url);
    const buttons = await page.locator('button.pay').allTextContents();
    expect(buttons).toEqual([
      '使用微信支付支付',
      '使用支付宝支付',
      '使用云闪付支付',
      '使用沙箱支付',
    ]);
    await shot(page, 'mobile-safari-choices');
    await page.locator('button.wallet-wechat').click();
    await page.waitForURL(/^https:\/\/wx\.tenpay\.com\//);
    expect(new URL(page.url()).searchParams.get('redirect_url')).toBe(
      `${order.pay_url}?returned=1`,
    );
    await context.close();
  });

  it('a static code: the payer types 12.50, an order is made and paid through the sandbox', async () => {
    const code = (
      await w.t.http
        .post(`/v1/merchants/${w.m.sourceId}/qr-codes`)
        .set(bearer(w.m.token))
        .send({ name: '街角咖啡', min_amount: 100, max_amount: 100000 })
    ).body.data;
    const { context, page } = await open(AGENTS.safari);
    await page.goto(code.url);
    await page.locator('#amount').fill('1000.01');
    await page.locator('button[type=submit]').click();
    await page.locator('.message.error').waitFor();
    expect(await page.locator('.message.error').textContent()).toBe(
      '金额须在 1.00 至 1000.00 CNY 之间',
    );
    await shot(page, 'static-code-refused');
    await page.locator('#amount').fill('12.50');
    await page.locator('button[type=submit]').click();
    await page.waitForURL(/\/cashier\/[A-Za-z0-9_-]{52}$/);
    expect(await page.locator('[data-testid=amount]').textContent()).toBe('¥12.50');
    await shot(page, 'static-code-order');
    await page.locator('button.wallet-sandbox').click();
    await page.waitForURL(/\/sandbox\/pay\//);
    await page.locator('button.pay').click();
    await page.locator('h1').filter({ hasText: 'Payment succeeded' }).waitFor();
    const rows = await w.t.dataSource.query(
      `SELECT order_id FROM orders WHERE qr_code_id = '${code.code_id}'`,
    );
    const paid = await waitForStatus(w.t, w.m.token, rows[0].order_id, 'SUCCEEDED');
    expect(paid).toMatchObject({ amount: 1250, qr_code_id: code.code_id, channel: 'sandbox_main' });
    await context.close();
  });

  it('an expired link and a tampered one: designed pages, not blanks', async () => {
    const order = await createCashierOrder(w);
    await w.t.dataSource.query(
      `UPDATE orders SET expires_at = ${Date.now() - 1000} WHERE order_id = '${order.order_id}'`,
    );
    const { context, page } = await open(AGENTS.safari);
    const expired = await page.goto(order.pay_url);
    expect(expired?.status()).toBe(410);
    expect(await page.locator('h1').textContent()).toBe('支付链接已过期');
    await shot(page, 'expired');
    const tampered = await page.goto(`${order.pay_url.slice(0, -3)}AAA`);
    expect(tampered?.status()).toBe(404);
    expect(await page.locator('h1').textContent()).toBe('支付链接不存在');
    await shot(page, 'tampered');
    await context.close();
  });
});
