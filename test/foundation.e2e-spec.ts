import { createServer, Server, Socket } from 'node:net';
import Database from 'better-sqlite3';
import request from 'supertest';
import { LogCapture } from './helpers/log-capture';
import { bearer, createMerchant, freePort, startTestApp, TestApp } from './helpers/test-app';
import { createScratchDatabase, testEngine } from './helpers/scratch-database';

/** Every status of the contract's table that needs no feature module, on this engine. */
describe(`foundation on ${testEngine()}`, () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_PER_SECOND: '1000', BODY_LIMIT: '2kb' });
  });
  afterAll(() => t.close());

  const expectEnvelope = (body: Record<string, unknown>, status: number, reason: string) => {
    expect(body).toEqual(
      expect.objectContaining({
        code: String(status),
        reason,
        message: expect.any(String),
        request_id: expect.any(String),
      }),
    );
    expect(JSON.stringify(body)).not.toMatch(/at \w+ \(|node_modules|SELECT |INSERT /);
  };

  it('answers health checks in the success envelope', async () => {
    const live = await t.http.get('/health/live').expect(200);
    expect(live.body).toEqual({
      code: '0000',
      message: 'success',
      data: { status: 'ok' },
      request_id: expect.any(String),
    });
    const ready = await t.http.get('/health/ready').expect(200);
    expect(ready.body.data).toEqual({ status: 'ok' });
  });

  it('takes a sane X-Request-Id and echoes it, and makes one up otherwise', async () => {
    const given = await t.http
      .get('/health/live')
      .set('x-request-id', 'merchant-req-42')
      .expect(200);
    expect(given.headers['x-request-id']).toBe('merchant-req-42');
    expect(given.body.request_id).toBe('merchant-req-42');
    const insane = await t.http
      .get('/health/live')
      .set('x-request-id', 'bad id with spaces <script>')
      .expect(200);
    expect(insane.headers['x-request-id']).not.toContain(' ');
    expect(insane.body.request_id).toBe(insane.headers['x-request-id']);
  });

  it('400 for malformed JSON, in the envelope', async () => {
    const res = await t.http
      .post('/v1/auth/token')
      .set('content-type', 'application/json')
      .send('{"grant_type":');
    expect(res.status).toBe(400);
    expectEnvelope(res.body, 400, 'malformed_body');
  });

  it('400 validation_failed with field errors, and unknown fields refused', async () => {
    const res = await t.http
      .post('/v1/auth/token')
      .send({ grant_type: 'client_credentials', client_id: 'x', client_secret: 'y', surprise: 1 });
    expect(res.status).toBe(400);
    expectEnvelope(res.body, 400, 'validation_failed');
    expect(res.body.errors).toEqual([
      { field: 'surprise', message: expect.stringContaining('surprise') },
    ]);
  });

  it('401 without a token on a protected route', async () => {
    const res = await t.http.get('/v1/merchants/me');
    expect(res.status).toBe(401);
    expectEnvelope(res.body, 401, 'unauthenticated');
  });

  it("404 in the envelope for an unknown route, not Fastify's default", async () => {
    const res = await t.http.get('/v1/no-such-thing');
    expect(res.status).toBe(404);
    expectEnvelope(res.body, 404, 'route_not_found');
  });

  it('405 with Allow for a known path and a wrong method, TRACE included', async () => {
    const res = await t.http.delete('/v1/teapot');
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD');
    expectEnvelope(res.body, 405, 'method_not_allowed');
    const token = await t.http.get('/v1/auth/token');
    expect(token.status).toBe(405);
    expect(token.headers.allow).toBe('POST');
    const trace = await request(t.url).trace('/v1/teapot');
    expect(trace.status).toBe(405);
  });

  it('406 when Accept excludes JSON', async () => {
    const res = await t.http.get('/health/live').set('accept', 'text/html');
    expect(res.status).toBe(406);
    expectEnvelope(res.body, 406, 'not_acceptable');
    await t.http.get('/health/live').set('accept', 'application/*').expect(200);
  });

  it('413 over BODY_LIMIT', async () => {
    const res = await t.http
      .post('/v1/auth/token')
      .send({ grant_type: 'client_credentials', client_id: 'x'.repeat(4000) });
    expect(res.status).toBe(413);
    expectEnvelope(res.body, 413, 'payload_too_large');
  });

  it('415 for a body that is neither JSON nor a form', async () => {
    const res = await t.http
      .post('/v1/auth/token')
      .set('content-type', 'text/plain')
      .send('grant_type=client_credentials');
    expect(res.status).toBe(415);
    expectEnvelope(res.body, 415, 'unsupported_media_type');
    const xml = await t.http
      .post('/v1/auth/token')
      .set('content-type', 'application/xml')
      .send('<a/>');
    expect(xml.status).toBe(415);
  });

  it('418 at GET /v1/teapot, in English or Chinese by Accept-Language', async () => {
    const en = await t.http.get('/v1/teapot').expect(418);
    expectEnvelope(en.body, 418, 'im_a_teapot');
    expect(en.body.message).toBe("I'm a teapot");
    const zh = await t.http
      .get('/v1/teapot')
      .set('accept-language', 'zh-CN,zh;q=0.9,en;q=0.5')
      .expect(418);
    expect(zh.body.message).toBe('我是一个茶壶');
    const zhShort = await t.http.get('/v1/teapot').set('accept-language', 'zh').expect(418);
    expect(zhShort.body.message).toBe('我是一个茶壶');
  });

  it('accepts form bodies wherever JSON is accepted', async () => {
    const res = await t.http
      .post('/v1/auth/token')
      .type('form')
      .send('grant_type=client_credentials&client_id=nobody&client_secret=nothing');
    expect(res.status).toBe(401);
    expectEnvelope(res.body, 401, 'invalid_client');
  });

  it('500 is masked: no stack, no SQL; the request id ties it to the log', async () => {
    const merchant = await createMerchant(t);
    // a real unexpected failure: a table the service needs disappears
    await t.dataSource.query('DROP TABLE audit_logs');
    const res = await t.http.get('/v1/admin/audit-logs').set(bearer(await t.adminToken()));
    expect(res.status).toBe(500);
    expect(res.body).toEqual({
      code: '500',
      message: expect.any(String),
      reason: 'internal_error',
      request_id: expect.any(String),
    });
    expect(JSON.stringify(res.body)).not.toMatch(/audit_logs|SELECT|stack|QueryFailed/i);
    expect(merchant.sourceId).toBeGreaterThan(0);
  });

  it("logs a 500 with the request's id, at the production log level", async () => {
    const logs = new LogCapture();
    const own = await startTestApp({ LOG_LEVEL: 'warn' }, undefined, { logDestination: logs });
    try {
      await own.dataSource.query('DROP TABLE audit_logs');
      const res = await own.http.get('/v1/admin/audit-logs').set(bearer(await own.adminToken()));
      expect(res.status).toBe(500);
      const line = logs.lines
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((l) => l.msg === 'unhandled error');
      expect(line).toMatchObject({ level: 'error', request_id: res.body.request_id });
    } finally {
      await own.close();
    }
  });

  it('serves Prometheus metrics with request counts and latency by route and status', async () => {
    await t.http.get('/v1/teapot');
    const res = await t.http.get('/metrics').expect(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.text).toMatch(
      /paygate_http_requests_total\{method="GET",route="\/v1\/teapot",status="418"\} \d+/,
    );
    expect(res.text).toContain('paygate_http_request_duration_seconds_bucket');
  });

  it('sets security headers and no X-Powered-By; CORS stays closed by default', async () => {
    const res = await t.http.get('/health/live').set('origin', 'https://evil.example');
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe(`rate limit on ${testEngine()}`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_PER_SECOND: '3' });
  });
  afterAll(() => t.close());

  it('429 with Retry-After and RateLimit-* headers past the limit', async () => {
    const statuses: number[] = [];
    let limited: request.Response | undefined;
    for (let i = 0; i < 6; i++) {
      const res = await t.http.get('/v1/teapot');
      statuses.push(res.status);
      expect(res.headers['ratelimit-limit']).toBe('3');
      expect(res.headers['ratelimit-remaining']).toBeDefined();
      expect(res.headers['ratelimit-reset']).toBeDefined();
      if (res.status === 429) limited = res;
    }
    expect(statuses.slice(0, 3)).toEqual([418, 418, 418]);
    expect(limited).toBeDefined();
    expect(Number(limited!.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(limited!.body).toEqual(expect.objectContaining({ code: '429', reason: 'rate_limited' }));
  });
});

