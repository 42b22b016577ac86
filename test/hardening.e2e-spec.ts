import { readFileSync } from 'node:fs';
import { connect, Socket } from 'node:net';
import { join } from 'node:path';
import request from 'supertest';
import { listOperations, OpenApiDocument } from './helpers/bad-input';
import { createOrder, createSandboxChannel } from './helpers/payments';
import { testEngine } from './helpers/scratch-database';
import { bearer, createMerchant, startTestApp, TestApp, TestMerchant } from './helpers/test-app';
import { routeTraitsByOperationId, RouteTraits } from '../src/docs/error-responses';
import { operationIdFor } from '../src/docs/openapi';

/**
 * Misconfiguration (TESTING.md 24, OWASP API8): no stack traces, no X-Powered-By, security
 * headers on every kind of response, a content security policy on every HTML page, TRACE
 * refused, CORS closed unless configured and then only for the listed origins, and the
 * documentation off in production when asked.
 */
const OPERATIONS = listOperations(
  JSON.parse(readFileSync(join(__dirname, '..', 'openapi.json'), 'utf8')) as OpenApiDocument,
);
const LEAKS =
  /at \w+ \(|node_modules|\/src\/|\.ts:\d+|SELECT |INSERT |UPDATE |QueryFailed|SQLITE_|stack/i;

const PRODUCTION = {
  NODE_ENV: 'production',
  JWT_SECRET: 'hardening-test-jwt-secret-0123456789abcdef0123',
  CHANNEL_CONFIG_KEY: 'a'.repeat(64),
};

describe(`hardening on ${testEngine()}`, () => {
  let t: TestApp;
  let payUrl: string;

  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_PER_SECOND: '10000' });
    await createSandboxChannel(t);
    const merchant = await createMerchant(t);
    payUrl = (await createOrder(t, merchant)).pay_url;
  });
  afterAll(() => t.close());

  const HELMET = {
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'SAMEORIGIN',
    'strict-transport-security': expect.stringContaining('max-age='),
    'referrer-policy': 'no-referrer',
    'cross-origin-resource-policy': 'same-origin',
  };

  it('sends no X-Powered-By and the security headers on every kind of response', async () => {
    const sandboxPage = new URL(payUrl);
    const responses: [string, request.Test][] = [
      ['JSON success', t.http.get('/health/live')],
      ['JSON error', t.http.get('/v1/teapot')],
      ['unknown route', t.http.get('/v1/nothing-here')],
      ['wrong method', t.http.delete('/v1/teapot')],
      [
        'wrong media type',
        t.http.post('/v1/auth/token').set('content-type', 'text/xml').send('<a/>'),
      ],
      ['malformed URL', t.http.get('/v1/payments/%zz')],
      ['Swagger UI', t.http.get('/docs')],
      ['reference', t.http.get('/reference')],
      ['changelog', t.http.get('/changelog')],
      ['metrics', t.http.get('/metrics')],
      ['sandbox page', t.http.get(`${sandboxPage.pathname}${sandboxPage.search}`)],
    ];
    for (const [what, send] of responses) {
      const res = await send;
      expect([what, res.headers['x-powered-by']]).toEqual([what, undefined]);
      expect([what, res.headers]).toEqual([what, expect.objectContaining(HELMET)]);
    }
    // refused by Node's parser before any hook: still no X-Powered-By, still nosniff
    const raw = await rawRequest(
      t.url,
      `GET /v1/teapot?q=${'x'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
    );
    expect(raw).toMatch(/^HTTP\/1\.1 431 /);
    expect(raw).toMatch(/x-content-type-options: nosniff/i);
    expect(raw).not.toMatch(/x-powered-by/i);
  });

  it('lets no cache keep an answer: no-store on every one, a token, a secret shown once or an error', async () => {
    const admin = bearer(await t.adminToken());
    const merchant = await createMerchant(t, { name: 'No Store' });
    const created = (key: string) =>
      t.http.post('/v1/merchants').set(admin).set('idempotency-key', key).send({ name: 'Kept' });
    const answers: [string, request.Response][] = [
      [
        'token',
        await t.http.post('/v1/auth/token').send({
          grant_type: 'client_credentials',
          client_id: merchant.clientId,
          client_secret: merchant.clientSecret,
        }),
      ],
      [
        'token, HTTP Basic',
        await t.http
          .post('/v1/auth/token')
          .set(
            'authorization',
            `Basic ${Buffer.from(`${merchant.clientId}:${merchant.clientSecret}`).toString('base64')}`,
          )
          .send({ grant_type: 'client_credentials' }),
      ],
      [
        'refused token',
        await t.http
          .post('/v1/auth/token')
          .send({ grant_type: 'client_credentials', client_id: 'x', client_secret: 'y' }),
      ],
      ['merchant', await created('no-store-merchant')],
      ['merchant, replayed', await created('no-store-merchant')],
      [
        'credential',
        await t.http.post(`/v1/merchants/${merchant.sourceId}/credentials`).set(admin),
      ],
      [
        'webhook secret',
        await t.http.post(`/v1/merchants/${merchant.sourceId}/webhook-secret`).set(admin),
      ],
      ['read', await t.http.get('/v1/merchants/me').set(bearer(merchant.token))],
      ['health', await t.http.get('/health/live')],
      ['unknown route', await t.http.get('/v1/nothing-here')],
      ['malformed URL', await t.http.get('/v1/payments/%zz')],
    ];
    for (const [what, res] of answers) {
      expect([what, res.status < 500, res.headers['cache-control']]).toEqual([
        what,
        true,
        'no-store',
      ]);
    }
    expect(answers[0][1].status).toBe(200);
    expect(answers[0][1].headers.pragma).toBe('no-cache');
    expect(answers[4][1].headers['idempotent-replayed']).toBe('true');
    const raw = await rawRequest(
      t.url,
      `GET /v1/teapot?q=${'x'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
    );
    expect(raw).toMatch(/cache-control: no-store/i);
  });

  it('gives every HTML page a content security policy that runs no inline script', async () => {
    const sandboxPage = new URL(payUrl);
    for (const path of [
      '/docs',
      '/reference',
      '/changelog',
      `${sandboxPage.pathname}${sandboxPage.search}`,
    ]) {
      const res = await t.http.get(path);
      expect([path, res.status, res.headers['content-type']]).toEqual([
        path,
        200,
        expect.stringMatching(/^text\/html/),
      ]);
      const csp = String(res.headers['content-security-policy'] ?? '');
      expect([path, csp]).toEqual([path, expect.stringMatching(/default-src '(self|none)'/)]);
      expect(csp).toMatch(/base-uri 'none'/);
      const scripts = /script-src ([^;]*)/.exec(csp)?.[1] ?? '';
      expect([path, scripts]).not.toEqual([path, expect.stringContaining('unsafe-inline')]);
    }
  });

  it('refuses TRACE on every route of the document, never echoing the request', async () => {
    for (const op of OPERATIONS) {
      const path = op.path.replace(/\{\w+\}/g, 'x');
      const res = await request(t.url).trace(path).set('x-secret-probe', 'echo-me');
      expect([op.id, res.status]).toEqual([op.id, 405]);
      expect(res.headers.allow).not.toMatch(/TRACE/);
      expect(res.text).not.toContain('echo-me');
      expect(res.body.reason).toBe('method_not_allowed');
    }
  });

  it('keeps CORS closed by default: no Access-Control-* for any origin, preflights refused', async () => {
    const simple = await t.http.get('/v1/teapot').set('origin', 'https://shop.example');
    expect(simple.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await request(t.url)
      .options('/v1/payments/create')
      .set('origin', 'https://shop.example')
      .set('access-control-request-method', 'POST')
      .set('access-control-request-headers', 'authorization,content-type');
    expect(preflight.status).toBe(405);
    expect(Object.keys(preflight.headers).filter((h) => h.startsWith('access-control-'))).toEqual(
      [],
    );
  });
});

