/**
 * `npm run console:budget`: builds the web console and prints what the issue budgets — the
 * JavaScript the first page (the login page) loads, gzipped (at most 350 KB), and the time the
 * console adds to `npm run build` (at most 90 s) — and exits 1 when either is over.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const ROOT = join(__dirname, '..');
const BUILD = join(ROOT, 'dist', 'public', 'console');
const JS_BUDGET_KB = 350;
const TIME_BUDGET_S = 90;

const started = process.hrtime.bigint();
execFileSync('npm', ['run', 'console:build'], { cwd: ROOT, stdio: 'ignore' });
const seconds = Number(process.hrtime.bigint() - started) / 1e9;

/**
 * The scripts index.html loads, the login page's chunk, and every module they import
 * statically: what a browser runs before the first page is shown.
 */
function firstPageScripts(): string[] {
  const html = readFileSync(join(BUILD, 'index.html'), 'utf8');
  const entries = [...html.matchAll(/<script[^>]+src="\/console\/([^"]+)"/g)].map((m) => m[1]);
  const preloads = [
    ...html.matchAll(/<link rel="modulepreload"[^>]+href="\/console\/([^"]+)"/g),
  ].map((m) => m[1]);
  // the login page's own chunk (a lazy route), and what it imports
  const login = readdirSync(join(BUILD, 'assets')).filter((f) => /^LoginView-.*\.js$/.test(f));
  const seen = new Set<string>();
  const queue = [...entries, ...preloads, ...login.map((f) => `assets/${f}`)];
  while (queue.length > 0) {
    const file = queue.shift()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const code = readFileSync(join(BUILD, file), 'utf8');
    // static imports between chunks: `from"./x.js"` / `import"./x.js"`
    for (const m of code.matchAll(/(?:from|import)\s*"\.\/([\w.-]+\.js)"/g)) {
      queue.push(`assets/${m[1]}`);
    }
  }
  return [...seen];
}

const files = firstPageScripts();
const gzipped = files.reduce((sum, f) => sum + gzipSync(readFileSync(join(BUILD, f))).length, 0);
const kb = gzipped / 1024;
console.log(`console build time: ${seconds.toFixed(1)} s (budget ${TIME_BUDGET_S} s)`);
console.log(
  `first page JavaScript: ${kb.toFixed(1)} KB gzipped in ${files.length} files (budget ${JS_BUDGET_KB} KB)`,
);
if (kb > JS_BUDGET_KB || seconds > TIME_BUDGET_S) {
  console.error('over budget');
  process.exit(1);
}
