import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { Browser, Locator, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser';
import { paidOrder } from '../helpers/clearing';
import { CONSOLE_OWNER_EMAIL, CONSOLE_OWNER_PASSWORD, login } from '../helpers/console';
import {
  ConsoleTab,
  logInThroughPage,
  openConsoleTab,
  screenshot,
  seriousAxeViolations,
  startConsoleApp,
  switchLanguage,
} from '../helpers/console-browser';
import { createSandboxChannel, eventually, Order } from '../helpers/payments';
import { testEngine } from '../helpers/scratch-database';
import { bearer, createMerchant, TestApp, TestMerchant } from '../helpers/test-app';
import { WebhookReceiver } from '../helpers/webhook-receiver';

/** The channel's fee: 0.60 %, rounded half up per payment. */
const FEE_BPS = 60;
const feeOf = (amount: number) => Math.floor((amount * FEE_BPS + 5000) / 10000);
/** Minor units as the console shows them: "1,234.50 CNY". */
const cny = (minor: number) =>
  `${String(Math.floor(minor / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${String(minor % 100).padStart(2, '0')} CNY`;

/** Clicks the confirm button of the Element Plus message box now open. */
async function confirmBox(page: Page, text: RegExp): Promise<void> {
  const box = page.locator('.el-message-box');
  await box.filter({ hasText: text }).waitFor();
  await box.locator('.el-message-box__btns .el-button--primary').click();
  await box.waitFor({ state: 'hidden' });
}

/** The row of a table holding `text`. */
function row(scope: Page | Locator, text: string): Locator {
  return scope.locator('.el-table__row').filter({ hasText: text });
}

/** A journal row of this order whose kind tag reads `kind`. */
function entryOf(page: Page, orderId: string, kind: string): Locator {
  return row(page, orderId).filter({
    has: page.locator('.el-tag', { hasText: new RegExp(`^${kind}$`) }),
  });
}

/**
 * The operator's running pages (Webhook events, Ledger, Audit log, System) in Debian's Chromium,
 * against data made through the API: a merchant whose webhook endpoint fails each event's first
 * delivery, paid orders whose ledger balances the test computes, and the admin actions behind them.
 */
describe(`console, operator operations pages (${testEngine()})`, () => {
  let t: TestApp;
  let browser: Browser;
  let tab: ConsoleTab;
  let merchant: TestMerchant;
  let receiver: WebhookReceiver;
  const amounts = [1234, 10000, 5050];
  const orders: Order[] = [];

  beforeAll(async () => {
    receiver = await WebhookReceiver.start((hit) =>
      receiver.hitsFor(String(hit.headers['paygate-event-id'])).length === 1
        ? { status: 500, body: 'not ready yet' }
        : { status: 200, body: 'ok' },
    );
    // deliveries run; a failed one is retried only after an hour, so the redelivery is the operator's
    t = await startConsoleApp({
      JOBS_ENABLED: 'true',
      WEBHOOK_RETRY_SCHEDULE: '3600',
      WEBHOOK_POLL_INTERVAL_MS: '200',
    });
    merchant = await createMerchant(t, { name: 'Ledger Shop', notify_url: receiver.url() });
    await createSandboxChannel(t, { fee_rate_bps: FEE_BPS });
    for (const amount of amounts) orders.push(await paidOrder(t, merchant, { amount }));
    // every payment.succeeded event has had its first, failed, attempt
    await eventually(
      async () => {
        const res = await t.http
          .get(`/v1/events?source_id=${merchant.sourceId}`)
          .set(bearer(await t.adminToken()));
        const items = res.body.data.items as { attempt_count: number }[];
        return items.length === amounts.length && items.every((e) => e.attempt_count === 1)
          ? items
          : undefined;
      },
      20000,
      'the first delivery attempts',
    );
    browser = await launchChromium();
    tab = await openConsoleTab(browser, t);
    await logInThroughPage(tab.page, t, CONSOLE_OWNER_EMAIL, CONSOLE_OWNER_PASSWORD);
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await receiver?.close();
  });

  afterEach(() => {
    expect(tab.problems).toEqual([]);
    expect(tab.external).toEqual([]);
  });

  it('lists webhook events, shows a failed attempt, and redelivers it to a 200', async () => {
    const { page } = tab;
    await page.goto(`${t.url}/console/operator/events`);
    await page.locator('#event-source').fill(String(merchant.sourceId));
    await page.locator('[data-test="filter-apply"]').click();
    const first = orders[0];
    await row(page, first.order_id).waitFor();
    await expect(page.locator('.el-table__row').count()).resolves.toBe(amounts.length);
    // a merchant ID that is not a number is refused by the form, not sent
    await page.locator('#event-source').fill('12a');
    await page.locator('[data-test="filter-apply"]').click();
    await page.getByText('商户号是一个正整数').waitFor();
    await page.locator('#event-source').fill(String(merchant.sourceId));
    await page.locator('#event-order').fill(first.order_id);
    await page.locator('[data-test="filter-apply"]').click();
    await page.locator('.el-table__row').nth(1).waitFor({ state: 'detached' });
    const eventRow = row(page, first.order_id);
    await expect(eventRow.innerText()).resolves.toContain('投递中');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'operator-events.zh-CN');

    await eventRow.locator('button').first().click();
    const drawer = page.locator('[data-test="event-drawer"]');
    await drawer.locator('[data-test="attempt-1-status"]').filter({ hasText: '500' }).waitFor();
    await drawer.getByText('not ready yet').waitFor();
    const payload = JSON.parse(await drawer.locator('[data-test="payload"]').innerText());
    expect(payload).toMatchObject({
      type: 'payment.succeeded',
      data: { order_id: first.order_id, amount: 1234 },
    });
    // the payload shown is the body the merchant received
    const eventId = payload.id as string;
    expect(JSON.parse(receiver.hitsFor(eventId)[0].body)).toEqual(payload);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'operator-event-drawer.zh-CN');

    await drawer.locator('[data-test="redeliver"]').click();
    await confirmBox(page, /notify_url/);
    // the worker sends it within a poll or two; Refresh shows the new attempt
    await eventually(
      async () => {
        await drawer.locator('[data-test="event-refresh"]').click();
        await drawer.locator('.el-table__row').first().waitFor();
        return (await drawer.locator('[data-test="attempt-2-status"]').count()) > 0
          ? true
          : undefined;
      },
      15000,
      'the redelivered attempt',
    );
    await expect(drawer.locator('[data-test="attempt-2-status"]').innerText()).resolves.toBe('200');
    await expect(drawer.locator('[data-test="event-delivery"]').innerText()).resolves.toBe(
      '已送达',
    );
    expect(receiver.hitsFor(eventId).map((h) => h.path)).toEqual(['/hook', '/hook']);
    await screenshot(page, 'operator-event-redelivered.zh-CN');
    await page.keyboard.press('Escape');
    await drawer.waitFor({ state: 'hidden' });
  });

  it('shows the ledger’s balances as the payments add up, and corrects an entry in major units', async () => {
    const { page } = tab;
    const total = amounts.reduce((a, b) => a + b, 0);
    const fees = amounts.map(feeOf).reduce((a, b) => a + b, 0);
    await page.goto(`${t.url}/console/operator/ledger`);
    const receivable = page.locator('[data-test="balances-channel_receivable"]');
    const payable = page.locator('[data-test="balances-merchant_payable"]');
    const feeIncome = page.locator('[data-test="balances-fee_income"]');
    await row(receivable, cny(total)).waitFor();
    await row(payable, `merchant:${merchant.sourceId}:payable`)
      .filter({ hasText: cny(total - fees) })
      .waitFor();
    await row(feeIncome, 'fee_income')
      .filter({ hasText: cny(fees) })
      .waitFor();

    // the journal, filtered to one order, opened onto its balanced lines
    const first = orders[0];
    await page.locator('#journal-order').fill(first.order_id);
    await page.locator('[data-test="journal-apply"]').click();
    const entryRow = entryOf(page, first.order_id, '支付');
    await entryRow.waitFor();
    await expect(
      page.locator('.el-table__row').filter({ hasText: first.order_id }).count(),
    ).resolves.toBe(1);
    await entryRow.locator('.el-table__expand-icon').click();
    const lines = page.locator('[data-test^="lines-"]');
    await lines.waitFor();
    const shown = await lines.innerText();
    expect(shown).toContain(cny(1234));
    expect(shown).toContain(cny(1234 - feeOf(1234)));
    expect(shown).toContain(cny(feeOf(1234)));
    await expect(lines.locator('[data-test="entry-totals"]').innerText()).resolves.toContain(
      '借贷平衡',
    );
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'operator-ledger.zh-CN');

    // correct the entry: 12.00 CNY with a 0.07 fee; a third decimal is refused before sending
    await entryRow.locator('[data-test^="correct-"]').click();
    const dialog = page.locator('[data-test="adjust-dialog"]');
    await expect(dialog.locator('#adjust-amount').inputValue()).resolves.toBe('12.34');
    await expect(dialog.locator('#adjust-fee').inputValue()).resolves.toBe('0.07');
    await dialog.locator('#adjust-amount').fill('12.005');
    await dialog.locator('#adjust-reason').fill('channel statement says 12.00');
    await dialog.locator('[data-test="adjust-submit"]').click();
    await dialog.getByText('小数位数超过该币种').waitFor();
    await dialog.locator('#adjust-amount').fill('12.00');
    await dialog.locator('[data-test="adjust-submit"]').click();
    await dialog.waitFor({ state: 'hidden' });
    // the reversal and the correction are in the journal, and the original offers no more actions
    await entryOf(page, first.order_id, '冲正').waitFor();
    await entryOf(page, first.order_id, '调账').waitFor();
    await expect(entryRow.locator('[data-test^="correct-"]').count()).resolves.toBe(0);
    await row(receivable, cny(total - 34)).waitFor();
    await row(payable, cny(total - fees - 34)).waitFor();
    await row(feeIncome, cny(fees)).waitFor();
    const balances = await t.http
      .get(`/v1/clearing/balances?source_id=${merchant.sourceId}`)
      .set(bearer(await t.adminToken()));
    expect(balances.body.data.items).toEqual([
      expect.objectContaining({ currency: 'CNY', balance: total - fees - 34 }),
    ]);
  });

  it('shows the audit log: who, what, target, when, request id, and the request’s fields', async () => {
    const { page } = tab;
    await page.goto(`${t.url}/console/operator/audit`);
    await page.locator('.el-table__row').first().waitFor();
    await page.locator('#audit-action').fill('merchant.create');
    await page.locator('[data-test="filter-apply"]').click();
    const created = row(page, String(merchant.sourceId));
    await created.waitFor();
    const text = await created.innerText();
    expect(text).toContain('adm_test_bootstrap');
    expect(text).toContain('merchant.create');
    expect(text).toContain('成功');
    expect(text).toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/);
    await created.locator('.el-table__expand-icon').click();
    const detail = page.locator('[data-test^="audit-detail-"]');
    await detail.getByText('Ledger Shop').waitFor();
    expect(await detail.innerText()).not.toContain(merchant.clientSecret);
    // the correction made above, by the owner through the console
    await page.locator('#audit-action').fill('clearing.correct');
    await page.locator('#audit-actor').fill(CONSOLE_OWNER_EMAIL);
    await page.locator('[data-test="filter-apply"]').click();
    await row(page, 'clearing.correct').filter({ hasText: CONSOLE_OWNER_EMAIL }).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'operator-audit.zh-CN');
  });

  it('turns maintenance on (merchants get 503) and off, from the System page', async () => {
    const { page } = tab;
    await page.goto(`${t.url}/console/operator/system`);
    const card = page.locator('[data-test="maintenance"]');
    await card.locator('[data-test="maintenance-state"]').filter({ hasText: '正常服务' }).waitFor();
    await card.locator('#retry-after').fill('120');
    await card.locator('[data-test="maintenance-toggle"]').click();
    await confirmBox(page, /503/);
    await card.locator('[data-test="maintenance-state"]').filter({ hasText: '维护中' }).waitFor();
    const during = await t.http
      .get(`/v1/payments/${orders[1].order_id}`)
      .set(bearer(merchant.token));
    expect({
      status: during.status,
      reason: during.body.reason,
      retry: during.headers['retry-after'],
    }).toEqual({
      status: 503,
      reason: 'maintenance',
      retry: '120',
    });
    await screenshot(page, 'operator-system-maintenance.zh-CN');
    await card.locator('[data-test="maintenance-toggle"]').click();
    await confirmBox(page, /恢复正常/);
    await card.locator('[data-test="maintenance-state"]').filter({ hasText: '正常服务' }).waitFor();
    const after = await t.http
      .get(`/v1/payments/${orders[1].order_id}`)
      .set(bearer(merchant.token));
    expect(after.status).toBe(200);

    // the service block: the version the OpenAPI document names, and metrics open in tests
    const openapi = JSON.parse(readFileSync(join(__dirname, '..', '..', 'openapi.json'), 'utf8'));
    await page.locator('[data-test="version"]').filter({ hasText: openapi.info.version }).waitFor();
    await page.locator('[data-test="metrics-note"]').filter({ hasText: '公开' }).waitFor();
    expect(await page.locator('[data-test="link-docs"]').getAttribute('href')).toBe('/docs');
    expect(await page.locator('[data-test="link-reference"]').getAttribute('href')).toBe(
      '/reference',
    );
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'operator-system.zh-CN');
  });

  it('manages operators: a weak password shows the API’s message; create, change role, delete', async () => {
    const { page } = tab;
    await page.goto(`${t.url}/console/operator/system`);
    const users = page.locator('[data-test="operator-users"]');
    await row(users, CONSOLE_OWNER_EMAIL).waitFor();
    await users.locator('[data-test="user-create"]').click();
    const form = page.locator('[data-test="user-form"]');
    await form.locator('#op-user-email').fill('ops-viewer@example.com');
    await form.locator('#op-user-name').fill('Ops Viewer');
    await form.locator('[data-test="op-user-role"]').click();
    await page.getByRole('option', { name: '管理员' }).click();
    await form.locator('#op-user-password').fill('password');
    await form.locator('[data-test="user-submit"]').click();
    await page.locator('.el-dialog .api-error').filter({ hasText: 'weak_password' }).waitFor();
    await page.locator('.el-dialog [data-test="request-id"]').waitFor();
    const initial = 'a long enough initial password 9';
    await form.locator('#op-user-password').fill(initial);
    await form.locator('[data-test="user-submit"]').click();
    await row(users, 'ops-viewer@example.com').filter({ hasText: '管理员' }).waitFor();

    // change the role to viewer
    await users.locator('[data-test="role-ops-viewer@example.com"]').click();
    await page.getByRole('option', { name: '只读' }).click();
    await eventually(
      async () => {
        const list = await t.http
          .get('/v1/console/users?scope=operator')
          .set(bearer(await t.adminToken()));
        const user = (list.body.data.items as { email: string; role: string }[]).find(
          (u) => u.email === 'ops-viewer@example.com',
        );
        return user?.role === 'viewer' ? user : undefined;
      },
      10000,
      'the role change',
    );

    // a second operator, deleted through the page
    const doomed = await t.http
      .post('/v1/console/users')
      .set(bearer(await t.adminToken()))
      .send({
        email: 'ops-leaver@example.com',
        name: 'Leaver',
        scope: 'operator',
        role: 'admin',
        password: 'another long initial password 4',
      });
    expect(doomed.status).toBe(201);
    await page.reload();
    await users.locator('[data-test="delete-ops-leaver@example.com"]').click();
    await confirmBox(page, /ops-leaver@example.com/);
    await row(users, 'ops-leaver@example.com').waitFor({ state: 'detached' });
    const viewerSession = await login(t, 'ops-viewer@example.com', initial);
    expect(
      (
        await request(t.url).post('/v1/console/session').send({
          email: 'ops-leaver@example.com',
          password: 'another long initial password 4',
        })
      ).status,
    ).toBe(401);
    // the new viewer sets a password of their own, ready for the next test
    const changed = await viewerSession
      .call('put', '/v1/console/session/password')
      .send({ current_password: initial, new_password: 'the viewer chose this password 5' });
    expect(changed.status).toBe(200);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'operator-system-users.zh-CN');
  });

  it('an operator viewer sees the pages it may read, without any action', async () => {
    const own = await openConsoleTab(browser, t);
    const { page } = own;
    await logInThroughPage(page, t, 'ops-viewer@example.com', 'the viewer chose this password 5');
    await page.goto(`${t.url}/console/operator/events`);
    await row(page, orders[2].order_id).locator('button').first().click();
    const drawer = page.locator('[data-test="event-drawer"]');
    await drawer.locator('[data-test="attempt-1-status"]').waitFor();
    expect(await drawer.locator('[data-test="redeliver"]').count()).toBe(0);
    expect(await seriousAxeViolations(page)).toEqual([]);

    await page.goto(`${t.url}/console/operator/ledger`);
    await row(page, orders[2].order_id).waitFor();
    expect(await page.locator('[data-test^="correct-"], [data-test^="reverse-"]').count()).toBe(0);
    expect(await seriousAxeViolations(page)).toEqual([]);

    await page.goto(`${t.url}/console/operator/system`);
    await page.locator('[data-test="maintenance-state"]').waitFor();
    expect(await page.locator('[data-test="maintenance-toggle"]').count()).toBe(0);
    expect(await page.locator('[data-test="operator-users"]').count()).toBe(0);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'operator-system-viewer.zh-CN');

    // the audit log is not in the viewer's menu, and its address shows the forbidden page
    const menu = await page.locator('.el-menu').innerText();
    expect(menu).toContain('通知事件');
    expect(menu).not.toContain('审计日志');
    await page.goto(`${t.url}/console/operator/audit`);
    await page.waitForURL(/\/console\/forbidden$/);
    expect(own.problems).toEqual([]);
    expect(own.external).toEqual([]);
    await own.context.close();
  });

  it('shows the four pages in English', async () => {
    const { page } = tab;
    await switchLanguage(page, 'English');
    for (const [path, heading, name] of [
      ['events', 'Webhook events', 'operator-events'],
      ['ledger', 'Ledger', 'operator-ledger'],
      ['audit', 'Audit log', 'operator-audit'],
      ['system', 'System', 'operator-system'],
    ] as const) {
      await page.goto(`${t.url}/console/operator/${path}`);
      await page.getByRole('heading', { name: heading, exact: true }).waitFor();
      await page.locator('.el-table__row').first().waitFor();
      expect({ path, violations: await seriousAxeViolations(page) }).toEqual({
        path,
        violations: [],
      });
      await screenshot(page, `${name}.en`);
    }
  });
});
