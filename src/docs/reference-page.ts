import { readFileSync } from 'node:fs';
import { INestApplication } from '@nestjs/common';
import { OpenAPIObject } from '@nestjs/swagger';
import { FastifyInstance, FastifyReply } from 'fastify';
import { renderChangelogPage } from './changelog';
import { buildReferenceDocument } from './reference-document';

/**
 * The reference page loads only this service's own files: Redoc and Mermaid come from
 * node_modules, never a CDN, so it works without internet. Redoc styles with inline <style>
 * (styled-components) and runs its search in a blob: worker.
 */
const REFERENCE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'self'",
].join('; ');

/** The change history page: its own inline style, nothing else. */
const CHANGELOG_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'";

/** Files of packages that the reference page serves (the container image keeps these). */
export const REFERENCE_ASSETS: Record<string, string> = {
  'redoc.standalone.js': 'redoc/bundles/redoc.standalone.js',
  'mermaid.min.js': 'mermaid/dist/mermaid.min.js',
};

const PAGE = `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>paygate API 接口文档</title>
<link rel="icon" href="data:,">
<style>body { margin: 0; padding: 0; } #redoc .mermaid { background: #fff; white-space: pre; }</style>
</head>
<body>
<div id="redoc"></div>
<script src="/reference/redoc.standalone.js"></script>
<script src="/reference/mermaid.min.js"></script>
<script src="/reference/init.js"></script>
</body>
</html>
`;

/** Renders the reference once Redoc has drawn it, then the sequence diagram inside it. */
const INIT_SCRIPT = `(function () {
  Redoc.init('/reference/openapi.json', {
    expandResponses: '200,201',
    requiredPropsFirst: true,
    pathInMiddlePanel: true,
    jsonSampleExpandLevel: 3,
    sortTagsAlphabetically: false,
    theme: { sidebar: { width: '280px' } }
  }, document.getElementById('redoc'), function (error) {
    if (error) return;
    mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', theme: 'neutral' });
    mermaid.run({ querySelector: '#redoc .mermaid' });
  });
})();
`;

/**
 * `/reference` (Redoc, three columns, language tabs), its document and assets, and
 * `/changelog`. Everything is built here, once, at start.
 */
export function setupReference(
  app: INestApplication,
  document: OpenAPIObject,
  options: { baseUrl: string; changelog: string },
): void {
  const fastify = app.getHttpAdapter().getInstance() as FastifyInstance;
  const reference = JSON.stringify(buildReferenceDocument(document, options));
  const changelogPage = renderChangelogPage(options.changelog);
  const assets = new Map<string, Buffer>();

  fastify.get('/reference', (_request, reply) =>
    html(reply.header('content-security-policy', REFERENCE_CSP), PAGE),
  );
  fastify.get('/reference/openapi.json', (_request, reply) =>
    reply.type('application/json; charset=utf-8').send(reference),
  );
  fastify.get('/reference/init.js', (_request, reply) =>
    reply.type('application/javascript; charset=utf-8').send(INIT_SCRIPT),
  );
  for (const [name, modulePath] of Object.entries(REFERENCE_ASSETS)) {
    fastify.get(`/reference/${name}`, (_request, reply) => {
      // read on first use: a deployment that never opens the page never loads 6 MB
      let body = assets.get(name);
      if (!body) {
        body = readFileSync(require.resolve(modulePath));
        assets.set(name, body);
      }
      return reply
        .type('application/javascript; charset=utf-8')
        .header('cache-control', 'public, max-age=86400')
        .send(body);
    });
  }
  fastify.get('/changelog', (request, reply) => {
    if (/text\/markdown/.test(request.headers.accept ?? '')) {
      return reply.type('text/markdown; charset=utf-8').send(options.changelog);
    }
    return html(reply.header('content-security-policy', CHANGELOG_CSP), changelogPage);
  });
}

function html(reply: FastifyReply, body: string): FastifyReply {
  return reply.type('text/html; charset=utf-8').send(body);
}
