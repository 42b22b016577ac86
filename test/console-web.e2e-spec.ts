import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { startTestApp, TestApp } from './helpers/test-app';

/**
 * How paygate serves the web console at /console: the page for every console path (history
 * mode), hashed files cached for good, the page never cached, a strict CSP, the settlement time
 * zone handed to the page; without a build, a clear answer and a server that still works. A
 * small stand-in build is used here (the real one is exercised by the browser specs).
 */
describe('the web console served at /console', () => {
  let build: string;
  let t: TestApp;

  beforeAll(async () => {
    build = mkdtempSync(join(tmpdir(), 'paygate-console-'));
    mkdirSync(join(build, 'assets'));
    writeFileSync(
      join(build, 'index.html'),
      '<!doctype html><html><head><meta name="paygate-settlement-tz" content="" />' +
        '<script type="module" src="/console/assets/index-AbC123.js"></script></head>' +
        '<body><div id="app"></div></body></html>',
    );
    writeFileSync(join(build, 'assets', 'index-AbC123.js'), 'console.log("console");\n');
    t = await startTestApp({ SETTLEMENT_TZ: 'Europe/Berlin' }, undefined, {
      consoleBuildDir: build,
    });
  });

  afterAll(async () => {
    await t?.close();
    rmSync(build, { recursive: true, force: true });
  });

  it.each(['/console', '/console/', '/console/login', '/console/operator/payments?status=FAILED'])(
    '%s answers the page, never cached, under a CSP without inline scripts or eval',
    async (path) => {
      const res = await request(t.url).get(path);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.text).toContain('<div id="app"></div>');
      const csp = String(res.headers['content-security-policy']);
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toMatch(/unsafe-eval/);
      expect(csp.match(/script-src[^;]*/)?.[0]).not.toContain('unsafe-inline');
      // the settlement time zone reaches the page in a meta tag (no inline script)
      expect(res.text).toContain('<meta name="paygate-settlement-tz" content="Europe/Berlin" />');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    },
  );

  it('serves hashed files cached for a year, immutable', async () => {
    const res = await request(t.url).get('/console/assets/index-AbC123.js');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/javascript/);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(res.text).toBe('console.log("console");\n');
  });

  it('answers 404 for a file that is not in the build, not the page', async () => {
    const res = await request(t.url).get('/console/assets/missing-123.js');
    expect(res.status).toBe(404);
    expect(res.text).not.toContain('<div id="app">');
  });

  it('keeps the API as it was', async () => {
    const res = await request(t.url).get('/v1/console/session');
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ reason: 'unauthenticated' });
  });

  it('without a build, /console says how to build it and the server still answers', async () => {
    const other = await startTestApp({}, undefined, {
      consoleBuildDir: join(build, 'not-built'),
    });
    try {
      const res = await request(other.url).get('/console/operator/overview');
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ code: '503', reason: 'unavailable' });
      expect(res.body.message).toContain('npm run build');
      expect((await request(other.url).get('/health/live')).status).toBe(200);
    } finally {
      await other.close();
    }
  });

  it('CONSOLE_ENABLED=false: /console is not served at all', async () => {
    const off = await startTestApp({ CONSOLE_ENABLED: 'false' }, undefined, {
      consoleBuildDir: build,
    });
    try {
      for (const path of ['/console', '/console/login', '/console/assets/index-AbC123.js']) {
        const res = await request(off.url).get(path);
        expect({ path, status: res.status }).toEqual({ path, status: 404 });
      }
    } finally {
      await off.close();
    }
  });
});
