/**
 * The README's "first payment in five requests" and docs/getting-started.md, run as a reader
 * runs them: their `sh` blocks in bash with curl and jq against a fresh server, each block's
 * output compared with the answer shown under it. The answers' values differ from run to run
 * (ids, times, secrets); their shape must not, nor the values a reader acts on (statuses,
 * amounts, reasons). So the pages cannot drift from the API.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import MarkdownIt from 'markdown-it';
import { testEngine } from './helpers/scratch-database';
import { ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET, startTestApp, TestApp } from './helpers/test-app';

const ROOT = join(__dirname, '..');
const run = promisify(execFile);

/** The variables of the block that says where paygate is; the test sets them to its server. */
const SETTINGS = ['PAYGATE', 'ADMIN_ID', 'ADMIN_SECRET'];

/** Values a reader acts on: these must be equal, not only of the same type. */
const EXACT_KEYS = new Set([
  'code',
  'message',
  'reason',
  'status',
  'outcome',
  'type',
  'provider',
  'enabled',
  'currency',
  'currencies',
  'amount',
  'fee_amount',
  'refunded_amount',
  'payment_amount',
  'refund_amount',
  'net_amount',
  'bill_status',
  'delivery_status',
  'merchant_order_no',
  'name',
  'field',
  'state',
]);

interface Step {
  /** The shell commands. */
  script: string;
  /** The answer shown under them: plain text lines first, then JSON values. */
  text: string[];
  json: unknown[];
  line: number;
}

interface Walkthrough {
  steps: Step[];
  settingsLine: number;
}

/** The `sh` blocks from the settings block on, each with the answer blocks that follow it. */
function readWalkthrough(markdown: string, fromHeading?: string): Walkthrough {
  let source = markdown;
  if (fromHeading) {
    const start = markdown.indexOf(`\n${fromHeading}\n`);
    if (start < 0) throw new Error(`no heading "${fromHeading}"`);
    const end = markdown.indexOf('\n## ', start + fromHeading.length + 2);
    source = markdown.slice(start, end < 0 ? undefined : end);
  }
  const offset = markdown.slice(0, markdown.indexOf(source)).split('\n').length - 1;
  const fences = new MarkdownIt()
    .parse(source, {})
    .filter((t) => t.type === 'fence')
    .map((t) => ({
      lang: t.info.trim(),
      content: t.content,
      line: offset + (t.map?.[0] ?? 0) + 1,
    }));
  const settingsAt = fences.findIndex(
    (f) =>
      f.lang === 'sh' &&
      f.content.trim().split('\n').length === SETTINGS.length &&
      SETTINGS.every((name) => new RegExp(`^${name}=`, 'm').test(f.content)),
  );
  if (settingsAt < 0) {
    throw new Error(`no sh block setting exactly ${SETTINGS.join(', ')} (the reader's settings)`);
  }
  const steps: Step[] = [];
  for (const fence of fences.slice(settingsAt + 1)) {
    if (fence.lang === 'sh') {
      steps.push({ script: fence.content, text: [], json: [], line: fence.line });
      continue;
    }
    const step = steps.at(-1);
    if (!step) continue;
    if (fence.lang === 'json') step.json.push(...parseJsonValues(fence.content));
    else if (fence.lang === '') step.text.push(...fence.content.trim().split('\n'));
  }
  return { steps, settingsLine: fences[settingsAt].line };
}

/** Consecutive JSON values, as `jq` prints them (pretty or one per line). */
function parseJsonValues(text: string): unknown[] {
  const values: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{' || c === '[') {
      if (depth === 0) start = i;
      depth++;
    } else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) values.push(JSON.parse(text.slice(start, i + 1)));
    }
  }
  if (depth !== 0 || values.length === 0) throw new Error(`not JSON values: ${text}`);
  return values;
}

/** Where `actual` differs from the answer shown: shape everywhere, values for EXACT_KEYS. */
function differences(shown: unknown, actual: unknown, path: string, key?: string): string[] {
  const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
  if (kind(shown) !== kind(actual)) {
    return [`${path}: shown ${JSON.stringify(shown)}, got ${JSON.stringify(actual)}`];
  }
  if (key && EXACT_KEYS.has(key) && JSON.stringify(shown) !== JSON.stringify(actual)) {
    return [`${path}: shown ${JSON.stringify(shown)}, got ${JSON.stringify(actual)}`];
  }
  if (Array.isArray(shown) && Array.isArray(actual)) {
    if (shown.length !== actual.length) {
      return [`${path}: shown ${shown.length} items, got ${actual.length}`];
    }
    return shown.flatMap((item, i) => differences(item, actual[i], `${path}[${i}]`));
  }
  if (kind(shown) === 'object') {
    const a = actual as Record<string, unknown>;
    const s = shown as Record<string, unknown>;
    const problems: string[] = [];
    for (const k of Object.keys(s)) {
      if (!(k in a)) problems.push(`${path}.${k}: shown, but not in the answer`);
      else problems.push(...differences(s[k], a[k], `${path}.${k}`, k));
    }
    for (const k of Object.keys(a)) {
      if (!(k in s)) problems.push(`${path}.${k}: in the answer, not shown`);
    }
    return problems;
  }
  return [];
}

