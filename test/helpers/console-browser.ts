import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, BrowserContext, Page } from 'playwright-core';
import { CONSOLE_ENV } from './console';
import { startTestApp, TestApp } from './test-app';

/** Screenshots of every console page, for people to look at; not committed. */
export const CONSOLE_ARTIFACTS = join(__dirname, '..', '..', 'test-artifacts', 'console');

const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** paygate with the bootstrap operator owner known, serving the console's production build. */
export function startConsoleApp(env: Record<string, string> = {}): Promise<TestApp> {
  return startTestApp({ ...CONSOLE_ENV, ...env });
}

/** A console tab and what went wrong in it: CSP refusals, page errors, requests elsewhere. */
export interface ConsoleTab {
  context: BrowserContext;
  page: Page;
  /** Content-Security-Policy refusals and uncaught errors, each with the page's URL. */
  problems: string[];
  /** Requests to anywhere but this server. */
  external: string[];
}

export async function openConsoleTab(browser: Browser, t: TestApp): Promise<ConsoleTab> {
  const context = await browser.newContext({
    viewport: { width: 1400, height: 900 },
    acceptDownloads: true,
  });
  const page = await context.newPage();
  const problems: string[] = [];
  const external: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) {
      problems.push(`${page.url()}: ${message.text()}`);
    }
  });
  page.on('pageerror', (error) => problems.push(`${page.url()}: ${error.message}`));
  page.on('request', (req) => {
    const url = req.url();
    if (!url.startsWith(t.url) && !url.startsWith('data:') && !url.startsWith('blob:')) {
      external.push(url);
    }
  });
  return { context, page, problems, external };
}

/** Logs in through the login page; resolves once the shell (or the password page) is shown. */
export async function logInThroughPage(
  page: Page,
  t: TestApp,
  email: string,
  password: string,
): Promise<void> {
  await page.goto(`${t.url}/console/login`);
  await page.locator('#login-email').fill(email);
  await page.locator('#login-password').fill(password);
  await page.locator('[data-test="login-submit"]').click();
  await page.waitForURL((url) => !url.pathname.endsWith('/console/login'));
}

/** Serious and critical accessibility problems axe-core finds on the page as it is now. */
export async function seriousAxeViolations(page: Page): Promise<string[]> {
  // a toast or a drawer half faded in has the contrast of neither end: check what stays on screen
  await page.waitForFunction(
    () =>
      (
        globalThis as unknown as { document: { getAnimations: () => { playState: string }[] } }
      ).document
        .getAnimations()
        .every((a) => a.playState !== 'running'),
    undefined,
    { timeout: 10_000 },
  );
  // evaluated through the DevTools protocol, which the page's CSP does not govern
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run: (o: object) => Promise<AxeResults> } }).axe;
    const result = await axe.run({ resultTypes: ['violations'] });
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
  return violations;
}

interface AxeResults {
  violations: { id: string; impact: string | null; nodes: { target: string[] }[] }[];
}

/** test-artifacts/console/<name>.png, the whole page. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(CONSOLE_ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(CONSOLE_ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Switches the console's language with the header's (or the login page's) selector. */
export async function switchLanguage(page: Page, label: 'English' | '简体中文'): Promise<void> {
  await page.locator('[data-test="locale"], .login__locale').first().click();
  const option = page.getByRole('option', { name: label });
  await option.click();
  // the list closes with a transition; until it is gone it still shows the other language
  await option.waitFor({ state: 'hidden' });
}
