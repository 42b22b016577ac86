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
    // the outcome donut and the channel bars are drawn from the same orders (SVG text)
    const donut = page.locator('[data-test="outcomes"] svg');
    await donut.locator('text').filter({ hasText: '支付成功' }).first().waitFor();
    const drawn = await donut.textContent();
    expect(drawn).toContain('支付成功: 3');
    expect(drawn).toContain('支付失败: 1');
    expect(drawn).toContain('待支付: 1');
    await page
      .locator('[data-test="channel-health"] tr')
      .filter({ hasText: 'sandbox_main' })
      .filter({ hasText: '正常' })
      .waitFor();
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

  it('creates a merchant through the form: its secrets shown once, then its page', async () => {
    const { page } = tab;
    await page.goto(`${t.url}/console/operator/merchants`);
    await page.locator('[data-test="merchant-create"]').click();
    await page.locator('#merchant-name').fill('Form Made Shop');
    await page.locator('[data-test="merchant-create-submit"]').click();
    const dialog = page.locator('[data-test="secrets-dialog"]');
    const secret = await dialog.locator('[data-test="secret-client-secret"]').innerText();
    const clientId = await dialog.locator('[data-test="secret-client-id"]').innerText();
    const sourceId = Number(await dialog.locator('[data-test="secret-source-id"]').innerText());
    // the secret shown works: it gets a token
    const token = await request(t.url)
      .post('/v1/auth/token')
      .send({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret });
    expect(token.status).toBe(200);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'operator-merchant-created');
    await dialog.locator('[data-test="secrets-done"]').click();
    await page.getByRole('cell', { name: 'Form Made Shop' }).click();
    await page.waitForURL(new RegExp(`/console/operator/merchants/${sourceId}$`));
    await page.locator('[data-test="credentials"]').getByText(clientId).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'operator-merchant');
  });

  it('adds a sandbox channel through the form and dry-runs routing', async () => {
    const { page } = tab;
    await page.goto(`${t.url}/console/operator/channels`);
    await page.locator('[data-test="channel-create"]').click();
    const form = page.locator('[data-test="channel-form"]');
    await form.locator('#channel-code').fill('sandbox_form');
    await form.locator('#channel-name').fill('Sandbox from the form');
    await form.locator('[data-test="config-latency_ms"]').fill('5');
    // a maximum of 50.00 CNY, typed in major units
    await form.locator('#channel-max-amount').fill('50');
    await form.locator('[data-test="channel-save"]').click();
    await page.getByRole('cell', { name: 'sandbox_form', exact: true }).waitFor();
    const created = await request(t.url)
      .get('/v1/channels/sandbox_form')
      .set(bearer(await t.adminToken()));
    expect(created.body.data).toMatchObject({
      provider: 'sandbox',
      max_amount: 5000,
      config: { latency_ms: 5 },
    });
    // the sandbox secret was generated and is only shown masked
    expect(String(created.body.data.config.secret)).toMatch(/^\*{4}/);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'operator-channels');

    // 80.00 CNY: over the new channel's maximum, so only sandbox_main may take it
    await page.locator('#dry-amount').fill('80');
    await page.locator('#dry-source').fill(String(merchant.sourceId));
    await page.locator('[data-test="dry-run-submit"]').click();
    const candidates = page.locator('[data-test="candidates"]');
    await candidates.getByRole('cell', { name: 'sandbox_main', exact: true }).waitFor();
    await candidates.getByRole('cell', { name: '100.0%' }).waitFor();
    const excluded = page.locator('[data-test="excluded"]');
    await excluded.getByRole('cell', { name: 'sandbox_form', exact: true }).waitFor();
    await excluded.getByText('(amount_range)').waitFor();
    await screenshot(page, 'operator-routing-dry-run');
  });

  it('lists payments with their filters, the CSV link following them, and opens an order', async () => {
    const { page } = tab;
    await page.goto(`${t.url}/console/operator/payments`);
    await page.locator('[data-test="total"]').filter({ hasText: /^5$/ }).waitFor();
    await page.locator('#filter-min').fill('12.34');
    await page.locator('#filter-max').fill('12.34');
    await page.locator('[data-test="filter-apply"]').click();
    await page.locator('[data-test="total"]').filter({ hasText: /^1$/ }).waitFor();
    const href = await page.locator('[data-test="export"]').getAttribute('href');
    expect(href).toContain('amount_min=1234&amount_max=1234');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'operator-payments');

    // the drawer: the order's timeline, and the refund form for a paid order
    await page.locator('.el-table__row').first().locator('button').first().click();
    const drawer = page.locator('[data-test="payment-drawer"]');
    await drawer.locator('[data-test="timeline"]').waitFor();
    await drawer.locator('[data-test="refund-form"]').waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'operator-payment-drawer');
  });

  it('a viewer sees no action buttons, and the API refuses the actions anyway', async () => {
    const viewer = await consolePerson(t, { scope: 'operator', role: 'viewer' });
    const own = await openConsoleTab(browser, t);
    const { page } = own;
    await logInThroughPage(page, t, viewer.email, viewer.password);
    await page.goto(`${t.url}/console/operator/merchants`);
    await page.locator('.el-table__row').first().waitFor();
    expect(await page.locator('[data-test="merchant-create"]').count()).toBe(0);
    await page.goto(`${t.url}/console/operator/channels`);
    await page.getByRole('cell', { name: 'sandbox_main', exact: true }).waitFor();
    expect(await page.locator('[data-test="channel-create"]').count()).toBe(0);
    expect(await page.getByRole('button', { name: /^(Delete|删除)$/ }).count()).toBe(0);
    await page.goto(`${t.url}/console/operator/payments`);
    await page.locator('.el-table__row').first().waitFor();
    expect(await page.locator('[data-test="export"]').count()).toBe(0);
    await page.locator('.el-table__row').first().locator('button').first().click();
    await page.locator('[data-test="timeline"]').waitFor();
    expect(await page.locator('[data-test="refund-form"]').count()).toBe(0);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'operator-payments-viewer');
    // the server decides, not the hidden buttons
    for (const [method, path] of [
      ['post', '/v1/merchants'],
      ['post', '/v1/channels'],
      ['delete', '/v1/channels/sandbox_main'],
    ] as const) {
      const res = await viewer.browser
        .call(method, path)
        .send({ name: 'x', code: 'x_y', provider: 'sandbox' });
      expect({ method, path, status: res.status }).toEqual({ method, path, status: 403 });
    }
    expect(own.problems).toEqual([]);
    await own.context.close();
  });
});
