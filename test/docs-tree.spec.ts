/**
 * The documentation tree (README.md, docs/*.md, CHANGELOG.md, .env.example) against the code:
 * every configuration variable documented with its real default, every link resolving, the
 * versions agreeing, and no narration of how the project was made.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import MarkdownIt from 'markdown-it';
import { FILE_VARIABLES } from '../src/config/app-config';
import { configShape } from '../src/config/config.schema';
import { API_VERSION } from '../src/docs/api-version';
import { latestReleasedVersion } from '../src/docs/changelog';

const ROOT = join(__dirname, '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/** The Markdown files a reader follows links through. */
function markdownFiles(): string[] {
  const docs = readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`);
  return ['README.md', 'CHANGELOG.md', 'SECURITY.md', ...docs];
}

// ---------------------------------------------------------------------------------------------
// configuration

/** What an unset variable becomes, written as it would be in the environment; undefined: none. */
function schemaDefaults(): Map<string, string | undefined> {
  const defaults = new Map<string, string | undefined>();
  for (const [name, field] of Object.entries(configShape.shape)) {
    const parsed = (
      field as { safeParse(v: unknown): { success: boolean; data?: unknown } }
    ).safeParse(undefined);
    if (!parsed.success) throw new Error(`${name} has no default and is not optional`);
    const value = parsed.data;
    defaults.set(
      name,
      value === undefined ? undefined : Array.isArray(value) ? value.join(',') : String(value),
    );
  }
  return defaults;
}

interface DocumentedVariable {
  name: string;
  /** The default cell: `value`, `unset` or `(empty)`. */
  defaultCell: string;
  line: number;
}

/** Rows of the form | `NAME` | default | meaning | in docs/configuration.md. */
function documentedVariables(markdown: string): DocumentedVariable[] {
  const rows: DocumentedVariable[] = [];
  markdown.split('\n').forEach((text, index) => {
    const row = /^\| `([A-Z][A-Z0-9_]*)` \| ([^|]*?) \| (.*) \|$/.exec(text);
    if (row) rows.push({ name: row[1], defaultCell: row[2], line: index + 1 });
  });
  return rows;
}

/** The default cell a variable's row must have. */
function expectedCell(value: string | undefined): string {
  if (value === undefined) return 'unset';
  if (value === '') return '(empty)';
  return `\`${value}\``;
}

