import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import { FastifyInstance, FastifyReply } from 'fastify';
import { ErrorEnvelope } from '../common/http/envelope';

/** Where `npm run build` puts the console (vite's outDir): dist/public/console. */
export const CONSOLE_BUILD_DIR = join(__dirname, '..', '..', 'dist', 'public', 'console');

/**
 * The console's Content-Security-Policy: scripts and styles from this server only, no inline
 * script, no eval. `style-src` also allows inline styles: Element Plus and ECharts position
 * popovers, dialogs and tooltips through style attributes, which a hash cannot cover (they change
 * at run time); a style cannot run code, so this keeps the policy's protection against script
 * injection whole. docs/console.md ("Serving") says the same.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

export interface ConsoleWebOptions {
  /** The directory holding index.html and assets/ (CONSOLE_BUILD_DIR unless a test says). */
  buildDir?: string;
  /** SETTLEMENT_TZ, handed to the page in a meta tag (no inline script under the CSP). */
  settlementTz: string;
}

/**
 * Serves the web console at /console: the hashed files under /console/assets/ cached for a
 * year (their names change with their content), every other path under /console answered with
 * index.html (the console's router works in history mode) and never cached, so a new release is
 * picked up at the next navigation. Without a build, /console answers 503 saying how to build it.
 */
export function registerConsoleWeb(fastify: FastifyInstance, options: ConsoleWebOptions): void {
  const dir = options.buildDir ?? CONSOLE_BUILD_DIR;
  const indexPath = join(dir, 'index.html');
  if (!existsSync(indexPath)) {
    const notBuilt = (request: { id: string }, reply: FastifyReply) => {
      const body: ErrorEnvelope = {
        code: '503',
        message:
          'The web console is not built: run `npm run build` (or `npm run console:build`), then restart.',
        reason: 'unavailable',
        request_id: request.id,
      };
      return reply.code(503).type('application/json; charset=utf-8').send(body);
    };
    fastify.get('/console', notBuilt);
    fastify.get('/console/*', notBuilt);
    return;
  }
  const index = withSettlementTz(readFileSync(indexPath, 'utf8'), options.settlementTz);
  const page = (_request: unknown, reply: FastifyReply) =>
    reply
      .header('content-security-policy', CONSOLE_CSP)
      .header('cache-control', 'no-cache')
      .type('text/html; charset=utf-8')
      .send(index);
  // a file missing from the build is a plain 404 (the page is only for the console's own paths)
  const assets = async (scope: FastifyInstance) => {
    scope.setNotFoundHandler((request, reply) => {
      const body: ErrorEnvelope = {
        code: '404',
        message: 'No such file in the web console’s build',
        reason: 'not_found',
        request_id: request.id,
      };
      return reply.code(404).type('application/json; charset=utf-8').send(body);
    });
    await scope.register(fastifyStatic, {
      root: join(dir, 'assets'),
      prefix: '/',
      decorateReply: false,
      index: false,
      wildcard: true,
      cacheControl: false,
      etag: true,
      lastModified: false,
      setHeaders: (reply: FastifyReply) => {
        reply.header('cache-control', 'public, max-age=31536000, immutable');
        reply.header('content-security-policy', CONSOLE_CSP);
      },
    });
  };
  fastify.register(assets, { prefix: '/console/assets' });
  fastify.get('/console', page);
  fastify.get('/console/*', page);
}

/** index.html with the settlement time zone in its `paygate-settlement-tz` meta tag. */
export function withSettlementTz(html: string, tz: string): string {
  const escaped = tz.replace(/[&"<>]/g, (c) => `&#${c.charCodeAt(0)};`);
  return html.replace(
    /<meta name="paygate-settlement-tz" content="[^"]*"\s*\/?>/,
    `<meta name="paygate-settlement-tz" content="${escaped}" />`,
  );
}
