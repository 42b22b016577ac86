import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser';
import { createOrder, createSandboxChannel, waitForStatus } from '../helpers/payments';
import { createMerchant, startTestApp, TestApp, TestMerchant } from '../helpers/test-app';

/** Screenshots for a person to look at when this fails (or passes); not committed. */
const ARTIFACTS = join(__dirname, '..', '..', 'test-artifacts');

/**
 * What an integrator does with the served documentation, in Debian's Chromium: Swagger UI's
 * "Authorize" and "Try it out" create a real order; the reference shows the Python sample of
 * 订单创建 and the error code table. No request leaves the machine (the pages load only this
 * server's files).
 */
describe('documentation in a browser', () => {
  let t: TestApp;
  let merchant: TestMerchant;
  let browser: Browser;
  let page: Page;
  const external: string[] = [];
  /** What a page's Content-Security-Policy blocked that the page needed (Redoc's logo aside). */
  const blocked: string[] = [];

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    t = await startTestApp();
    merchant = await createMerchant(t);
    await createSandboxChannel(t);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    // what reached the page from elsewhere (Redoc's footer logo is asked for, and refused by
    // the page's Content-Security-Policy, so it never gets a response)
    page.on('console', (message) => {
      const text = message.text();
      if (/Content Security Policy/i.test(text) && !/redocly|redoc\.ly/i.test(text)) {
        blocked.push(`${page.url()}: ${text}`);
      }
    });
    page.on('response', (response) => {
      const url = response.url();
      if (!url.startsWith(t.url) && !url.startsWith('data:') && !url.startsWith('blob:')) {
        external.push(url);
      }
    });
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('Swagger UI: Authorize with a bearer token, then Try it out on 订单创建 creates an order', async () => {
    await page.goto(`${t.url}/docs`);
    await page.locator('button.authorize').first().click();
    const bearerForm = page
      .locator('.modal-ux .auth-container')
      .filter({ hasText: '(http, Bearer)' });
    await bearerForm.locator('#auth-bearer-value').fill(merchant.token);
    await bearerForm.locator('button.authorize').click();
    await bearerForm.locator('button', { hasText: 'Logout' }).waitFor();
    await page.locator('.modal-ux button.close-modal').click();

    const operation = page.locator('.opblock').filter({
      has: page.locator('.opblock-summary-path[data-path="/v1/payments/create"]'),
    });
    await operation.locator('.opblock-summary').click();
    await operation.getByRole('button', { name: 'Try it out' }).click();
    const body = operation.locator('textarea.body-param__text');
    const example = JSON.parse(await body.inputValue()) as Record<string, unknown>;
    expect(example).toMatchObject({ product_id: '123', product_name: 'apple', amount: 1000 });
    await body.fill(JSON.stringify({ ...example, source_id: merchant.sourceId }, null, 2));
    await operation.getByRole('button', { name: 'Execute' }).click();

    const live = operation.locator('.live-responses-table .response');
    await live.locator('.response-col_status', { hasText: '201' }).waitFor();
    await expect(live.locator('.response-col_description').first().innerText()).resolves.toContain(
      '"code": "0000"',
    );
    await live.first().scrollIntoViewIfNeeded();
    await page.screenshot({
      path: join(ARTIFACTS, 'swagger-ui-create-order.png'),
      fullPage: false,
    });

    // the order the page made is really there
    const orders = await t.http
      .get('/v1/payments')
      .set('authorization', `Bearer ${merchant.token}`);
    expect(orders.body.data.items).toHaveLength(1);
  });

  it('the reference: the Python tab of 订单创建 posts to /v1/payments/create; 错误代码 lists 429', async () => {
    await page.goto(`${t.url}/reference`);
    const create = page.locator('[data-section-id$="Payments_create"]').first();
    await create.waitFor();
    await create.scrollIntoViewIfNeeded();
    await create.getByRole('tab', { name: 'Python', exact: true }).click();
    const sample = create
      .locator('[role="tabpanel"]:visible')
      .filter({ hasText: 'import requests' });
    const python = await sample.first().innerText();
    expect(python).toContain(`url = "${t.url}/v1/payments/create"`);
    expect(python).toContain('requests.post(url');
    await page.screenshot({ path: join(ARTIFACTS, 'reference-create-order-python.png') });

    await page.locator('[role="menuitem"] >> text=错误代码').first().click();
    const errors = page.locator('[data-section-id="tag/错误代码"]');
    await errors.waitFor();
    await expect(errors.innerText()).resolves.toContain('429');
    await expect(errors.innerText()).resolves.toContain('rate_limited');
    await errors.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(ARTIFACTS, 'reference-error-codes.png') });

    // the sequence diagram was drawn by the Mermaid bundle this server serves
    await expect(page.locator('#redoc .mermaid svg').count()).resolves.toBe(1);
    expect(external).toEqual([]);
  });

  it('the sandbox pay page works under its Content-Security-Policy, and no page needed more', async () => {
    const order = await createOrder(t, merchant);
    await page.goto(order.pay_url);
    await page.getByRole('button', { name: 'Pay' }).click();
    await page.getByText('Payment succeeded').waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'sandbox-pay-result.png') });
    await waitForStatus(t, merchant.token, order.order_id, 'SUCCEEDED');
    expect(blocked).toEqual([]);
  });
});
