import { readFileSync } from 'node:fs';
import { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser';
import { ConsolePerson, merchantTeam, SETUP_TIMEOUT_MS } from '../helpers/console';
import {
  ConsoleTab,
  logInThroughPage,
  openConsoleTab,
  screenshot,
  seriousAxeViolations,
  startConsoleApp,
  switchLanguage,
} from '../helpers/console-browser';
import { createSandboxChannel, eventually, getOrder } from '../helpers/payments';
import { testEngine } from '../helpers/scratch-database';
import { bearer, createMerchant, TestApp, TestMerchant } from '../helpers/test-app';

/** Today's settlement date in the test server's zone (SETTLEMENT_TZ's default). */
function today(): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
}

/** The merchant's pages, as the side menu names them (console-pages.browser-spec.ts walks them). */
const MENU = [
  '概览',
  '支付订单',
  '退款',
  '支付测试',
  'Webhook 通知',
  'API 密钥',
  '对账单',
  '成员管理',
];

/**
 * The merchant side of the web console (商户后台) in Debian's Chromium, against the production
 * build and the engine of TEST_DATABASE_URL: a merchant owner runs a payment test through the
 * sandbox, refunds part of it, rotates the webhook secret and downloads a bill; a viewer sees
 * no action.
 */
describe(`console, merchant side (${testEngine()})`, () => {
  let t: TestApp;
  let browser: Browser;
  let tab: ConsoleTab;
  let merchant: TestMerchant;
  let owner: ConsolePerson;
  let viewer: ConsolePerson;
  let orderId: string;

  beforeAll(async () => {
    t = await startConsoleApp();
    merchant = await createMerchant(t, { name: 'Merchant Console Shop' });
    await createSandboxChannel(t);
    const team = await merchantTeam(t, merchant.sourceId, ['viewer']);
    owner = team.owner;
    viewer = team.viewer!;
    browser = await launchChromium();
    tab = await openConsoleTab(browser, t);
  }, SETUP_TIMEOUT_MS);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  afterEach(() => {
    expect(tab.problems).toEqual([]);
    expect(tab.external).toEqual([]);
  });

  async function heading(page: Page, name: string): Promise<void> {
    await page.getByRole('heading', { name, exact: true }).waitFor();
  }

  it('a merchant owner logs in to its overview and sees every merchant page in the menu', async () => {
    const { page } = tab;
    await logInThroughPage(page, t, owner.email, owner.password);
    await page.waitForURL(/\/console\/merchant\/overview$/);
    await heading(page, '概览');
    await page.locator('[data-test="trend-total"]').waitFor();
    const menu = await page.locator('.el-menu-item').allInnerTexts();
    expect(menu.map((m) => m.trim())).toEqual(MENU);
  });

  it('支付测试: creates a test order, pays it on the sandbox page and sees it SUCCEEDED', async () => {
    const { page } = tab;
    await page.goto(`${t.url}/console/merchant/payment-test`);
    await heading(page, '支付测试');
    await page.locator('#test-amount').fill('12.34');
    await page.locator('[data-test="test-create"]').click();
    const link = page.locator('[data-test="test-pay-link"]');
    await link.waitFor();
    const codeUrl = (await link.innerText()).trim();
    expect(codeUrl.startsWith(`${t.url}/cashier/c/`)).toBe(true);

    // the payer: the code's page (fixed amount), the cashier, the sandbox's pay page
    const payer = await tab.context.newPage();
    await payer.goto(codeUrl);
    await expect(payer.locator('[data-testid=amount]').innerText()).resolves.toContain('12.34');
    await payer.locator('button[type=submit]').click();
    await payer.waitForURL(/\/cashier\/[A-Za-z0-9_-]+$/);
    const sandbox = payer.locator('.wallet-sandbox a.open-link');
    await sandbox.waitFor();
    await payer.goto((await sandbox.getAttribute('href'))!);
    await payer.locator('button.pay').first().click();
    await payer.locator('h1').filter({ hasText: 'Payment succeeded' }).waitFor();
    await payer.close();

    // the console follows the order to its end
    await page
      .locator('[data-test="test-status"]')
      .filter({ hasText: '支付成功' })
      .waitFor({ timeout: 30_000 });
    orderId = (await page.locator('[data-test="test-order"] .mono').first().innerText()).trim();
    const order = await getOrder(t, merchant.token, orderId);
    expect(order).toMatchObject({ status: 'SUCCEEDED', amount: 1234, currency: 'CNY' });
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'merchant-payment-test.done.zh-CN');
  });

  it('finds the order among the payments and refunds 2.34 of it from the drawer', async () => {
    const { page } = tab;
    await page.goto(`${t.url}/console/merchant/payments`);
    await heading(page, '支付订单');
    await page.locator('#filter-q').fill(orderId);
    await page.locator('[data-test="search"]').click();
    const row = page.locator('.el-table__row').filter({ hasText: orderId });
    await expect(row.innerText()).resolves.toContain('支付成功');
    await expect(row.innerText()).resolves.toContain('12.34 CNY');
    await expect(page.locator('.el-table__row').count()).resolves.toBe(1);

    await row.locator('[data-test="order-link"]').click();
    const drawer = page.locator('.el-drawer');
    await drawer.locator('[data-test="timeline"]').waitFor();
    await drawer.locator('[data-test="refund"]').click();
    // more than the order: refused by the form before any request
    await page.locator('#refund-amount').fill('12.35');
    await drawer.locator('[data-test="refund-submit"]').click();
    await drawer.locator('.el-form-item__error').waitFor();
    await page.locator('#refund-amount').fill('2.34');
    await page.locator('#refund-reason').fill('broken box');
    await drawer.locator('[data-test="refund-submit"]').click();
    await eventually(
      async () => {
        const o = await getOrder(t, merchant.token, orderId);
        return o.status === 'PARTIALLY_REFUNDED' && o.refunded_amount === 234 ? o : undefined;
      },
      20_000,
      'the partial refund',
    );
    // what the drawer shows once it reloads the order
    await page.locator('.el-drawer__close-btn').click();
    await drawer.waitFor({ state: 'hidden' });
    await row.locator('[data-test="order-link"]').click();
    await drawer.locator('[data-test="refunded-amount"]').filter({ hasText: '2.34 CNY' }).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'merchant-payment-drawer.zh-CN');
    await page.locator('.el-drawer__close-btn').click();
    await drawer.waitFor({ state: 'hidden' });
  });

  it('rotates the webhook signing secret: the new one is shown once, then gone from the page', async () => {
    const { page } = tab;
    await page.goto(`${t.url}/console/merchant/webhooks`);
    await heading(page, 'Webhook 通知');
    await page.locator('[data-test="rotate"]').click();
    await page.locator('.el-message-box').getByRole('button', { name: '轮换密钥' }).click();
    const value = page.locator('[data-test="secret-value"]');
    await value.waitFor();
    const secret = (await value.innerText()).trim();
    expect(secret.length).toBeGreaterThanOrEqual(32);
    expect(secret).not.toBe(merchant.webhookSecret);
    await screenshot(page, 'merchant-webhook-secret.zh-CN');
    await page.locator('[data-test="secret-done"]').click();
    await value.waitFor({ state: 'detached' });
    expect(await page.content()).not.toContain(secret);
    await page.locator('[data-test="previous-expires"]').waitFor();
    // the order's webhook event is in the delivery log
    await page.locator('.el-table__row').filter({ hasText: orderId }).first().waitFor();
  });

  it('downloads today’s bill as CSV, with the rows the API has', async () => {
    const { page } = tab;
    const run = await t.http
      .post('/v1/clearing/runs')
      .set(bearer(await t.adminToken()))
      .send({ date: today() });
    expect(run.status).toBeLessThan(300);
    const bills = await t.http
      .get(`/v1/clearing/bills?date=${today()}`)
      .set(bearer(merchant.token));
    expect(bills.body.data.items).toHaveLength(1);
    const bill = bills.body.data.items[0];
    const detail = await t.http
      .get(`/v1/clearing/bills/${bill.bill_id}?limit=100`)
      .set(bearer(merchant.token));
    const lines = detail.body.data.lines.items as { order_id: string; amount: number }[];
    expect(lines.length).toBe(2); // the payment and the refund

    await page.goto(`${t.url}/console/merchant/bills?date=${today()}`);
    await heading(page, '对账单');
    const row = page.locator('.el-table__row').first();
    await expect(row.innerText()).resolves.toContain('12.34 CNY');
    await expect(row.innerText()).resolves.toContain('2.34 CNY');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      row.locator('[data-test="bill-download"]').click(),
    ]);
    const csv = readFileSync((await download.path())!, 'utf8');
    const fromApi = await t.http
      .get(`/v1/clearing/bills/${bill.bill_id}/download`)
      .set(bearer(merchant.token));
    expect(csv).toBe(fromApi.text);
    const rows = csv.trim().split(/\r?\n/);
    expect(rows.length).toBe(lines.length + 1); // a header, then one row per line
    for (const line of lines) expect(csv).toContain(line.order_id);

    await row.locator('[data-test="bill-lines"]').click();
    const dialog = page.locator('.el-dialog');
    await expect(dialog.locator('.el-table__row').count()).resolves.toBe(2);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'merchant-bill-lines.zh-CN');
  });

  it('the order drawer in English, with its translated labels', async () => {
    const { page } = tab;
    await page.goto(`${t.url}/console/merchant/payments`);
    await switchLanguage(page, 'English');
    await page.locator('[data-test="order-link"]').first().click();
    await page.locator('.el-drawer').getByText('Timeline').waitFor();
    await screenshot(page, 'merchant-payment-drawer.en');
    await page.keyboard.press('Escape');
    await page.locator('.el-drawer').waitFor({ state: 'hidden' });
    await switchLanguage(page, '简体中文');
  });

  it('a merchant viewer sees no action buttons, and the API refuses the actions anyway', async () => {
    const own = await openConsoleTab(browser, t);
    const { page } = own;
    await logInThroughPage(page, t, viewer.email, viewer.password);
    await page.waitForURL(/\/console\/merchant\/overview$/);
    const menu = (await page.locator('.el-menu-item').allInnerTexts()).map((m) => m.trim());
    expect(menu).not.toContain('支付测试');
    expect(menu).not.toContain('成员管理');

    await page.goto(`${t.url}/console/merchant/payments`);
    await heading(page, '支付订单');
    await page.locator('[data-test="order-link"]').first().waitFor();
    await expect(page.locator('[data-test="export"]').count()).resolves.toBe(0);
    await page.locator('[data-test="order-link"]').first().click();
    await page.locator('.el-drawer [data-test="timeline"]').waitFor();
    await expect(page.locator('.el-drawer [data-test="refund"]').count()).resolves.toBe(0);
    await expect(page.locator('.el-drawer [data-test="close-order"]').count()).resolves.toBe(0);

    await page.goto(`${t.url}/console/merchant/webhooks`);
    await heading(page, 'Webhook 通知');
    await expect(page.locator('[data-test="rotate"]').count()).resolves.toBe(0);
    await expect(page.locator('[data-test="save-notify-url"]').count()).resolves.toBe(0);
    await page.goto(`${t.url}/console/merchant/credentials`);
    await heading(page, 'API 密钥');
    await expect(page.locator('[data-test="credential-create"]').count()).resolves.toBe(0);
    await page.goto(`${t.url}/console/merchant/bills?date=${today()}`);
    await heading(page, '对账单');
    await page.locator('[data-test="bill-lines"]').first().waitFor();
    await expect(page.locator('[data-test="bill-download"]').count()).resolves.toBe(0);
    // pages the role may not open
    await page.goto(`${t.url}/console/merchant/users`);
    await page.waitForURL(/\/console\/forbidden$/);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'merchant-viewer-forbidden.zh-CN');

    // the buttons are hidden, and the API says no to the same calls
    const calls = [
      viewer.browser.call('post', `/v1/payments/${orderId}/refunds`).send({ amount: 1 }),
      viewer.browser.call('post', `/v1/merchants/${merchant.sourceId}/webhook-secret`),
      viewer.browser.call('post', `/v1/merchants/${merchant.sourceId}/credentials`),
      viewer.browser.call('post', `/v1/merchants/${merchant.sourceId}/qr-codes`).send({
        name: 'x',
        amount: 1,
        currency: 'CNY',
      }),
    ];
    for (const res of await Promise.all(calls)) expect(res.status).toBe(403);
    const order = await getOrder(t, merchant.token, orderId);
    expect(order.refunded_amount).toBe(234);
    expect(own.problems).toEqual([]);
    await own.context.close();
  });
});