const MARKER = '--- paygate walkthrough step';

interface StepResult {
  step: Step;
  output: string;
}

/** Runs the steps in one bash, so variables carry over as in a reader's terminal. */
async function runWalkthrough(walkthrough: Walkthrough, t: TestApp): Promise<StepResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'paygate-walkthrough-'));
  try {
    const script = [
      'set -euo pipefail',
      `PAYGATE=${t.url}`,
      `ADMIN_ID=${ADMIN_CLIENT_ID}`,
      `ADMIN_SECRET=${ADMIN_CLIENT_SECRET}`,
      ...walkthrough.steps.flatMap((step, i) => [`echo '${MARKER} ${i}'`, step.script]),
    ].join('\n');
    writeFileSync(join(dir, 'walkthrough.sh'), script);
    const result = await run('bash', ['walkthrough.sh'], { cwd: dir, timeout: 60_000 }).catch(
      (error: { stdout?: string; stderr?: string; message: string }) => {
        throw new Error(
          `the walkthrough failed: ${error.message}\nstdout:\n${error.stdout}\nstderr:\n${error.stderr}`,
        );
      },
    );
    const outputs = result.stdout.split(new RegExp(`^${MARKER} \\d+\\n`, 'm')).slice(1);
    expect(outputs).toHaveLength(walkthrough.steps.length);
    return walkthrough.steps.map((step, i) => ({ step, output: outputs[i] }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every difference between what each step printed and what the page shows under it. */
function compare(file: string, results: StepResult[]): string[] {
  const problems: string[] = [];
  for (const { step, output } of results) {
    const where = `${file} line ${step.line}`;
    const lines = output.replace(/\r/g, '').split('\n');
    for (const [i, expected] of step.text.entries()) {
      if (lines[i]?.trim() !== expected.trim()) {
        problems.push(`${where}: shows "${expected}", printed "${lines[i] ?? ''}"`);
      }
    }
    const rest = lines.slice(step.text.length).join('\n').trim();
    if (step.json.length === 0) {
      if (rest !== '') problems.push(`${where}: shows no answer, printed ${rest}`);
      continue;
    }
    let printed: unknown[];
    try {
      printed = parseJsonValues(rest);
    } catch {
      problems.push(`${where}: printed no JSON: ${rest}`);
      continue;
    }
    if (printed.length !== step.json.length) {
      problems.push(`${where}: shows ${step.json.length} answers, printed ${printed.length}`);
      continue;
    }
    step.json.forEach((shown, i) =>
      problems.push(...differences(shown, printed[i], `${where}, answer ${i + 1}, $`)),
    );
  }
  return problems;
}

describe(`the documentation's walkthroughs, run against a fresh server (${testEngine()})`, () => {
  beforeAll(async () => {
    // the pages are for a shell with curl and jq: without them this test cannot say anything
    await run('bash', ['-c', 'command -v curl && command -v jq']);
  });

  it('compares answers by shape and by the values a reader acts on', () => {
    const shown = { code: '0000', data: { order_id: 'ord_1', status: 'PENDING', paid_at: null } };
    expect(
      differences(
        shown,
        { code: '0000', data: { order_id: 'ord_2', status: 'PENDING', paid_at: null } },
        '$',
      ),
    ).toEqual([]);
    expect(
      differences(
        shown,
        { code: '0000', data: { order_id: 'ord_2', status: 'FAILED', paid_at: null } },
        '$',
      ),
    ).toEqual(['$.data.status: shown "PENDING", got "FAILED"']);
    expect(
      differences(shown, { code: '0000', data: { order_id: 'ord_2', paid_at: 'x' } }, '$'),
    ).toEqual([
      '$.data.status: shown, but not in the answer',
      '$.data.paid_at: shown null, got "x"',
    ]);
    expect(parseJsonValues('{"a":"}"}\n{\n  "b": [1, {"c": 2}]\n}')).toEqual([
      { a: '}' },
      { b: [1, { c: 2 }] },
    ]);
  });

  describe.each([
    ['README.md', '## Your first payment in five requests', 4],
    ['docs/getting-started.md', undefined, 7],
  ])('%s', (file, heading, minimumAnswers) => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp();
    });
    afterAll(() => t.close());

    it('runs every sh block, and each prints the answer shown under it', async () => {
      const walkthrough = readWalkthrough(readFileSync(join(ROOT, file), 'utf8'), heading);
      expect(walkthrough.steps.filter((s) => s.json.length > 0).length).toBeGreaterThanOrEqual(
        minimumAnswers,
      );
      const results = await runWalkthrough(walkthrough, t);
      expect(compare(file, results)).toEqual([]);
    });
  });
});