describe(`database unreachable on ${testEngine()}`, () => {
  if (testEngine() === 'postgres') {
    it('503 with Retry-After while PostgreSQL cannot be reached, and recovers by itself', async () => {
      const target = new URL(process.env.TEST_DATABASE_URL!);
      const proxy = await startTcpProxy(Number(target.port || 5432));
      const database = await createScratchDatabase();
      const viaProxy = new URL(database.url);
      viaProxy.port = String(proxy.port);
      const t = await startTestApp({}, { ...database, url: viaProxy.toString() });
      try {
        await t.http.get('/health/ready').expect(200);
        const merchant = await createMerchant(t);
        await proxy.cut();
        const ready = await t.http.get('/health/ready');
        expect(ready.status).toBe(503);
        expect(ready.headers['retry-after']).toBeDefined();
        const token = await t.http
          .post('/v1/auth/token')
          .send({ grant_type: 'client_credentials', client_id: 'a', client_secret: 'b' });
        expect(token.status).toBe(503);
        expect(token.body).toEqual(expect.objectContaining({ code: '503', reason: 'unavailable' }));
        expect(token.headers['retry-after']).toBe('5');
        // a valid token whose credential cannot be looked up is not the caller's fault: no 401
        const me = await t.http.get('/v1/merchants/me').set(bearer(merchant.token));
        expect(me.status).toBe(503);
        expect(me.body).toEqual(expect.objectContaining({ code: '503', reason: 'unavailable' }));
        expect(me.headers['retry-after']).toBe('5');
        proxy.restore();
        await t.http.get('/health/ready').expect(200);
        await t.http.get('/v1/merchants/me').set(bearer(merchant.token)).expect(200);
      } finally {
        await t.close();
        await proxy.close();
        await database.drop();
      }
    });
  } else {
    it('503 with Retry-After while another process holds the SQLite write lock, and recovers', async () => {
      const t = await startTestApp({ SQLITE_BUSY_TIMEOUT_MS: '200' });
      const admin = bearer(await t.adminToken());
      const other = new Database(t.database.url.slice('sqlite:'.length));
      try {
        other.exec('BEGIN IMMEDIATE');
        other.exec(
          "INSERT INTO app_settings (key, value, created_at) VALUES ('lock-holder', 'x', 0)",
        );
        const res = await t.http.post('/v1/merchants').set(admin).send({ name: 'Blocked Shop' });
        expect(res.status).toBe(503);
        expect(res.body).toEqual(expect.objectContaining({ code: '503', reason: 'unavailable' }));
        expect(res.headers['retry-after']).toBe('5');
        other.exec('ROLLBACK');
        await t.http.post('/v1/merchants').set(admin).send({ name: 'Unblocked Shop' }).expect(201);
        const names = await t.dataSource.query('SELECT name FROM merchants');
        expect(names).toEqual([{ name: 'Unblocked Shop' }]);
      } finally {
        other.close();
        await t.close();
      }
    });
  }
});

/** A TCP relay to PostgreSQL that can be cut (every connection dropped, new ones refused). */
async function startTcpProxy(targetPort: number) {
  const sockets = new Set<Socket>();
  let open = true;
  const port = await freePort();
  const server: Server = createServer((client) => {
    if (!open) return client.destroy();
    const upstream = new Socket();
    upstream.connect(targetPort, '127.0.0.1');
    client.pipe(upstream).pipe(client);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    }
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port,
    cut: async () => {
      open = false;
      for (const s of sockets) s.destroy();
    },
    restore: () => {
      open = true;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
