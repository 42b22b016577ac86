import request from 'supertest';
import { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser';
import { CONSOLE_OWNER_EMAIL, CONSOLE_OWNER_PASSWORD } from '../helpers/console';
import {
  ConsoleTab,
  logInThroughPage,
  openConsoleTab,
  screenshot,
  seriousAxeViolations,
  startConsoleApp,
  switchLanguage,
} from '../helpers/console-browser';
import { createOrder, createSandboxChannel, payOrder, waitForStatus } from '../helpers/payments';
import { testEngine } from '../helpers/scratch-database';
import { bearer, createMerchant, TestApp, TestMerchant } from '../helpers/test-app';

/** Waits until the KPI card shows exactly `value` (fails after the default 30 s). */
function kpi(page: Page, card: string, value: string): Promise<void> {
  return page
    .locator(`[data-test="kpi-${card}"] [data-test="kpi-value"]`)
    .filter({ hasText: new RegExp(`^${value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) })
    .waitFor();
}

/**
 * The operator side of the web console in Debian's Chromium, against the production build
 * (`npm run test:browser` builds it once when stale) and the engine of TEST_DATABASE_URL.
 */
describe(`console, operator side (${testEngine()})`, () => {
  let t: TestApp;
  let browser: Browser;
  let tab: ConsoleTab;
  let merchant: TestMerchant;

  beforeAll(async () => {
    t = await startConsoleApp();
    merchant = await createMerchant(t, { name: 'Browser Shop' });
    await createSandboxChannel(t);
    // today: three paid orders (12.34 + 100.00 + 0.66 = 113.00 CNY), one failed, one pending
    for (const amount of [1234, 10000, 66]) {
      const order = await createOrder(t, merchant, { amount });
      expect((await payOrder(t, order)).status).toBeLessThan(300);
      await waitForStatus(t, merchant.token, order.order_id, 'SUCCEEDED');
    }
    const failed = await createOrder(t, merchant, { amount: 500 });
    await payOrder(t, failed, 'fail');
    await waitForStatus(t, merchant.token, failed.order_id, 'FAILED');
    await createOrder(t, merchant, { amount: 700 });
    browser = await launchChromium();
    tab = await openConsoleTab(browser, t);
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  afterEach(() => {
    expect(tab.problems).toEqual([]);
    expect(tab.external).toEqual([]);
  });

  it('an operator owner logs in and sees today’s figures of the orders made through the API', async () => {
    const { page } = tab;
    await logInThroughPage(page, t, CONSOLE_OWNER_EMAIL, CONSOLE_OWNER_PASSWORD);
    await page.waitForURL(/\/console\/operator\/overview$/);
    await kpi(page, 'amount', '113.00 CNY');
    await kpi(page, 'count', '5');
    // 3 succeeded of 4 decided (the pending one is not decided)
    await kpi(page, 'rate', '75.0%');
    await expect(page.getByRole('heading', { name: '概览' })).toBeTruthy();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'operator-overview.zh-CN');
  });

  it('switches to English and remembers it for this user after signing in again', async () => {
    const { page } = tab;
    await switchLanguage(page, 'English');
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await expect(page.locator('[data-test="kpi-amount"]').innerText()).resolves.toContain(
      'Paid today',
    );
    await screenshot(page, 'operator-overview.en');
    // sign out through the user menu
    await page.locator('[data-test="user-menu"]').click();
    await page.locator('[data-test="logout"]').click();
    await page.waitForURL(/\/console\/login/);
    expect((await tab.context.cookies()).find((c) => c.name === 'paygate_session')).toBeUndefined();
    await switchLanguage(page, '简体中文');
    await logInThroughPage(page, t, CONSOLE_OWNER_EMAIL, CONSOLE_OWNER_PASSWORD);
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
  });

  it('a new account must change its password before anything else', async () => {
    const admin = await t.adminToken();
    const email = `first-login-${Date.now()}@example.com`;
    const initial = 'initial password for the test 1';
    const created = await request(t.url)
      .post('/v1/console/users')
      .set(bearer(admin))
      .send({ email, name: 'First Login', scope: 'operator', role: 'viewer', password: initial });
    expect(created.status).toBe(201);

    const own = await openConsoleTab(browser, t);
    const { page } = own;
    await logInThroughPage(page, t, email, initial);
    await page.waitForURL(/\/console\/password$/);
    await screenshot(page, 'password-first-login.zh-CN');
    // the menu offers nothing until the password is changed
    await expect(page.locator('.el-menu-item').count()).resolves.toBe(0);
    await page.locator('#pw-current').fill(initial);
    await page.locator('#pw-new').fill('short');
    await page.locator('#pw-repeat').fill('short');
    await page.locator('[data-test="password-submit"]').click();
    // the API's own message, with its request id
    await page.locator('[data-test="request-id"]').waitFor();
    await expect(page.locator('.api-error').innerText()).resolves.toContain('weak_password');

    const chosen = 'a much better password for the viewer 2';
    await page.locator('#pw-new').fill(chosen);
    await page.locator('#pw-repeat').fill(chosen);
    await page.locator('[data-test="password-submit"]').click();
    await page.waitForURL(/\/console\/operator\/overview$/);
    expect(await seriousAxeViolations(page)).toEqual([]);
    expect(own.problems).toEqual([]);
    await own.context.close();
  });

  it('a wrong password shows the API’s message and request id, and stays on the login page', async () => {
    const own = await openConsoleTab(browser, t);
    const { page } = own;
    await page.goto(`${t.url}/console/operator/overview`);
    await page.waitForURL(/\/console\/login\?redirect=/);
    await page.locator('#login-email').fill(CONSOLE_OWNER_EMAIL);
    await page.locator('#login-password').fill('not the password at all');
    await page.locator('[data-test="login-submit"]').click();
    await page.locator('[data-test="request-id"]').waitFor();
    await expect(page.locator('.api-error').innerText()).resolves.toContain('invalid_credentials');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'login-error.zh-CN');
    expect(own.problems).toEqual([]);
    await own.context.close();
  });
});
