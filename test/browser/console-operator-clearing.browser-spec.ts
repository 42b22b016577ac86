import { readFileSync } from 'node:fs';
import { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser';
import {
  billWithLines,
  listBills,
  middayTimeZone,
  paidOrder,
  parseCsv,
  refundOrder,
  today,
} from '../helpers/clearing';
import {
  consolePerson,
  CONSOLE_OWNER_EMAIL,
  CONSOLE_OWNER_PASSWORD,
  SETUP_TIMEOUT_MS,
} from '../helpers/console';
import {
  ConsoleTab,
  logInThroughPage,
  openConsoleTab,
  screenshot,
  seriousAxeViolations,
  startConsoleApp,
  switchLanguage,
} from '../helpers/console-browser';
import { createOrder, createSandboxChannel, Order, sandboxNotification } from '../helpers/payments';
import { testEngine } from '../helpers/scratch-database';
import { createMerchant, TestApp, TestMerchant } from '../helpers/test-app';

const FEE_RATE_BPS = 60;

/** round_half_up(n / d) of positive integers, without a float. */
function halfUp(n: number, d: number): number {
  return Math.floor((2 * n + d) / (2 * d));
}

/** "123.45 CNY", as MoneyText writes an amount of minor units. */
function cny(minor: number): string {
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')} CNY`;
}

/**
 * The operator's clearing pages (账单, 对账) in Debian's Chromium against the production build
 * and the engine of TEST_DATABASE_URL: orders paid and refunded through the API on a sandbox
 * channel are cleared from the Bills page, their bill read, opened and downloaded, and the
 * sandbox's statement reconciled, with one discrepancy made through a notification.
 */
describe(`console, operator clearing pages (${testEngine()})`, () => {
  let t: TestApp;
  let browser: Browser;
  let tab: ConsoleTab;
  let merchant: TestMerchant;
  let date: string;
  const paid: Order[] = [];
  let refunded: { order_id: string; amount: number; refund_id: string };
  let mismatched: Order;
  let billId: string;

  beforeAll(async () => {
    // midday in the settlement zone: every movement lands on one date however late the run
    t = await startConsoleApp({ SETTLEMENT_TZ: middayTimeZone() });
    date = today(t);
    merchant = await createMerchant(t, { name: 'Clearing Browser Shop' });
    await createSandboxChannel(t, { fee_rate_bps: FEE_RATE_BPS });
    for (const amount of [12345, 10000, 2050]) paid.push(await paidOrder(t, merchant, { amount }));
    const refund = await refundOrder(t, merchant, paid[1].order_id, 3000);
    refunded = { order_id: paid[1].order_id, amount: 3000, refund_id: refund.refund_id };
    // a notification with another amount than the order's: kept for reconciliation, not applied
    mismatched = await createOrder(t, merchant, { amount: 700 });
    const notified = await sandboxNotification(t, 'sandbox_main', {
      type: 'payment',
      order_id: mismatched.order_id,
      trade_no: 'T-browser-mismatch',
      status: 'SUCCEEDED',
      amount: 1,
      currency: 'CNY',
    });
    expect(notified.status).toBe(200);
    browser = await launchChromium();
    tab = await openConsoleTab(browser, t);
    await logInThroughPage(tab.page, t, CONSOLE_OWNER_EMAIL, CONSOLE_OWNER_PASSWORD);
  }, SETUP_TIMEOUT_MS);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  afterEach(() => {
    expect(tab.problems).toEqual([]);
    expect(tab.external).toEqual([]);
  });

  /** What the test expects on the merchant's bill, from the amounts it paid and refunded. */
  function expectedBill() {
    const paymentAmount = paid.reduce((sum, o) => sum + o.amount, 0);
    const feeOf = (amount: number) => halfUp(amount * FEE_RATE_BPS, 10_000);
    const paymentFees = paid.reduce((sum, o) => sum + feeOf(o.amount), 0);
    const refundedOrder = paid.find((o) => o.order_id === refunded.order_id)!;
    const feeBack = halfUp(feeOf(refundedOrder.amount) * refunded.amount, refundedOrder.amount);
    const fee = paymentFees - feeBack;
    return {
      paymentAmount,
      refundAmount: refunded.amount,
      fee,
      net: paymentAmount - refunded.amount - fee,
    };
  }

  async function chooseDate(page: Page, input: string, value: string): Promise<void> {
    await page.locator(input).fill(value);
    await page.locator(input).press('Enter');
  }

  it('runs clearing for today from the Bills page: a confirmation, then today marked provisional', async () => {
    const { page } = tab;
    await page.goto(`${t.url}/console/operator/bills`);
    await page.getByRole('heading', { name: '账单', exact: true }).waitFor();
    await chooseDate(page, '#bills-day', date);
    await page.waitForURL(new RegExp(`date=${date}$`));
    const cell = page.locator(`[data-test="day-${date}"]`);
    // nothing cleared yet: no mark, no bills
    await page.locator('[data-test="day-run-table"]').getByText('这一天还没有清算过。').waitFor();
    await expect(cell.locator('[data-test="day-bills"]').count()).resolves.toBe(0);

    await page.locator('[data-test="run-clearing"]').click();
    const box = page.locator('.el-message-box');
    await expect(box.innerText()).resolves.toContain(`${date} 尚未结束`);
    await expect(box.innerText()).resolves.toContain('暂定账单');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'operator-bills-run-confirm.zh-CN');
    await box.getByRole('button', { name: '清算此日' }).click();

    const mark = cell.locator('[data-test="day-bills"]');
    await mark.waitFor();
    await expect(mark.getAttribute('data-status')).resolves.toBe('provisional');
    await expect(mark.innerText()).resolves.toContain('暂定');
    await expect(cell.locator('[data-test="day-runs"]').innerText()).resolves.toBe('清算 1 次');
    const runRow = page.locator('[data-test="day-run-table"] .el-table__row');
    await expect(runRow.count()).resolves.toBe(1);
    await expect(runRow.innerText()).resolves.toContain('手动');
    await expect(runRow.innerText()).resolves.toContain('成功');
  });

  it('shows the merchant’s bill with the amounts the test computes, and its lines', async () => {
    const { page } = tab;
    const expected = expectedBill();
    const [bill] = await listBills(
      t,
      await t.adminToken(),
      `date=${date}&source_id=${merchant.sourceId}`,
    );
    expect(bill).toMatchObject({
      payment_amount: expected.paymentAmount,
      refund_amount: expected.refundAmount,
      fee_amount: expected.fee,
      net_amount: expected.net,
      status: 'provisional',
    });
    billId = bill.bill_id;

    const row = page
      .locator('[data-test="bill-table"] .el-table__row')
      .filter({ hasText: String(merchant.sourceId) });
    await row.waitFor();
    await expect(row.locator('[data-test="bill-payment"]').innerText()).resolves.toBe(
      cny(expected.paymentAmount),
    );
    await expect(row.locator('[data-test="bill-refund"]').innerText()).resolves.toBe(
      cny(expected.refundAmount),
    );
    await expect(row.locator('[data-test="bill-fee"]').innerText()).resolves.toBe(
      cny(expected.fee),
    );
    await expect(row.locator('[data-test="bill-net"]').innerText()).resolves.toBe(
      cny(expected.net),
    );
    await expect(row.locator('[data-test="bill-status"]').innerText()).resolves.toBe('暂定');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'operator-bills-cleared.zh-CN');

    await row.locator('[data-test="bill-lines"]').click();
    const dialog = page.locator('[data-test="bill-lines-dialog"]');
    await dialog.locator('.el-table__row').first().waitFor();
    const lines = dialog.locator('.el-table__row');
    // three payments and one refund
    await expect(lines.count()).resolves.toBe(4);
    for (const order of paid) {
      await dialog.getByText(order.order_id).first().waitFor();
    }
    const refundLine = lines.filter({ hasText: refunded.refund_id });
    await expect(refundLine.innerText()).resolves.toContain('退款');
    await expect(refundLine.innerText()).resolves.toContain(cny(-refunded.amount));
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'operator-bill-lines.zh-CN');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
  });

  it('downloads the bill as CSV through the session: named after the bill, rows as the API has them', async () => {
    const { page } = tab;
    const row = page
      .locator('[data-test="bill-table"] .el-table__row')
      .filter({ hasText: String(merchant.sourceId) });
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      row.locator('[data-test="bill-download"]').click(),
    ]);
    expect(download.suggestedFilename()).toBe(`${billId}.csv`);
    const rows = parseCsv(readFileSync((await download.path())!, 'utf8'));
    const { lines } = await billWithLines(t, await t.adminToken(), billId);
    const header = rows[0];
    const body = rows.slice(1).filter((r) => r.length > 1);
    expect(body).toHaveLength(lines.length);
    const column = (r: string[], name: string) => r[header.indexOf(name)];
    expect(
      body.map((r) => [
        Number(column(r, 'line_no')),
        column(r, 'type'),
        column(r, 'order_id'),
        column(r, 'refund_id') || null,
        Number(column(r, 'amount')),
        Number(column(r, 'fee')),
        Number(column(r, 'net')),
      ]),
    ).toEqual(
      lines.map((l) => [l.line_no, l.type, l.order_id, l.refund_id, l.amount, l.fee, l.net]),
    );
  });

  it('reconciles today’s sandbox statement: matched lines, and the mismatched notification', async () => {
    const { page } = tab;
    await page.goto(`${t.url}/console/operator/reconciliation`);
    await page.getByRole('heading', { name: '对账', exact: true }).waitFor();
    await chooseDate(page, '#recon-date', date);
    await page.waitForURL(new RegExp(`date=${date}$`));
    // the only channel is chosen already
    await expect(page.locator('[data-test="recon-channel"]').innerText()).resolves.toContain(
      'sandbox_main',
    );
    // no reconciliation of the date yet
    await page.locator('[data-test="recon-history"] .el-empty').waitFor();
    await page.locator('[data-test="recon-result"] .el-empty').waitFor();
    await page.locator('[data-test="recon-run"]').click();

    // every paid order and the refund are on the statement and agree with the gateway
    const statementLines = paid.length + 1;
    await page
      .locator('[data-test="recon-matched"]')
      .filter({ hasText: new RegExp(`^${statementLines}$`) })
      .waitFor();
    await expect(page.locator('[data-test="recon-lines"]').innerText()).resolves.toBe(
      String(statementLines),
    );
    await expect(page.locator('[data-test="recon-discrepancies"]').innerText()).resolves.toBe('1');
    const discrepancy = page.locator('[data-test="recon-discrepancy-table"] .el-table__row');
    await expect(discrepancy.count()).resolves.toBe(1);
    const text = await discrepancy.innerText();
    expect(text).toContain('金额不符');
    expect(text).toContain('渠道通知');
    expect(text).toContain(mismatched.order_id);
    expect(text).toContain('T-browser-mismatch');
    expect(text).toContain(cny(700));
    expect(text).toContain(cny(1));
    // the chart draws the same counts (SVG text)
    const chart = page.locator('[data-test="recon-chart"] svg');
    await chart.locator('text').filter({ hasText: '已核对一致' }).first().waitFor();
    const drawn = (await chart.locator('text').allTextContents()).map((s) => s.trim());
    expect(drawn).toContain(String(statementLines));
    expect(drawn).toContain('金额不符');
    // the run is in the date's history
    const history = page.locator('[data-test="recon-history"] .el-table__row');
    await expect(history.count()).resolves.toBe(1);
    await expect(history.innerText()).resolves.toContain('sandbox_main');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'operator-reconciliation-result.zh-CN');
  });

  it('in English: the calendar, the bill and a past reconciliation opened from the history', async () => {
    const { page } = tab;
    await switchLanguage(page, 'English');
    await page.goto(`${t.url}/console/operator/bills?date=${date}`);
    await page.getByRole('heading', { name: 'Bills', exact: true }).waitFor();
    const mark = page.locator(`[data-test="day-${date}"] [data-test="day-bills"]`);
    await expect(mark.innerText()).resolves.toContain('Provisional');
    const row = page
      .locator('[data-test="bill-table"] .el-table__row')
      .filter({ hasText: String(merchant.sourceId) });
    await expect(row.locator('[data-test="bill-net"]').innerText()).resolves.toBe(
      cny(expectedBill().net),
    );
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'operator-bills-cleared.en');

    await page.goto(`${t.url}/console/operator/reconciliation?date=${date}`);
    await page.getByRole('heading', { name: 'Reconciliation', exact: true }).waitFor();
    await page.locator('[data-test="recon-view"]').click();
    await page
      .locator('[data-test="recon-matched"]')
      .filter({ hasText: new RegExp(`^${paid.length + 1}$`) })
      .waitFor();
    await expect(
      page.locator('[data-test="recon-discrepancy-table"] .el-table__row').innerText(),
    ).resolves.toContain('Amount mismatch');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'operator-reconciliation-result.en');
    await switchLanguage(page, '简体中文');
  });

  it('an operator viewer sees the marks and results but no run buttons, and the API refuses runs', async () => {
    const viewer = await consolePerson(t, { scope: 'operator', role: 'viewer' });
    const own = await openConsoleTab(browser, t);
    const { page } = own;
    await logInThroughPage(page, t, viewer.email, viewer.password);
    await page.goto(`${t.url}/console/operator/bills?date=${date}`);
    await page.locator(`[data-test="day-${date}"] [data-test="day-bills"]`).waitFor();
    await page.locator('[data-test="bill-lines"]').first().waitFor();
    await expect(page.locator('[data-test="run-clearing"]').count()).resolves.toBe(0);
    await page.goto(`${t.url}/console/operator/reconciliation?date=${date}`);
    await page.locator('[data-test="recon-view"]').waitFor();
    await expect(page.locator('[data-test="recon-run"]').count()).resolves.toBe(0);
    for (const [path, body] of [
      ['/v1/clearing/runs', { date }],
      ['/v1/clearing/reconciliations', { date, channel: 'sandbox_main' }],
    ] as const) {
      const res = await viewer.browser.call('post', path).send(body);
      expect({ path, status: res.status }).toEqual({ path, status: 403 });
    }
    expect(own.problems).toEqual([]);
    await own.context.close();
  });
});