describe(`hardening: path-based rules decide by the route that matched, on ${testEngine()}`, () => {
  let t: TestApp;
  let merchant: TestMerchant;
  let orderId: string;
  let roles: Map<string, RouteTraits>;

  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_PER_SECOND: '10000' });
    await createSandboxChannel(t);
    merchant = await createMerchant(t);
    orderId = (await createOrder(t, merchant)).order_id;
    roles = routeTraitsByOperationId(t.app, operationIdFor);
  });
  afterAll(() => t.close());

  /** The same path with its letters and digits percent-encoded in a few ways. */
  function spellings(path: string): string[] {
    const encode = (c: string) => `%${c.charCodeAt(0).toString(16)}`;
    const [, first, ...rest] = path.split('/');
    const tail = rest.length > 0 ? `/${rest.join('/')}` : '';
    return [
      path,
      ...(path.endsWith('/') ? [] : [`${path}/`]),
      `/${encode(first[0])}${first.slice(1)}${tail}`,
      `/${first.slice(0, -1)}${encode(first.slice(-1))}${tail}`,
      `/${[...first].map(encode).join('')}${tail}`,
      `/${[...first].map((c) => encode(c).toUpperCase()).join('')}${tail}`,
      ...(rest.length > 0 && /^[a-z]/.test(rest[0])
        ? [`/${first}/${encode(rest[0][0])}${rest[0].slice(1)}${tail.slice(rest[0].length + 1)}`]
        : []),
    ];
  }

  it('sets the Swagger UI policy on /docs however its path is spelled', async () => {
    for (const base of ['/docs', '/docs/', '/docs-json']) {
      for (const path of spellings(base)) {
        const res = await t.http.get(path);
        expect([path, res.status]).toEqual([path, 200]);
        expect([path, res.headers['content-security-policy']]).toEqual([
          path,
          expect.stringContaining("script-src 'self'"),
        ]);
      }
    }
    // a path the router does not decode to /docs is not /docs
    expect((await t.http.get('/%2564ocs')).status).toBe(404);
  });

  it('answers 503 in maintenance on every merchant route of the document, however /v1 is spelled', async () => {
    const admin = bearer(await t.adminToken());
    await t.http.put('/v1/admin/maintenance').set(admin).send({ enabled: true }).expect(200);
    try {
      const before = await t.dataSource.query('SELECT COUNT(*) AS n FROM orders');
      let checked = 0;
      for (const op of OPERATIONS) {
        const traits = roles.get(op.id);
        const merchantMay =
          !traits?.isPublic && (traits?.roles ?? ['merchant']).includes('merchant');
        if (!op.path.startsWith('/v1/') || !merchantMay || traits?.allowedDuringMaintenance) {
          continue;
        }
        const path = op.path.replace(/\{order_id\}/g, orderId).replace(/\{\w+\}/g, 'x');
        for (const spelled of spellings(path)) {
          const method = op.method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete';
          const body =
            method === 'get' || method === 'delete'
              ? undefined
              : { source_id: merchant.sourceId, product_id: 'p', product_name: 'n', amount: 100 };
          const send = request(t.url)[method](spelled);
          const res = await send.set(bearer(merchant.token)).send(body);
          expect([op.id, spelled, res.status, res.body.reason]).toEqual([
            op.id,
            spelled,
            503,
            'maintenance',
          ]);
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(100);
      const after = await t.dataSource.query('SELECT COUNT(*) AS n FROM orders');
      expect(Number(after[0].n)).toBe(Number(before[0].n));
      // the token endpoint stays up however it is spelled, and admins get through
      for (const spelled of spellings('/v1/auth/token')) {
        const res = await t.http.post(spelled).send({
          grant_type: 'client_credentials',
          client_id: merchant.clientId,
          client_secret: merchant.clientSecret,
        });
        expect([spelled, res.status]).toEqual([spelled, 200]);
      }
      await t.http.get('/%761/merchants').set(admin).expect(200);
    } finally {
      await t.http.put('/v1/admin/maintenance').set(admin).send({ enabled: false }).expect(200);
    }
  });
});

