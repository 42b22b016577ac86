/**
 * Every Mermaid diagram of the README and docs/ renders: a diagram with a syntax error shows a
 * reader an error box instead of the picture. Rendered with the Mermaid bundle /reference
 * serves, in Chromium.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Browser } from 'playwright-core';
import { launchChromium } from '../helpers/browser';

const ROOT = join(__dirname, '..', '..');

function diagrams(): { where: string; source: string }[] {
  const files = [
    'README.md',
    ...readdirSync(join(ROOT, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => `docs/${f}`),
  ];
  return files.flatMap((file) => {
    const text = readFileSync(join(ROOT, file), 'utf8');
    return [...text.matchAll(/^```mermaid\n([\s\S]*?)^```$/gm)].map((m) => ({
      where: `${file} line ${text.slice(0, m.index).split('\n').length}`,
      source: m[1],
    }));
  });
}

describe('the Mermaid diagrams of the README and docs/', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(() => browser?.close());

  it('all render', async () => {
    const found = diagrams();
    expect(found.length).toBeGreaterThanOrEqual(6);
    const page = await browser.newPage();
    await page.setContent('<!doctype html><html><body></body></html>');
    await page.addScriptTag({ path: join(ROOT, 'node_modules/mermaid/dist/mermaid.min.js') });
    const problems: string[] = [];
    for (const [i, { where, source }] of found.entries()) {
      const result = await page.evaluate(
        async ({ code, id }) => {
          const m = (globalThis as unknown as { mermaid: MermaidApi }).mermaid;
          m.initialize({ startOnLoad: false });
          try {
            const { svg } = await m.render(id, code);
            return svg.includes('<svg') ? 'ok' : 'no svg';
          } catch (error) {
            return (error as Error).message;
          }
        },
        { code: source, id: `diagram${i}` },
      );
      if (result !== 'ok') problems.push(`${where}: ${result}`);
    }
    expect(problems).toEqual([]);
  });
});

interface MermaidApi {
  initialize(options: { startOnLoad: boolean }): void;
  render(id: string, code: string): Promise<{ svg: string }>;
}
