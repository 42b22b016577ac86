import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ERROR_CATALOGUE } from '../src/common/errors/error-catalogue';
import { API_VERSION } from '../src/docs/api-version';
import { latestReleasedVersion } from '../src/docs/changelog';
import { PAYMENT_SEQUENCE_DIAGRAM } from '../src/docs/sequence-diagram';
import { SYSTEM_REQUIREMENTS } from '../src/docs/system-requirements';
import { createSandboxChannel } from './helpers/payments';
import { testEngine } from './helpers/scratch-database';
import { createMerchant, startTestApp, TestApp } from './helpers/test-app';

const ROOT = join(__dirname, '..');
const run = promisify(execFile);

interface Operation {
  summary?: string;
  tags?: string[];
  responses: Record<string, unknown>;
  'x-codeSamples'?: { lang: string; label: string; source: string }[];
}
interface ReferenceDocument {
  info: { version: string };
  tags: { name: string; description?: string; 'x-traitTag'?: boolean }[];
  'x-tagGroups': { name: string; tags: string[] }[];
  paths: Record<string, Record<string, Operation>>;
}

function operations(document: ReferenceDocument): [string, Operation][] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]): [string, Operation] => [`${method} ${path}`, op]),
  );
}

describe(`documentation served (/reference, /changelog) on ${testEngine()}`, () => {
  let t: TestApp;
  let reference: ReferenceDocument;

  beforeAll(async () => {
    t = await startTestApp();
    const res = await t.http.get('/reference/openapi.json');
    expect(res.status).toBe(200);
    reference = res.body as ReferenceDocument;
  });
  afterAll(() => t.close());

  it('serves the reference page and every file it loads from this server, with no external URL', async () => {
    const page = await t.http.get('/reference');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    const urls = [...page.text.matchAll(/\b(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(urls).toEqual(
      expect.arrayContaining(['/reference/redoc.standalone.js', '/reference/mermaid.min.js']),
    );
    expect(page.text).not.toMatch(/https?:\/\//);
    for (const url of urls.filter((u) => !u.startsWith('data:'))) {
      const asset = await t.http.get(url);
      expect({ url, status: asset.status }).toEqual({ url, status: 200 });
      expect(asset.headers['content-type']).toMatch(/^application\/javascript/);
    }
    // the script fetches the reference document from the same server
    const init = await t.http.get('/reference/init.js');
    expect(init.text).toContain("Redoc.init('/reference/openapi.json'");
  });

  it("puts the sections in the original document's order", () => {
    const groups = reference['x-tagGroups'].map((g) => g.name);
    const original = [
      '简介',
      '授权机制说明',
      '支付订单',
      '渠道路由',
      '清算',
      '错误代码',
      '变更历史',
    ];
    const present = original.filter((name) => groups.includes(name));
    // 清算 appears once the clearing endpoints exist; every other section is there now
    expect(present).toEqual(original.filter((name) => name !== '清算' || groups.includes('清算')));
    expect(present.length).toBeGreaterThanOrEqual(6);
    expect(present.map((name) => groups.indexOf(name))).toEqual(
      [...present.map((name) => groups.indexOf(name))].sort((a, b) => a - b),
    );
    expect(groups.at(-2)).toBe('错误代码');
    expect(groups.at(-1)).toBe('变更历史');
    // every tag an operation uses is in exactly one section
    const grouped = reference['x-tagGroups'].flatMap((g) => g.tags);
    const used = new Set(operations(reference).flatMap(([, op]) => op.tags ?? []));
    for (const tag of used) expect(grouped.filter((g) => g === tag)).toEqual([tag]);
    const intro = reference.tags.find((tag) => tag.name === '简介')!.description!;
    expect(intro).toContain('系统需求');
    expect(intro).toContain('功能时序图');
    expect(intro).toContain('sequenceDiagram');
  });

  it('gives every operation its Chinese and English name, code samples in five languages and its error reasons', () => {
    const ops = operations(reference);
    expect(ops.length).toBeGreaterThan(25);
    for (const [name, op] of ops) {
      expect({ name, summary: op.summary }).toEqual({
        name,
        summary: expect.stringMatching(/^\p{Script=Han}.* [A-Za-z]/u),
      });
      const langs = (op['x-codeSamples'] ?? []).map((s) => s.lang);
      expect({ name, langs }).toEqual({
        name,
        langs: expect.arrayContaining(['Shell', 'Java', 'PHP', 'Python', 'Ruby']),
      });
      for (const sample of op['x-codeSamples']!) expect(sample.source.length).toBeGreaterThan(20);
      const errorStatuses = Object.keys(op.responses).filter((s) => /^[45]\d\d$/.test(s));
      expect({ name, errorStatuses: errorStatuses.length > 0 }).toEqual({
        name,
        errorStatuses: true,
      });
    }
  });

  it("writes 订单创建's curl sample exactly as the original document did, and it works as written", async () => {
    const create = reference.paths['/v1/payments/create'].post;
    const curl = create['x-codeSamples']!.find((s) => s.lang === 'Shell')!.source;
    expect(curl).toBe(
      `curl -H "access_token: $TOKEN" -d source_id=1000001 -d product_id=123 -d product_name=apple -d amount=1000 ${t.url}/v1/payments/create`,
    );
    const python = create['x-codeSamples']!.find((s) => s.lang === 'Python')!.source;
    expect(python).toContain(`url = "${t.url}/v1/payments/create"`);
    expect(python).toContain('requests.post(url, data=payload, headers=headers)');

    // pasted into a shell by a merchant whose code is not 1000001: an order is made
    const merchant = await createMerchant(t);
    await createSandboxChannel(t);
    const { stdout } = await run(
      'bash',
      ['-c', curl.replace('source_id=1000001', `source_id=${merchant.sourceId}`)],
      { env: { ...process.env, TOKEN: merchant.token } },
    );
    const body = JSON.parse(stdout) as { code: string; data: { amount: number; status: string } };
    expect(body.code).toBe('0000');
    expect(body.data).toMatchObject({ amount: 1000, status: 'PENDING' });
  });

  it('uses the bearer header everywhere else, and the token endpoint takes the client credentials', () => {
    const addChannel = reference.paths['/v1/channels'].post['x-codeSamples']!;
    expect(addChannel.find((s) => s.lang === 'Shell')!.source).toContain(
      '-H "Authorization: Bearer $TOKEN"',
    );
    const refund = reference.paths['/v1/payments/{order_id}/refunds'].post['x-codeSamples']!;
    expect(refund.find((s) => s.lang === 'Java')!.source).toContain(
      '.addHeader("Authorization", "Bearer <access_token>")',
    );
    const token = reference.paths['/v1/auth/token'].post['x-codeSamples']!;
    expect(token.find((s) => s.lang === 'Shell')!.source).toContain(
      '-d grant_type=client_credentials',
    );
  });

  it('lists the contract status table and every reason of the error catalogue in 错误代码, in both languages', () => {
    const table = reference.tags.find((tag) => tag.name === '错误代码')!.description!;
    for (const status of ['400', '401', '403', '404', '405', '406', '409', '410', '413', '415']) {
      expect(table).toMatch(new RegExp(`^\\| ${status} \\|`, 'm'));
    }
    for (const status of ['418', '422', '429', '500', '503', '0000']) {
      expect(table).toMatch(new RegExp(`^\\| ${status} \\|`, 'm'));
    }
    for (const [reason, spec] of Object.entries(ERROR_CATALOGUE)) {
      const row = table.split('\n').find((line) => line.startsWith(`| \`${reason}\` |`));
      expect({ reason, row }).toEqual({ reason, row: expect.stringContaining(` ${spec.status} `) });
      expect(row).toContain(spec.en.replace(/\|/g, '\\|'));
      expect(row).toContain(spec.zh);
    }
  });

  it('serves CHANGELOG.md at /changelog and links it from the reference; the versions agree', async () => {
    const markdown = readFileSync(join(ROOT, 'CHANGELOG.md'), 'utf8');
    expect(markdown).toMatch(/^## \[Unreleased\]$/m);
    const page = await t.http.get('/changelog');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain(`<h2>[${API_VERSION}]`);
    expect(page.text).toContain('<a href="/reference">');
    const raw = await t.http.get('/changelog').set('accept', 'text/markdown');
    expect(raw.headers['content-type']).toMatch(/^text\/markdown/);
    expect(raw.text).toBe(markdown);

    const released = latestReleasedVersion(markdown);
    expect(released).toBe(API_VERSION);
    expect(reference.info.version).toBe(released);
    const served = await t.http.get('/docs-json');
    expect(served.body.info.version).toBe(released);
    const committed = JSON.parse(readFileSync(join(ROOT, 'openapi.json'), 'utf8'));
    expect(committed.info.version).toBe(released);
    const changelogSection = reference.tags.find((tag) => tag.name === '变更历史')!.description!;
    expect(changelogSection).toContain('(/changelog)');
    expect(changelogSection).toContain(`[${released}]`);
  });

  it('has the same sequence diagram and the system requirements in the README', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain(`\`\`\`mermaid\n${PAYMENT_SEQUENCE_DIAGRAM}\n\`\`\``);
    expect(readme).toMatch(/^## .*系统需求/m);
    const section = readme.split(/^## .*系统需求.*\n/m)[1].split(/^## /m)[0];
    expect(section.trim().startsWith(`${SYSTEM_REQUIREMENTS}\n`)).toBe(true);
    const introduction = reference.tags.find((tag) => tag.name === '简介')!.description!;
    expect(introduction).toContain(SYSTEM_REQUIREMENTS);
  });
});

describe('DOCS_ENABLED=false', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ DOCS_ENABLED: 'false' });
  });
  afterAll(() => t.close());

  it.each(['/docs', '/docs-json', '/reference', '/reference/openapi.json', '/changelog'])(
    'turns %s off (404)',
    async (path) => {
      const res = await t.http.get(path);
      expect(res.status).toBe(404);
      expect(res.body.reason).toBe('route_not_found');
    },
  );

  it('keeps the API itself up', async () => {
    expect((await t.http.get('/health/ready')).status).toBe(200);
  });
});