describe(`hardening: slow and hoarding clients, on ${testEngine()}`, () => {
  const REQUEST_TIMEOUT_MS = 1000;
  const MAX_CONNECTIONS = 4;
  let t: TestApp;
  let merchant: TestMerchant;
  beforeAll(async () => {
    t = await startTestApp({
      REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      CONNECTION_TIMEOUT_MS: '2500',
      MAX_CONNECTIONS_PER_ADDRESS: String(MAX_CONNECTIONS),
    });
    merchant = await createMerchant(t);
  });
  afterAll(() => t.close());

  const create = (length: number) =>
    `POST /v1/payments/create HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${merchant.token}\r\n` +
    `Content-Type: application/json\r\nContent-Length: ${length}\r\nConnection: close\r\n\r\n`;

  it('answers 408 and closes a body that trickles in, within the request timeout', async () => {
    const started = Date.now();
    const results = await Promise.all(
      [0, 1, 2].map(() => slowClient(t.url, create(60_000), 'x', { everyMs: 100, forMs: 4000 })),
    );
    for (const result of results) {
      expect(result.response).toMatch(/^HTTP\/1\.1 408 /);
      expect(result.response).toContain('"reason":"request_timeout"');
      expect(result.closedAfterMs).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 50);
      expect(result.closedAfterMs).toBeLessThan(REQUEST_TIMEOUT_MS + 1500);
    }
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it('closes headers that trickle in, and a connection that sends nothing', async () => {
    const headers = await slowClient(
      t.url,
      'POST /v1/payments/create HTTP/1.1\r\nHost: x\r\n',
      'X-Slow: y\r\n',
      {
        everyMs: 100,
        forMs: 4000,
      },
    );
    expect(headers.response).toMatch(/^HTTP\/1\.1 408 /);
    expect(headers.closedAfterMs).toBeLessThan(REQUEST_TIMEOUT_MS + 1500);
    const silent = await slowClient(t.url, '', '', { everyMs: 100, forMs: 4000 });
    expect(silent.closedAfterMs).toBeLessThan(REQUEST_TIMEOUT_MS + 1500);
  });

  it('closes a connection left idle after its request, after the connection timeout', async () => {
    const socket = await openConnection(t.url);
    try {
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      const started = Date.now();
      expect(await exchange(socket, 'GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n')).toMatch(
        /^HTTP\/1\.1 200 /,
      );
      const limit = new Promise<void>((resolve) => setTimeout(resolve, 6000).unref());
      await Promise.race([closed, limit]);
      // closed by the server, after the connection timeout: not the 72 s of keep-alive
      expect(socket.destroyed || socket.readableEnded).toBe(true);
      expect(Date.now() - started).toBeGreaterThanOrEqual(2400);
      expect(Date.now() - started).toBeLessThan(6000);
    } finally {
      socket.destroy();
    }
  });

  it('takes a body sent at an ordinary pace', async () => {
    const body = JSON.stringify({
      source_id: merchant.sourceId,
      product_id: 'p',
      product_name: 'n',
      amount: 100,
    });
    const result = await slowClient(t.url, create(Buffer.byteLength(body)), body, {
      everyMs: 0,
      forMs: 0,
    });
    expect(result.response).toMatch(/^HTTP\/1\.1 (201|422) /);
  });

  it(`refuses a connection beyond ${MAX_CONNECTIONS} from one address with 429, and takes one again once another closes`, async () => {
    const held = await Promise.all(
      Array.from({ length: MAX_CONNECTIONS }, () => openConnection(t.url)),
    );
    try {
      // each held connection works
      for (const socket of held)
        expect(await exchange(socket, 'GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n')).toMatch(
          /^HTTP\/1\.1 200 /,
        );
      const refused = await slowClient(t.url, 'GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n', '', {
        everyMs: 0,
        forMs: 0,
      });
      expect(refused.response).toMatch(/^HTTP\/1\.1 429 /);
      expect(refused.response).toContain('"reason":"too_many_connections"');
      expect(refused.response).toMatch(/retry-after: 1/i);
      expect(refused.closedAfterMs).toBeLessThan(500);
      await closeConnection(held.pop() as Socket);
      const again = await openConnection(t.url);
      held.push(again);
      expect(await exchange(again, 'GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n')).toMatch(
        /^HTTP\/1\.1 200 /,
      );
    } finally {
      await Promise.all(held.map((socket) => closeConnection(socket)));
    }
    const metrics = await t.http.get('/metrics');
    expect(metrics.text).toMatch(/paygate_connections_refused_total [1-9]/);
  });
});

describe(`hardening: CORS when configured, on ${testEngine()}`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ CORS_ORIGINS: 'https://shop.example, https://admin.example' });
  });
  afterAll(() => t.close());

  it('answers the listed origins only, without credentials', async () => {
    for (const origin of ['https://shop.example', 'https://admin.example']) {
      const res = await t.http.get('/v1/teapot').set('origin', origin);
      expect(res.headers['access-control-allow-origin']).toBe(origin);
      expect(res.headers.vary).toMatch(/Origin/);
      expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    }
    for (const origin of ['https://evil.example', 'https://shop.example.evil.example', 'null']) {
      const res = await t.http.get('/v1/teapot').set('origin', origin);
      expect([origin, res.headers['access-control-allow-origin']]).toEqual([origin, undefined]);
    }
  });

  it('lets a listed origin preflight a create with its headers, and nobody else', async () => {
    const preflight = (origin: string) =>
      request(t.url)
        .options('/v1/payments/create')
        .set('origin', origin)
        .set('access-control-request-method', 'POST')
        .set('access-control-request-headers', 'authorization,content-type,idempotency-key');
    const allowed = await preflight('https://shop.example');
    expect(allowed.status).toBe(204);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://shop.example');
    expect(allowed.headers['access-control-allow-methods']).toMatch(/POST/);
    expect(allowed.headers['access-control-allow-headers']).toMatch(/idempotency-key/);
    expect(allowed.headers['access-control-allow-credentials']).toBeUndefined();
    const other = await preflight('https://evil.example');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe(`hardening: production, on ${testEngine()}`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ ...PRODUCTION, DOCS_ENABLED: 'false' });
  });
  afterAll(() => t.close());

  it('serves no documentation when DOCS_ENABLED=false, and the API still answers', async () => {
    for (const path of [
      '/docs',
      '/docs/',
      '/docs-json',
      '/docs-yaml',
      '/docs/swagger-ui-bundle.js',
      '/reference',
      '/reference/openapi.json',
      '/changelog',
    ]) {
      const res = await t.http.get(path);
      expect([path, res.status, res.body.reason]).toEqual([path, 404, 'route_not_found']);
    }
    await t.http.get('/health/live').expect(200);
  });

  it('shows no stack trace, SQL or source path in any error, even an unexpected one', async () => {
    const admin = bearer(await t.adminToken());
    const errors = [
      await t.http
        .post('/v1/merchants')
        .set(admin)
        .set('content-type', 'application/json')
        .send('{"name":'),
      await t.http.post('/v1/merchants').set(admin).send({ name: 1, extra: true }),
      await t.http
        .post('/v1/merchants')
        .set(admin)
        .set('content-type', 'application/json')
        .send(`${'['.repeat(50)}${']'.repeat(50)}`),
      await t.http.get('/v1/payments/%E0%A4%A').set(admin),
      await t.http.get('/v1/merchants/999999999999999999999').set(admin),
      await t.http.get('/v1/admin/audit-logs?cursor=not-a-cursor').set(admin),
    ];
    // a real unexpected failure: a table the service needs disappears
    await t.dataSource.query('DROP TABLE audit_logs');
    const crash = await t.http.get('/v1/admin/audit-logs').set(admin);
    expect(crash.status).toBe(500);
    expect(Object.keys(crash.body).sort()).toEqual(['code', 'message', 'reason', 'request_id']);
    for (const res of [...errors, crash]) {
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect([res.status, res.text]).toEqual([res.status, expect.not.stringMatching(LEAKS)]);
    }
  });
});

