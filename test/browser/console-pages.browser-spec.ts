import { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser';
import { paidOrder, refundOrder, runClearing, today } from '../helpers/clearing';
import {
  CONSOLE_OWNER_EMAIL,
  CONSOLE_OWNER_PASSWORD,
  merchantTeam,
  SETUP_TIMEOUT_MS,
} from '../helpers/console';
import {
  logInThroughPage,
  openConsoleTab,
  screenshot,
  seriousAxeViolations,
  startConsoleApp,
  switchLanguage,
} from '../helpers/console-browser';
import { createSandboxChannel } from '../helpers/payments';
import { testEngine } from '../helpers/scratch-database';
import { createMerchant, TestApp } from '../helpers/test-app';

/** A message key shown instead of its text: `operator.bills.title`, `common.empty`… */
const MESSAGE_KEY = /(?<![\w@./-])(operator|merchant|common)\.[A-Za-z_][\w]*(\.[\w]+)*/;
const CJK = /[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]/;

/** Waits until the page's requests are done and no loading mask is shown. */
async function settle(page: Page): Promise<void> {
  await page.waitForLoadState('networkidle');
  await page.waitForFunction(() => {
    const doc = (
      globalThis as unknown as {
        document: { querySelectorAll: (s: string) => { checkVisibility: () => boolean }[] };
      }
    ).document;
    return Array.from(doc.querySelectorAll('.el-loading-mask')).every((m) => !m.checkVisibility());
  });
  await page.locator('main h1').first().waitFor();
}

/**
 * The page's visible text, but the language picker's (which names the other language) and the
 * data set in monospace: ids, payloads and audited action names such as `merchant.create` are
 * shown as they are stored, never translated.
 */
async function visibleText(page: Page): Promise<string> {
  const text = await page.locator('body').innerText();
  const left = [
    ...(await page.locator('[data-test="locale"]').allInnerTexts()),
    ...(await page.locator('.mono, code, pre').allInnerTexts()),
  ].filter((part) => part.trim() !== '');
  return left.reduce((rest, p) => rest.split(p).join(' '), text);
}

/**
 * Every page of both sides in both languages, as the side menu offers them to an operator
 * owner and a merchant owner (read from the rendered menu, so a page added later is walked
 * too): no message key shown untranslated, no Chinese left in English, no serious axe-core
 * finding, and a screenshot of each (`test-artifacts/console/<side>-<page>.<lang>.png`).
 */
describe(`console, every page in both languages (${testEngine()})`, () => {
  let t: TestApp;
  let browser: Browser;
  const people: Record<'operator' | 'merchant', { email: string; password: string }> = {
    operator: { email: CONSOLE_OWNER_EMAIL, password: CONSOLE_OWNER_PASSWORD },
    merchant: { email: '', password: '' },
  };

  beforeAll(async () => {
    t = await startConsoleApp();
    const merchant = await createMerchant(t, { name: 'Every Page Shop' });
    await createSandboxChannel(t);
    // something on the lists: a paid order, a partial refund, today's bills
    const order = await paidOrder(t, merchant, { amount: 4321, product_name: 'walk' });
    await refundOrder(t, merchant, order.order_id, 321);
    await runClearing(t, today(t));
    const team = await merchantTeam(t, merchant.sourceId, []);
    people.merchant = { email: team.owner.email, password: team.owner.password };
    browser = await launchChromium();
  }, SETUP_TIMEOUT_MS);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  for (const side of ['operator', 'merchant'] as const) {
    it(`${side} owner: every page of the menu, in Chinese and in English`, async () => {
      const tab = await openConsoleTab(browser, t);
      const { page } = tab;
      await logInThroughPage(page, t, people[side].email, people[side].password);
      await page.waitForURL(new RegExp(`/console/${side}/`));
      const items = page.locator('nav .el-menu-item');
      await items.first().waitFor();
      const count = await items.count();
      // at least the pages this side had before the walk was written
      expect(count).toBeGreaterThanOrEqual(side === 'operator' ? 6 : 8);

      const walked: string[] = [];
      for (const language of ['zh-CN', 'en'] as const) {
        if (language === 'en') await switchLanguage(page, 'English');
        for (let i = 0; i < count; i++) {
          const item = items.nth(i);
          const title = (await item.innerText()).trim();
          await item.click();
          await item.and(page.locator('.is-active')).waitFor();
          const path = new URL(page.url()).pathname;
          expect(path).toMatch(new RegExp(`^/console/${side}/[a-z-]+$`));
          const name = path.split('/').pop()!;
          if (language === 'zh-CN') walked.push(name);
          await settle(page);

          const text = await visibleText(page);
          const where = { side, page: name, language, title };
          expect({ ...where, key: MESSAGE_KEY.exec(text)?.[0] ?? null }).toEqual({
            ...where,
            key: null,
          });
          if (language === 'en') {
            const line = text.split('\n').find((l) => CJK.test(l)) ?? null;
            expect({ ...where, chinese: line }).toEqual({ ...where, chinese: null });
          }
          expect({ ...where, violations: await seriousAxeViolations(page) }).toEqual({
            ...where,
            violations: [],
          });
          await screenshot(page, `${side}-${name}.${language}`);
        }
      }
      // each menu entry opened a page of its own
      expect(new Set(walked).size).toBe(count);
      await switchLanguage(page, '简体中文');
      expect(tab.problems).toEqual([]);
      expect(tab.external).toEqual([]);
      await tab.context.close();
    });
  }
});
