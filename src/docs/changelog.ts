import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import MarkdownIt from 'markdown-it';

/** CHANGELOG.md at the repository root; the Docker image keeps it beside `dist/`. */
export const CHANGELOG_PATH = join(__dirname, '..', '..', 'CHANGELOG.md');

export function readChangelog(path = CHANGELOG_PATH): string {
  return readFileSync(path, 'utf8');
}

/** The newest released version (`## [x.y.z] - date`), skipping `[Unreleased]`. */
export function latestReleasedVersion(markdown: string): string | undefined {
  return /^## \[(\d+\.\d+\.\d+[^\]]*)\]/m.exec(markdown)?.[1];
}

/**
 * The file without its link definitions (`[1.0.0]: #…`, Keep a Changelog's links at the
 * bottom): they point into the file as a repository shows it, and would turn the headings of
 * a served page into links to anchors it does not have.
 */
function withoutLinkDefinitions(markdown: string): string {
  return markdown.replace(/^\[[^\]\n]+\]: \S+\n?/gm, '').replace(/\n+$/, '\n');
}

/** The entries without the file's own title, for embedding under another heading. */
export function changelogBody(markdown: string): string {
  return withoutLinkDefinitions(markdown).replace(/^# .*\n+/, '');
}

/** `/changelog`: the Markdown rendered as a page (raw HTML in the file is not trusted). */
export function renderChangelogPage(markdown: string): string {
  const body = new MarkdownIt({ html: false, linkify: false }).render(
    withoutLinkDefinitions(markdown),
  );
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>paygate API changelog 变更历史</title>
<style>
body { font: 15px/1.6 system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
h1, h2, h3 { line-height: 1.25; } h2 { border-bottom: 1px solid #ddd; padding-bottom: .3rem; margin-top: 2rem; }
code { background: #f4f4f4; padding: 0 .25em; border-radius: 3px; }
nav { margin-bottom: 1rem; }
</style>
</head>
<body>
<nav><a href="/reference">API reference</a> · <a href="/docs">Swagger UI</a></nav>
${body}</body>
</html>
`;
}