/** One request written on a socket as is, and the raw answer (headers and body). */
async function rawRequest(base: string, text: string): Promise<string> {
  return (await slowClient(base, text, '', { everyMs: 0, forMs: 0 })).response;
}

/**
 * A client that connects, writes `head`, then `drip` every `everyMs` for at most `forMs`: the
 * answer it got and when the server closed the connection (or the end of the drip).
 */
function slowClient(
  base: string,
  head: string,
  drip: string,
  { everyMs, forMs }: { everyMs: number; forMs: number },
): Promise<{ response: string; closedAfterMs: number }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const parts: Buffer[] = [];
    const socket = connect(Number(url.port), url.hostname, () => {
      if (head) socket.write(head);
      if (drip && everyMs === 0) socket.write(drip);
    });
    const timer =
      drip && everyMs > 0
        ? setInterval(() => {
            if (!socket.destroyed) socket.write(drip);
          }, everyMs)
        : undefined;
    const give = setTimeout(() => socket.destroy(), Math.max(forMs, 2000));
    socket.on('data', (part: Buffer) => parts.push(part));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(timer);
      clearTimeout(give);
      resolve({ response: Buffer.concat(parts).toString(), closedAfterMs: Date.now() - started });
    });
    socket.on('timeout', reject);
  });
}

function openConnection(base: string): Promise<Socket> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Writes one keep-alive request and resolves with the first chunk of its answer. */
function exchange(socket: Socket, text: string): Promise<string> {
  return new Promise((resolve) => {
    socket.once('data', (part: Buffer) => resolve(part.toString()));
    socket.write(text);
  });
}

/** Closes a connection and waits until the server has seen it close too. */
async function closeConnection(socket: Socket): Promise<void> {
  await new Promise<void>((resolve) => {
    socket.once('close', () => resolve());
    socket.end();
  });
  // the server's side closes a moment later
  await new Promise((r) => setTimeout(r, 50));
}
