import request from 'supertest';
import { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser';
import { consolePerson, CONSOLE_OWNER_EMAIL, CONSOLE_OWNER_PASSWORD } from '../helpers/console';
import {
  ConsoleTab,
  logInThroughPage,
  openConsoleTab,
  screenshot,
  seriousAxeViolations,
  startConsoleApp,
  switchLanguage,
} from '../helpers/console-browser';
import {
  createOrder,
  createSandboxChannel,
  eventually,
  getOrder,
  Order,
  payOrder,
  waitForStatus,
} from '../helpers/payments';
import { testEngine } from '../helpers/scratch-database';
import { bearer, createMerchant, TestApp, TestMerchant } from '../helpers/test-app';

/** The rows of the table on the page, as text. */
async function rows(page: Page): Promise<string[]> {
  return page.locator('.el-table__body .el-table__row').allInnerTexts();
}

/** Opens an order's drawer from the payments page, by its id in the search box. */
async function openOrderDrawer(page: Page, t: TestApp, orderId: string) {
  await page.goto(`${t.url}/console/operator/payments`);
  await page.locator('#filter-q').fill(orderId);
  await page.locator('[data-test="filter-apply"]').click();
  await page.locator('[data-test="total"]').filter({ hasText: /^1$/ }).waitFor();
  await page
    .locator('.el-table__row')
    .filter({ hasText: orderId })
    .locator('button')
    .first()
    .click();
  const drawer = page.locator('[data-test="payment-drawer"]');
  await drawer.locator('[data-test="timeline"]').waitFor();
  return drawer;
}

/**
 * The operator's refunds page and the order actions beside it (sync now, a partial refund) in
 * Debian's Chromium, against the production build and the engine of TEST_DATABASE_URL, with
 * refunds and orders made through the API.
 */
describe(`console, operator refunds and sync now (${testEngine()})`, () => {
  let t: TestApp;
  let admin: string;
  let browser: Browser;
  let tab: ConsoleTab;
  let a: TestMerchant;
  let b: TestMerchant;
  let refundedA: Order;
  /** Paid at the sandbox, whose notification never came: still PENDING here. */
  let silent: Order;
  /** Paid, not refunded: the operator refunds part of it. */
  let paid: Order;

  async function paidOrder(m: TestMerchant, amount: number): Promise<Order> {
    const order = await createOrder(t, m, { amount });
    expect((await payOrder(t, order)).status).toBeLessThan(300);
    return waitForStatus(t, m.token, order.order_id, 'SUCCEEDED');
  }

  beforeAll(async () => {
    t = await startConsoleApp();
    admin = await t.adminToken();
    await createSandboxChannel(t, {}, { notify_delay_ms: 0 });
    await createSandboxChannel(
      t,
      { code: 'sandbox_silent', priority: -1 },
      { notify_drop_rate: 1 },
    );
    a = await createMerchant(t, { name: 'Refund Shop A' });
    b = await createMerchant(t, { name: 'Refund Shop B' });
    refundedA = await paidOrder(a, 1000);
    const refundedB = await paidOrder(b, 5000);
    for (const [m, order, amount] of [
      [a, refundedA, 123],
      [b, refundedB, 4567],
    ] as const) {
      await request(t.url)
        .post(`/v1/payments/${order.order_id}/refunds`)
        .set(bearer(m.token))
        .send({ amount })
        .expect(201);
    }
    await eventually(
      async () => {
        const res = await request(t.url).get('/v1/refunds?status=SUCCEEDED').set(bearer(admin));
        return res.body.data.items.length === 2;
      },
      20_000,
      'both refunds to succeed',
    );
    silent = await createOrder(t, a, { amount: 880, channel: 'sandbox_silent' });
    expect((await payOrder(t, silent)).status).toBeLessThan(300);
    paid = await paidOrder(a, 2000);
    browser = await launchChromium();
    tab = await openConsoleTab(browser, t);
    await logInThroughPage(tab.page, t, CONSOLE_OWNER_EMAIL, CONSOLE_OWNER_PASSWORD);
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  afterEach(() => {
    expect(tab.problems).toEqual([]);
    expect(tab.external).toEqual([]);
  });

  it('lists the refunds made through the API with their amounts, and filters by merchant', async () => {
    const { page } = tab;
    await page
      .locator('.el-menu-item')
      .filter({ hasText: /^退款$/ })
      .click();
    await page.waitForURL(/\/console\/operator\/refunds$/);
    await page.getByRole('heading', { name: '退款' }).waitFor();
    await page.locator('[data-test="refund-amount"]').nth(1).waitFor();
    const all = await rows(page);
    expect(all).toHaveLength(2);
    // newest first: B's refund was made last
    expect(all[0]).toContain('45.67 CNY');
    expect(all[0]).toContain(String(b.sourceId));
    expect(all[1]).toContain('1.23 CNY');
    expect(all[1]).toContain(refundedA.order_id);
    expect(all.every((r) => r.includes('退款成功'))).toBe(true);

    await page.locator('#filter-source').fill(String(a.sourceId));
    await page.locator('[data-test="filter-apply"]').click();
    await page
      .locator('.el-table__row')
      .filter({ hasText: '45.67' })
      .waitFor({ state: 'detached' });
    const onlyA = await rows(page);
    expect(onlyA).toHaveLength(1);
    expect(onlyA[0]).toContain('1.23 CNY');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'operator-refunds.zh-CN');

    // a merchant with no refunds: the table says so
    await page.locator('#filter-source').fill('999999');
    await page.locator('[data-test="filter-apply"]').click();
    await page.locator('.el-table__empty-text').waitFor();
    expect(await rows(page)).toEqual([]);

    await page.locator('#filter-source').fill('');
    await page.locator('[data-test="filter-apply"]').click();
    await page.locator('[data-test="refund-amount"]').nth(1).waitFor();
    await switchLanguage(page, 'English');
    await page.getByRole('heading', { name: 'Refunds' }).waitFor();
    await page.getByRole('cell', { name: 'Refunded' }).first().waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'operator-refunds.en');
    await switchLanguage(page, '简体中文');
    await page.getByRole('heading', { name: '退款' }).waitFor();
  });

  it("opens the refunded order's drawer from a row", async () => {
    const { page } = tab;
    await page.goto(`${t.url}/console/operator/refunds`);
    const row = page.locator('.el-table__row').filter({ hasText: refundedA.order_id });
    await row.locator('[data-test="refund-order"]').click();
    const drawer = page.locator('[data-test="payment-drawer"]');
    await drawer.locator('[data-test="timeline"]').waitFor();
    await expect(drawer.locator('.el-drawer__title').innerText()).resolves.toBe(refundedA.order_id);
    // the order's refunded amount, as the API holds it
    await drawer.getByText('1.23 CNY').first().waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'operator-refunds-drawer.zh-CN');
    await page.locator('.el-drawer__close-btn').click();
    await drawer.waitFor({ state: 'hidden' });
  });

  it('sync now turns an order whose notification was dropped SUCCEEDED in the drawer', async () => {
    const { page } = tab;
    expect((await getOrder(t, admin, silent.order_id)).status).toBe('PENDING');
    const drawer = await openOrderDrawer(page, t, silent.order_id);
    await drawer.locator('.el-tag').filter({ hasText: '待支付' }).waitFor();
    await drawer.locator('[data-test="order-sync"]').click();
    await drawer.locator('.el-tag').filter({ hasText: '支付成功' }).waitFor();
    expect(await drawer.locator('[data-test="order-sync"]').count()).toBe(0);
    const order = await getOrder(t, admin, silent.order_id);
    expect(order).toMatchObject({ status: 'SUCCEEDED', amount: 880 });
    const events = await request(t.url)
      .get(`/v1/events?order_id=${silent.order_id}&type=payment.succeeded`)
      .set(bearer(admin));
    expect(events.body.data.items).toHaveLength(1);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'operator-sync-now.zh-CN');
    await page.locator('.el-drawer__close-btn').click();
  });

  it('refunds 0.07 of an order from the drawer: 7 minor units at the API', async () => {
    const { page } = tab;
    const drawer = await openOrderDrawer(page, t, paid.order_id);
    await drawer.locator('[data-test="refund-form"]').waitFor();
    await page.locator('#refund-amount').fill('0.07');
    await page.locator('#refund-reason').fill('one sticker missing');
    await drawer.locator('[data-test="refund-submit"]').click();
    const refunded = await eventually(
      async () => {
        const o = await getOrder(t, admin, paid.order_id);
        return o.status === 'PARTIALLY_REFUNDED' && o.refunded_amount === 7 ? o : undefined;
      },
      20_000,
      'the partial refund',
    );
    expect(refunded.amount).toBe(2000);
    const list = await request(t.url)
      .get(`/v1/refunds?order_id=${paid.order_id}`)
      .set(bearer(admin))
      .expect(200);
    expect(list.body.data.items).toMatchObject([
      { amount: 7, currency: 'CNY', reason: 'one sticker missing', source_id: a.sourceId },
    ]);
    await page.locator('.el-drawer__close-btn').click();
    // the refunds page shows it too
    await page.goto(`${t.url}/console/operator/refunds`);
    await page.locator('.el-table__row').filter({ hasText: '0.07 CNY' }).waitFor();
  });

  it('a viewer sees no Sync now or Refund button, and the API refuses both', async () => {
    const viewer = await consolePerson(t, { scope: 'operator', role: 'viewer' });
    const own = await openConsoleTab(browser, t);
    const { page } = own;
    await logInThroughPage(page, t, viewer.email, viewer.password);
    const pending = await createOrder(t, a, { amount: 300, channel: 'sandbox_silent' });
    let drawer = await openOrderDrawer(page, t, pending.order_id);
    await drawer.locator('.el-tag').filter({ hasText: '待支付' }).waitFor();
    expect(await drawer.locator('[data-test="order-sync"]').count()).toBe(0);
    expect(await drawer.locator('[data-test="order-close"]').count()).toBe(0);
    await page.locator('.el-drawer__close-btn').click();
    drawer = await openOrderDrawer(page, t, paid.order_id);
    expect(await drawer.locator('[data-test="refund-form"]').count()).toBe(0);
    // the viewer still reads the refunds page
    await page.goto(`${t.url}/console/operator/refunds`);
    await page.locator('[data-test="refund-amount"]').first().waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    for (const path of [
      `/v1/payments/${pending.order_id}/sync`,
      `/v1/payments/${paid.order_id}/refunds`,
    ]) {
      const res = await viewer.browser.call('post', path).send({ amount: 1 });
      expect({ path, status: res.status }).toEqual({ path, status: 403 });
    }
    expect((await getOrder(t, admin, pending.order_id)).status).toBe('PENDING');
    expect(own.problems).toEqual([]);
    await own.context.close();
  });
});