describe('docs/configuration.md', () => {
  const page = read('docs/configuration.md');
  const rows = documentedVariables(page);
  const defaults = schemaDefaults();
  const fileVariables = FILE_VARIABLES.map((name) => `${name}_FILE`);

  it('documents every variable of the schema with its real default', () => {
    const problems: string[] = [];
    for (const [name, value] of defaults) {
      const documented = rows.filter((r) => r.name === name);
      if (documented.length === 0) {
        problems.push(
          `${name} is in src/config/config.schema.ts but not in docs/configuration.md: add a row "| \`${name}\` | ${expectedCell(value)} | what it does, and when to change it |"`,
        );
      } else if (documented.length > 1) {
        problems.push(
          `${name} is documented ${documented.length} times (lines ${documented.map((r) => r.line).join(', ')})`,
        );
      } else if (documented[0].defaultCell !== expectedCell(value)) {
        problems.push(
          `${name}: docs/configuration.md line ${documented[0].line} gives the default ${documented[0].defaultCell}, the schema's is ${expectedCell(value)}`,
        );
      }
    }
    expect(problems).toEqual([]);
  });

  it('documents every <NAME>_FILE variant of FILE_VARIABLES', () => {
    const problems: string[] = [];
    for (const name of fileVariables) {
      const row = rows.find((r) => r.name === name);
      if (!row) {
        problems.push(
          `${name} (FILE_VARIABLES in src/config/app-config.ts) is not in docs/configuration.md: add "| \`${name}\` | unset | A file holding \`${name.replace(/_FILE$/, '')}\`. |"`,
        );
      } else if (row.defaultCell !== 'unset') {
        problems.push(`${name}: line ${row.line} gives the default ${row.defaultCell}, not unset`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('documents nothing that paygate does not read', () => {
    const known = new Set([...defaults.keys(), ...fileVariables]);
    const extra = rows
      .filter((r) => !known.has(r.name))
      .map(
        (r) =>
          `${r.name} (docs/configuration.md line ${r.line}) is not a variable of src/config/config.schema.ts or a <NAME>_FILE of FILE_VARIABLES: remove the row`,
      );
    expect(extra).toEqual([]);
  });
});

describe('.env.example', () => {
  const names = read('.env.example')
    .split('\n')
    .map((line, index) => ({
      match: /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line),
      line: index + 1,
    }))
    .filter((l) => l.match)
    .map((l) => ({ name: l.match![1], value: l.match![2], line: l.line }));
  const defaults = schemaDefaults();

  it('names only variables of the schema, each once', () => {
    const problems = names
      .filter((n) => !defaults.has(n.name))
      .map((n) => `.env.example line ${n.line}: ${n.name} is not in src/config/config.schema.ts`);
    const seen = new Set<string>();
    for (const n of names) {
      if (seen.has(n.name)) problems.push(`.env.example line ${n.line}: ${n.name} again`);
      seen.add(n.name);
    }
    expect(problems).toEqual([]);
  });

  it('lists every variable of the schema with its default (or empty)', () => {
    const problems: string[] = [];
    for (const [name, value] of defaults) {
      const entry = names.find((n) => n.name === name);
      if (!entry) problems.push(`${name} is missing from .env.example: add it with a comment`);
      else if (entry.value !== '' && entry.value !== value) {
        problems.push(
          `.env.example line ${entry.line}: ${name}=${entry.value}, but the default is ${JSON.stringify(value ?? null)}`,
        );
      }
    }
    expect(problems).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// links and anchors

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, -1, -2 for repeats. */
function anchorsOf(markdown: string): Set<string> {
  const tokens = new MarkdownIt({ html: true }).parse(markdown, {});
  const anchors = new Set<string>();
  const counts = new Map<string, number>();
  tokens.forEach((token, i) => {
    if (token.type !== 'heading_open') return;
    const text = (tokens[i + 1].children ?? [])
      .filter((c) => c.type === 'text' || c.type === 'code_inline')
      .map((c) => c.content)
      .join('');
    const base = text
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const seen = counts.get(base) ?? 0;
    counts.set(base, seen + 1);
    anchors.add(seen === 0 ? base : `${base}-${seen}`);
  });
  return anchors;
}

interface Link {
  file: string;
  href: string;
}

function linksOf(file: string): Link[] {
  const tokens = new MarkdownIt({ html: true }).parse(read(file), {});
  const links: Link[] = [];
  const walk = (list: ReturnType<InstanceType<typeof MarkdownIt>['parse']>) => {
    for (const token of list) {
      if (token.type === 'link_open')
        links.push({ file, href: String(token.attrGet('href') ?? '') });
      if (token.type === 'image') links.push({ file, href: String(token.attrGet('src') ?? '') });
      if (token.children) walk(token.children);
    }
  };
  walk(tokens);
  return links;
}

describe('links in README.md and docs/', () => {
  const files = markdownFiles();

  it('has the docs tree a newcomer needs', () => {
    for (const page of [
      'getting-started',
      'configuration',
      'deployment',
      'operations',
      'architecture',
      'performance',
      'providers',
      'webhooks',
      'contributing',
    ]) {
      expect({ page, exists: existsSync(join(ROOT, 'docs', `${page}.md`)) }).toEqual({
        page,
        exists: true,
      });
    }
  });

  it('finds links to check (the parser works)', () => {
    const all = files.flatMap(linksOf);
    expect(all.filter((l) => l.file === 'README.md').length).toBeGreaterThan(10);
  });

  it('resolves every internal link and anchor', () => {
    const broken: string[] = [];
    for (const link of files.flatMap(linksOf)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(link.href) || link.href.startsWith('//')) continue;
      const [path, anchor] = link.href.split('#');
      const target = path
        ? resolve(ROOT, dirname(link.file), decodeURI(path))
        : join(ROOT, link.file);
      const name = relative(ROOT, target);
      if (name.startsWith('..') || !existsSync(target)) {
        broken.push(`${link.file}: ${link.href} (no file ${name})`);
        continue;
      }
      if (anchor === undefined) continue;
      if (statSync(target).isDirectory() || !target.endsWith('.md')) {
        broken.push(`${link.file}: ${link.href} (an anchor into ${name}, which is not Markdown)`);
      } else if (!anchorsOf(readFileSync(target, 'utf8')).has(decodeURIComponent(anchor))) {
        broken.push(`${link.file}: ${link.href} (no heading #${anchor} in ${name})`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('computes anchors as GitHub does', () => {
    const anchors = anchorsOf(
      '# Secrets in files: `<NAME>_FILE`\n\n## 功能时序图 Payment flow\n\n## Tests\n\n## Tests\n\n```\n# not a heading\n```\n',
    );
    expect([...anchors]).toEqual([
      'secrets-in-files-name_file',
      '功能时序图-payment-flow',
      'tests',
      'tests-1',
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// versions

describe('version numbers', () => {
  it('agree: package.json, package-lock.json, the OpenAPI info.version and the latest CHANGELOG release', () => {
    const changelog = read('CHANGELOG.md');
    const released = latestReleasedVersion(changelog);
    const lock = JSON.parse(read('package-lock.json'));
    expect({
      'package.json': JSON.parse(read('package.json')).version,
      'package-lock.json': lock.version,
      'package-lock.json packages[""]': lock.packages[''].version,
      'src/docs/api-version.ts': API_VERSION,
      'openapi.json info.version': JSON.parse(read('openapi.json')).info.version,
    }).toEqual({
      'package.json': released,
      'package-lock.json': released,
      'package-lock.json packages[""]': released,
      'src/docs/api-version.ts': released,
      'openapi.json info.version': released,
    });
  });

  it('has a dated release and [Unreleased] above it, in Keep a Changelog form', () => {
    const changelog = read('CHANGELOG.md');
    const releases = [...changelog.matchAll(/^## \[([^\]]+)\](.*)$/gm)].map((m) => [m[1], m[2]]);
    expect(releases[0]).toEqual(['Unreleased', '']);
    for (const [version, rest] of releases.slice(1)) {
      expect({ version, rest }).toEqual({
        version,
        rest: expect.stringMatching(/^ - \d{4}-\d{2}-\d{2}$/),
      });
    }
    // each release has each heading at most once, and only Keep a Changelog's headings
    const problems: string[] = [];
    for (const section of changelog.split(/^## /m).slice(1)) {
      const title = section.split('\n')[0];
      const headings = [...section.matchAll(/^### (.+)$/gm)].map((m) => m[1]);
      for (const h of headings) {
        if (!['Added', 'Changed', 'Deprecated', 'Removed', 'Fixed', 'Security'].includes(h)) {
          problems.push(`${title}: "### ${h}" is not a Keep a Changelog heading`);
        }
        if (headings.filter((x) => x === h).length > 1) problems.push(`${title}: "### ${h}" twice`);
      }
    }
    expect([...new Set(problems)]).toEqual([]);
    // the reference links at the bottom
    for (const [version] of releases) {
      expect(changelog).toMatch(new RegExp(`^\\[${version.replace(/\./g, '\\.')}\\]: \\S+$`, 'm'));
    }
  });
});

// ---------------------------------------------------------------------------------------------
// narration

/**
 * How the project was made belongs to git history and the CHANGELOG's entries, not to its
 * pages. Each pattern is narrow: a console "session" is a feature, "the day before" a date.
 */
const NARRATION: RegExp[] = [
  /\bsessions? \d+\b/i,
  /\bsession \d+'s\b/i,
  /\b(?:in|during|of|from) this session\b/i,
  /\bthe session's (?:start|end|work|code|changes?)\b/i,
  /\b(?:before|after|until) this change\b/i,
  /\bthe lead\b/i,
  /\b(?:work|working) periods?\b/i,
  /\bperiod \d+\b/i,
  /\bhelper (?:session|agent)s?\b/i,
  /\b(?:an|the|another|other) (?:ai )?agents?\b/i,
  /\bin this (?:run|sprint|iteration) (?:we|I)\b/i,
];

/** Where narration would reach a reader: the pages, the changelog, the served documentation. */
function narrationScope(): string[] {
  const srcDocs = readdirSync(join(ROOT, 'src/docs'))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'))
    .map((f) => `src/docs/${f}`);
  return [
    ...markdownFiles(),
    '.env.example',
    'openapi.json',
    'package.json',
    'scripts/openapi-metadata.ts',
    ...srcDocs,
  ];
}

describe('no narration of how the project was made', () => {
  it('catches the patterns it is meant to catch, and not a console session', () => {
    const hits = (text: string) => NARRATION.some((p) => p.test(text));
    expect(hits('Figures of 2026-11-27 (session 18) on this machine')).toBe(true);
    expect(hits("Before session 17's change a create cost")).toBe(true);
    expect(hits('without the two changes of this session, the bench')).toBe(true);
    expect(hits('Before this change the order was')).toBe(true);
    expect(hits('A console session ends after 30 minutes idle')).toBe(false);
    expect(hits('What this session may do now')).toBe(false);
    expect(hits("the browser's user agent")).toBe(false);
    expect(hits('clears the day before')).toBe(false);
  });

  it('finds none in the README, docs/, the CHANGELOG, .env.example or the served documentation', () => {
    const found: string[] = [];
    for (const file of narrationScope()) {
      read(file)
        .split('\n')
        .forEach((line, index) => {
          for (const pattern of NARRATION) {
            const match = pattern.exec(line);
            if (match) found.push(`${file}:${index + 1}: "${match[0]}" (${pattern})`);
          }
        });
    }
    expect(found).toEqual([]);
  });
});
