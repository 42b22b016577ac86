import { Browser } from 'playwright-core';
import { launchChromium } from '../helpers/browser';
import { UnionpayFake } from '../fakes/unionpay-fake';
import { unionpayChannelConfig, unionpayTestPki } from '../fakes/unionpay-pki';
import { createOrder, createProviderChannel } from '../helpers/payments';
import { createMerchant, startTestApp, TestApp, TestMerchant } from '../helpers/test-app';

const MER_ID = '777290058110097';

/**
 * The UnionPay gateway pay page in Debian's Chromium: under its Content-Security-Policy (no
 * inline script, posting only to the channel's gateway) it posts the signed form by itself,
 * and the local UnionPay fake accepts its signature and shows its cashier.
 */
describe('UnionPay pay page in a browser', () => {
  let t: TestApp;
  let m: TestMerchant;
  let fake: UnionpayFake;
  let browser: Browser;
  const pki = unionpayTestPki();

  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_PER_SECOND: '10000' });
    fake = await UnionpayFake.start(pki.signing, { merId: MER_ID, certPem: pki.merchant.pem });
    await createProviderChannel(t, 'unionpay', 'up_web', unionpayChannelConfig(pki, fake.url));
    m = await createMerchant(t);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await fake?.close();
  });

  it.each([
    ['a desktop browser', '07', 'Mozilla/5.0 (X11; Linux x86_64) Chrome/130.0 Safari/537.36'],
    ['a phone', '08', 'Mozilla/5.0 (Linux; Android 14; Pixel 8) Chrome/130.0 Mobile Safari/537.36'],
  ])(
    '%s is taken to UnionPay with a form UnionPay accepts (channelType %s)',
    async (_who, channelType, userAgent) => {
      const order = await createOrder(t, m, { amount: 1234 });
      const context = await browser.newContext({ userAgent });
      const page = await context.newPage();
      const violations: string[] = [];
      page.on('console', (message) => {
        if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
      });
      try {
        await page.goto(order.pay_url);
        await page.waitForURL(`${fake.url}/gateway/api/frontTransReq.do`);
        await page.getByText(`金额 1234 分`).waitFor();
      } finally {
        await context.close();
      }
      expect(violations).toEqual([]);
      const call = fake.calls.find(
        (c) => c.fields.orderId === order.order_id.replace(/^ord_/, ''),
      )!;
      expect(call).toMatchObject({
        path: '/gateway/api/frontTransReq.do',
        fields: expect.objectContaining({ txnAmt: '1234', channelType }),
      });
    },
  );
});
