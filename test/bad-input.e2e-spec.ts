import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import fc from 'fast-check';
import request from 'supertest';
import type { ObservedResponse } from '../src/app.factory';
import { Role } from '../src/auth/principal';
import { ChannelHealthService } from '../src/channels/health/channel-health.service';
import { routeTraitsByOperationId } from '../src/docs/error-responses';
import { operationIdFor } from '../src/docs/openapi';
import {
  GeneratedRequest,
  listOperations,
  resolveSchema,
  OpenApiDocument,
  Operation,
  RequestGenerator,
} from './helpers/bad-input';
import { today } from './helpers/clearing';
import { ContractChecker, toRoutePattern } from './helpers/contract';
import { changedTables, snapshotDatabase } from './helpers/db-snapshot';
import {
  createOrder,
  createSandboxChannel,
  payOrder,
  SANDBOX_SECRET,
  waitForStatus,
} from './helpers/payments';
import { testEngine } from './helpers/scratch-database';
import { bearer, createMerchant, startTestApp, TestApp, TestMerchant } from './helpers/test-app';

/**
 * Bad input across every endpoint (TESTING.md 11): for each operation of the committed
 * OpenAPI document, requests derived from its body schema and query parameters and then broken
 * (see helpers/bad-input.ts), sent with a token of the right kind, of the wrong kind, a garbage
 * one, or none. For every request:
 * - never a 5xx, and the body is the envelope (or a documented non-JSON success);
 * - the response matches the document (the contract check, request by request);
 * - a request the document forbids is refused (4xx);
 * - a refused request writes nothing: every table's rows are the same before and after
 *   (except the failure row the audit log keeps of a refused admin change, and the stored
 *   answer of a decided error under an Idempotency-Key, both by design).
 * A request the document allows may succeed and write (a create that happens to be valid).
 *
 * Seeded and replayable: BAD_INPUT_SEED=<seed> (printed at the start) repeats a run;
 * BAD_INPUT_RUNS sets the requests per operation.
 */
const SEED = Number(process.env.BAD_INPUT_SEED ?? Math.floor(Math.random() * 2 ** 31));
const RUNS = Number(process.env.BAD_INPUT_RUNS ?? 10);
const DOCUMENT = JSON.parse(
  readFileSync(join(__dirname, '..', 'openapi.json'), 'utf8'),
) as OpenApiDocument;
const OPERATIONS = listOperations(DOCUMENT);
/** Decided errors are stored for replay under their Idempotency-Key (see the interceptor). */
const STORED_ERRORS = new Set([404, 409, 410, 422]);

describe(`bad input on ${testEngine()}`, () => {
  let t: TestApp;
  let adminToken: string;
  let merchant: TestMerchant;
  let paidOrderId: string;
  let generator: RequestGenerator;
  let roles: Map<string, { isPublic: boolean; roles?: Role[]; errorPages: boolean }>;
  const checker = new ContractChecker();
  const observed: ObservedResponse[] = [];
  const stats = { sent: 0, forbidden: 0, refused: 0, accepted: 0 };

  beforeAll(async () => {
    console.log(`bad input seed: ${SEED} (BAD_INPUT_SEED=${SEED} to replay)`);
    t = await startTestApp(
      {
        RATE_LIMIT_PER_SECOND: '100000',
        TOKEN_RATE_LIMIT_PER_MINUTE: '100000',
        WEBHOOK_ALLOW_PRIVATE: 'false',
      },
      undefined,
      { observeResponse: (response) => observed.push(response) },
    );
    adminToken = await t.adminToken();
    const admin = bearer(adminToken);
    merchant = await createMerchant(t);
    // the resources path parameters point at belong to a bystander, so a valid suspension,
    // revocation or deletion does not lock the generator out
    const bystander = await createMerchant(t, { name: 'Bystander' });
    const credential = await t.http
      .post(`/v1/merchants/${bystander.sourceId}/credentials`)
      .set(admin)
      .expect(201);
    await createSandboxChannel(t);
    await createSandboxChannel(t, { code: 'bystander_channel', priority: -1 });
    const order = await createOrder(t, merchant);
    await payOrder(t, order).expect(200);
    await waitForStatus(t, merchant.token, order.order_id, 'SUCCEEDED');
    paidOrderId = order.order_id;
    // from now on the sandbox sends no notifications: nothing is written behind a request's back
    await t.http
      .patch('/v1/channels/sandbox_main')
      .set(admin)
      .send({ config: { secret: SANDBOX_SECRET, seed: 42, notify_drop_rate: 1 } })
      .expect(200);
    const date = today(t);
    await t.http.post('/v1/clearing/runs').set(admin).send({ date }).expect(201);
    const first = async (path: string, field: string) => {
      const res = await t.http.get(path).set(admin).expect(200);
      return String((res.body.data.items as Record<string, unknown>[])[0][field]);
    };
    roles = routeTraitsByOperationId(t.app, operationIdFor);
    generator = new RequestGenerator({
      document: DOCUMENT,
      fields: {
        source_id: fc.constant(merchant.sourceId),
        merchants: fc.constant([merchant.sourceId]),
        channel: fc.constant('sandbox_main'),
        provider: fc.constant('sandbox'),
        currency: fc.constantFrom('CNY', 'USD'),
        currencies: fc.constant(['CNY']),
        config: fc.record(
          { latency_ms: fc.nat(3), notify_delay_ms: fc.nat(3), notify_drop_rate: fc.constant(1) },
          { requiredKeys: ['notify_drop_rate'] },
        ),
        // addresses only, never a name to resolve: nothing leaves the machine
        notify_url: fc.constantFrom(
          'https://127.0.0.1/hook',
          'http://[::1]:9/hook',
          'http://169.254.169.254/latest/meta-data/',
          'http://2130706433/',
          'http://0x7f.1/',
          'http://[::a9fe:a9fe]/latest/meta-data/',
          'http://[::7f00:1]:9/hook',
          'ftp://127.0.0.1/',
          'https://203.0.113.9/hook',
        ),
        date: fc.constant(date),
        order_id: fc.constant(order.order_id),
        grant_type: fc.constant('client_credentials'),
        created_from: fc.constant(new Date(Date.now() - 3_600_000).toISOString()),
        created_to: fc.constant(new Date(Date.now() + 3_600_000).toISOString()),
      },
      pathValues: {
        order_id: [order.order_id],
        source_id: [String(bystander.sourceId)],
        client_id: [credential.body.data.client_id as string],
        code: ['bystander_channel'],
        channel_code: ['sandbox_main'],
        id: [await first('/v1/events', 'id')],
        entry_id: [await first('/v1/clearing/journal', 'entry_id')],
        bill_id: [await first(`/v1/clearing/bills?date=${date}`, 'bill_id')],
      },
    });
  });

  afterAll(async () => {
    console.log(
      `bad input on ${testEngine()}: ${stats.sent} generated requests over ${OPERATIONS.length} ` +
        `operations; ${stats.forbidden} forbidden by the document, all refused; ` +
        `${stats.refused} refused in all; ${stats.accepted} accepted (allowed by the document)`,
    );
    await t.close();
  });

  function tokenFor(operation: Operation, auth: GeneratedRequest['auth'], pick: boolean) {
    const route = roles.get(operation.id);
    const allowed = route?.roles ?? (route?.isPublic ? [] : ['admin', 'merchant']);
    const admin = allowed.includes('admin');
    const own = allowed.includes('merchant');
    switch (auth) {
      case 'none':
        return undefined;
      case 'garbage':
        return 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9.';
      case 'wrong-role':
        return admin && !own ? merchant.token : own && !admin ? adminToken : undefined;
      default:
        if (admin && own) return pick ? adminToken : merchant.token;
        return admin ? adminToken : own ? merchant.token : undefined;
    }
  }

  async function send(operation: Operation, generated: GeneratedRequest, pick: boolean) {
    const url = `${generated.path}${generated.query ? `?${generated.query}` : ''}`;
    const method = generated.method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete';
    let req = request(t.url)[method](url).set(generated.headers);
    const token = tokenFor(operation, generated.auth, pick);
    if (token) req = req.set('authorization', `Bearer ${token}`);
    if (generated.body) {
      req = req.set('content-type', generated.body.contentType).send(generated.body.text);
    }
    const res = await req;
    const requestId = res.headers['x-request-id'] as string | undefined;
    // what the router or Node's parser refuses passes no hook: judged as the client saw it
    // the last with its id: a sane X-Request-Id sent again is used again
    const response: ObservedResponse = observed.findLast((o) => o.requestId === requestId) ?? {
      method: generated.method,
      requestId: requestId ?? '',
      route: undefined,
      url,
      status: res.status,
      contentType: res.headers['content-type'] as string | undefined,
      body: res.text,
    };
    return { res, response };
  }

  /** A request whose path reaches the route (real ids), the same one for a seed. */
  function reachingRequest(operation: Operation, index: number): GeneratedRequest {
    const [reaching] = fc.sample(generator.requests(operation, true), {
      seed: SEED + index,
      numRuns: 1,
    });
    return reaching;
  }

  const isJson = (contentType: string | undefined) => /application\/json/.test(contentType ?? '');

  describe('generated requests, every operation of openapi.json', () => {
    it('covers every operation the application serves', () => {
      expect(OPERATIONS.length).toBeGreaterThanOrEqual(40);
    });

    OPERATIONS.forEach((operation, index) => {
      it(`${operation.method} ${operation.path}`, async () => {
        const requests = fc.tuple(generator.requests(operation), fc.boolean());
        // one request that surely reaches the route, besides the generated ones
        const reaching = reachingRequest(operation, index);
        await fc.assert(
          fc.asyncProperty(requests, async ([generated, pick]) => {
            // channel counters earned by earlier requests are written now, not mid-request
            await t.app.get(ChannelHealthService).flush();
            const before = await snapshotDatabase(t.dataSource);
            const { res, response } = await send(operation, generated, pick);
            stats.sent++;
            const answer = `${res.status} ${res.text.slice(0, 300)}`;
            if (res.status >= 500) throw new Error(`a server error: ${answer}`);
            // pages people open in a browser fail as pages, under their CSP (the document says so)
            const page = roles.get(operation.id)?.errorPages === true;
            if (res.status >= 400 && page && !isJson(res.headers['content-type'])) {
              expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
              expect(res.headers['content-security-policy']).toContain("default-src 'none'");
              expect(res.text).toMatch(/^<!doctype html>[\s\S]*<main [\s\S]*<\/html>$/);
            } else if (res.status >= 400 || isJson(res.headers['content-type'])) {
              expect(res.headers['content-type']).toMatch(/^application\/json/);
              const body = res.body as Record<string, unknown>;
              expect(body.code).toBe(res.status >= 400 ? String(res.status) : '0000');
              expect(body.request_id).toEqual(expect.any(String));
              if (res.status >= 400) expect(body.reason).toEqual(expect.any(String));
            }
            expect(checker.check(response)).toEqual([]);
            if (generated.refusal.length > 0) {
              stats.forbidden++;
              if (res.status < 400) {
                throw new Error(`accepted what the document forbids: ${answer}`);
              }
            }
            if (res.status >= 400) {
              stats.refused++;
              const keyed = generated.headers['idempotency-key'] !== undefined;
              const ignore = new Set(
                keyed && STORED_ERRORS.has(res.status) ? ['idempotency_keys'] : [],
              );
              const after = await snapshotDatabase(t.dataSource);
              expect(changedTables(before, after, ignore)).toEqual([]);
            } else {
              stats.accepted++;
              if (operation.id === 'Maintenance_set') {
                await t.http
                  .put('/v1/admin/maintenance')
                  .set(bearer(adminToken))
                  .send({ enabled: false })
                  .expect(200);
              }
            }
          }),
          {
            seed: SEED + index,
            numRuns: RUNS,
            endOnFailure: true,
            examples: [[[reaching, true]]],
          },
        );
      });
    });

    it('reached every operation at least once', () => {
      const served = new Set(observed.map((o) => `${o.method} ${o.route}`));
      const untouched = OPERATIONS.filter(
        (op) => !served.has(`${op.method} ${toRoutePattern(op.path)}`),
      ).map((op) => op.id);
      expect(untouched).toEqual([]);
    });
  });

  /** Sends `body` as written (JSON text or a form) and checks nothing was written. */
  async function refusedWithoutWrites(
    send: () => Promise<request.Response>,
  ): Promise<request.Response> {
    await t.app.get(ChannelHealthService).flush();
    const before = await snapshotDatabase(t.dataSource);
    const res = await send();
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(changedTables(before, await snapshotDatabase(t.dataSource))).toEqual([]);
    return res;
  }

  describe('amount and currency edges (TESTING.md 12)', () => {
    const BAD_AMOUNTS: [string, string][] = [
      ['0', '0'],
      ['negative', '-1'],
      ['"10.00" as text', '"10.00"'],
      ['10.00 as a number', '10.00'],
      ['0.1', '0.1'],
      ['1e21', '1e21'],
      ['2^53 + 1', '9007199254740993'],
      ['1e3', '1e3'],
      ['above 10^12', '1000000000001'],
      ['NaN as text', '"NaN"'],
    ];
    // every body field that is money, with a body that is otherwise valid
    const MONEY_FIELDS: {
      path: () => string;
      field: string;
      body: () => Record<string, unknown>;
    }[] = [
      {
        path: () => '/v1/payments/create',
        field: 'amount',
        body: () => ({ source_id: merchant.sourceId, product_id: '1', product_name: 'x' }),
      },
      { path: () => `/v1/payments/${paidOrderId}/refunds`, field: 'amount', body: () => ({}) },
      {
        path: () => '/v1/channels',
        field: 'min_amount',
        body: () => ({ code: 'edge_channel', name: 'Edge', provider: 'sandbox' }),
      },
      {
        path: () => '/v1/channels',
        field: 'daily_limit',
        body: () => ({ code: 'edge_channel', name: 'Edge', provider: 'sandbox' }),
      },
    ];
    const tokenForPath = (path: string) =>
      path.startsWith('/v1/channels') ? adminToken : merchant.token;

    it.each(BAD_AMOUNTS)(
      'refuses amount %s on every money field, in JSON, writing nothing',
      async (_label, literal) => {
        for (const { path, field, body } of MONEY_FIELDS) {
          const text = JSON.stringify({ ...body(), [field]: 'AMOUNT' }).replace(
            '"AMOUNT"',
            literal,
          );
          const res = await refusedWithoutWrites(() =>
            t.http
              .post(path())
              .set(bearer(tokenForPath(path())))
              .set('content-type', 'application/json')
              .send(text),
          );
          expect([path(), field, res.status, res.body.reason]).toEqual([
            path(),
            field,
            400,
            'invalid_amount',
          ]);
          expect(res.body.message).toContain('1000 means 10.00 CNY');
          expect(res.body.errors).toEqual([expect.objectContaining({ field })]);
        }
      },
    );

    it.each(['0', '-1', '10.00', '0.1', '1e21', '9007199254740993', '', '%E5%8D%81', '1000[]'])(
      'refuses amount=%s in a form body and the query, in both languages',
      async (value) => {
        const form = await refusedWithoutWrites(() =>
          t.http
            .post('/v1/payments/create')
            .set(bearer(merchant.token))
            .set('accept-language', 'zh-CN')
            .type('form')
            .send(`source_id=${merchant.sourceId}&product_id=1&product_name=x&amount=${value}`),
        );
        expect(form.status).toBe(400);
        if (!value.endsWith('[]')) {
          expect(form.body.reason).toBe('invalid_amount');
          expect(form.body.message).toContain('1000 表示 10.00 元');
        }
        const query = await t.http
          .get(`/v1/channels/route?amount=${value}&source_id=${merchant.sourceId}`)
          .set(bearer(adminToken));
        expect([value, query.status]).toEqual([value, 400]);
      },
    );

    it('takes the bounds 1 and 10^12', async () => {
      for (const amount of [1, 1_000_000_000_000]) {
        const res = await t.http
          .post('/v1/payments/create')
          .set(bearer(merchant.token))
          .send({ source_id: merchant.sourceId, product_id: '1', product_name: 'x', amount });
        expect([amount, res.status, res.body.data?.amount]).toEqual([amount, 201, amount]);
      }
    });

    it.each([
      ['lower case', 'cny'],
      ['unknown', 'XYZ'],
      ['not ISO', 'RMB'],
      ['a crypto ticker', 'BTC'],
      ['too long', 'CNYY'],
      ['empty', ''],
      ['full-width', 'ＣＮＹ'],
      ['a number', 156],
    ])('refuses currency %s with invalid_currency, writing nothing', async (_label, currency) => {
      const res = await refusedWithoutWrites(() =>
        t.http.post('/v1/payments/create').set(bearer(merchant.token)).send({
          source_id: merchant.sourceId,
          product_id: '1',
          product_name: 'x',
          amount: 100,
          currency,
        }),
      );
      expect(res.status).toBe(400);
      expect(res.body.reason).toBe('invalid_currency');
      const route = await t.http
        .get(`/v1/channels/route?amount=100&currency=${encodeURIComponent(String(currency))}`)
        .set(bearer(adminToken));
      expect(route.status).toBe(400);
      const channel = await refusedWithoutWrites(() =>
        t.http
          .post('/v1/channels')
          .set(bearer(adminToken))
          .send({
            code: 'edge_channel',
            name: 'Edge',
            provider: 'sandbox',
            currencies: [currency],
          }),
      );
      expect(channel.body.reason).toBe('invalid_currency');
    });
  });

  describe('Idempotency-Key edges (TESTING.md 13)', () => {
    const create = (m: TestMerchant, key: string, memo = 'idem') =>
      t.http
        .post('/v1/payments/create')
        .set(bearer(m.token))
        .set('idempotency-key', key)
        .send({ source_id: m.sourceId, product_id: '1', product_name: 'x', amount: 100, memo });

    it.each([
      ['empty', ''],
      ['256 characters', 'k'.repeat(256)],
      ['Latin-1', 'clé'],
      ['UTF-8 bytes', Buffer.from('支付-key', 'utf8').toString('latin1')],
      ['a control character', 'tab\tkey'],
    ])(
      'refuses a key that is %s with invalid_idempotency_key, writing nothing',
      async (_label, key) => {
        const res = await refusedWithoutWrites(() => create(merchant, key));
        expect(res.status).toBe(400);
        expect(res.body.reason).toBe('invalid_idempotency_key');
      },
    );

    it('takes 255 printable characters, and replays them', async () => {
      const key = `${'k'.repeat(250)}~!#$%`;
      const first = await create(merchant, key).expect(201);
      const again = await create(merchant, key).expect(201);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body.data.order_id).toBe(first.body.data.order_id);
    });

    it('keeps the same key under another merchant independent', async () => {
      const other = await createMerchant(t, { name: 'Other Key Holder' });
      const mine = await create(merchant, 'shared-edge-key').expect(201);
      const theirs = await create(other, 'shared-edge-key').expect(201);
      expect(theirs.headers['idempotent-replayed']).toBeUndefined();
      expect(theirs.body.data.order_id).not.toBe(mine.body.data.order_id);
      expect(theirs.body.data.source_id).toBe(other.sourceId);
      const mineAgain = await create(merchant, 'shared-edge-key').expect(201);
      expect(mineAgain.body.data.order_id).toBe(mine.body.data.order_id);
      const reused = await create(other, 'shared-edge-key', 'another body');
      expect(reused.status).toBe(422);
      expect(reused.body.reason).toBe('idempotency_key_reused');
    });

    it('audits an admin change once: a replay, even of a refusal, is not written down again', async () => {
      const admin = bearer(adminToken);
      const body = { code: 'sandbox_main', name: 'Duplicate', provider: 'sandbox' };
      for (let i = 0; i < 2; i++) {
        const res = await t.http
          .post('/v1/channels')
          .set(admin)
          .set('idempotency-key', 'audit-once')
          .send(body);
        expect(res.status).toBe(409);
      }
      const created = await t.http
        .post('/v1/merchants')
        .set(admin)
        .set('idempotency-key', 'audit-once-merchant')
        .send({ name: 'Audited Once' })
        .expect(201);
      await t.http
        .post('/v1/merchants')
        .set(admin)
        .set('idempotency-key', 'audit-once-merchant')
        .send({ name: 'Audited Once' })
        .expect(201);
      const logs = await t.http.get('/v1/admin/audit-logs?limit=100').set(admin).expect(200);
      const rows = (logs.body.data.items as { action: string; result: string; detail: unknown }[])
        .filter((r) => JSON.stringify(r.detail).match(/"(Duplicate|Audited Once)"/))
        .map((r) => `${r.action} ${r.result}`);
      expect(rows.sort()).toEqual(['channel.create failure', 'merchant.create success']);
      expect(created.body.data.name).toBe('Audited Once');
    });
  });

  describe('oversize and deep input (TESTING.md 14)', () => {
    const TEN_MB = 10 * 1024 * 1024;

    it('answers a 10 MB body with a quick 413, without reading it all', async () => {
      for (const chunked of [false, true]) {
        const started = Date.now();
        const result = await upload(t.url, '/v1/payments/create', merchant.token, TEN_MB, chunked);
        expect([chunked, result.status, result.body.reason]).toEqual([
          chunked,
          413,
          'payload_too_large',
        ]);
        expect(Date.now() - started).toBeLessThan(3000);
        expect(result.sent).toBeLessThan(TEN_MB);
      }
    });

    it('keeps memory bounded through a burst of oversize bodies', async () => {
      const before = process.memoryUsage().rss;
      let peak = before;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
      try {
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            upload(t.url, '/v1/payments/create', merchant.token, TEN_MB, i % 2 === 0),
          ),
        );
        expect(results.map((r) => r.status)).toEqual(Array(20).fill(413));
      } finally {
        clearInterval(sampler);
      }
      // 20 bodies of 10 MB held at once would be 200 MB
      console.log(`oversize burst: RSS ${mb(before)} MB before, peak ${mb(peak)} MB`);
      expect(peak - before).toBeLessThan(64 * 1024 * 1024);
    });

    it('refuses deeply nested JSON and forms with 400, quickly', async () => {
      const deep = [
        `${'['.repeat(100_000)}${']'.repeat(100_000)}`.slice(0, 60_000),
        `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`,
        JSON.stringify({
          source_id: merchant.sourceId,
          product_id: '1',
          product_name: 'x',
          amount: 1,
          memo: nest(17),
        }),
      ];
      for (const text of deep) {
        const started = Date.now();
        const res = await refusedWithoutWrites(() =>
          t.http
            .post('/v1/payments/create')
            .set(bearer(merchant.token))
            .set('content-type', 'application/json')
            .send(text),
        );
        expect(res.status).toBe(400);
        expect(res.body.reason).toBe('malformed_body');
        expect(Date.now() - started).toBeLessThan(1000);
      }
      const form = await refusedWithoutWrites(() =>
        t.http
          .post('/v1/payments/create')
          .set(bearer(merchant.token))
          .type('form')
          .send(`memo${'[a]'.repeat(40)}=1&amount=1`),
      );
      expect(form.body.reason).toBe('malformed_body');
    });

    it('answers thousands of unknown keys at once, briefly, saying how many it did not list', async () => {
      const keys = Object.fromEntries(Array.from({ length: 6000 }, (_, i) => [`k${i}`, 1]));
      const body = JSON.stringify({
        source_id: merchant.sourceId,
        product_id: '1',
        product_name: 'x',
        amount: 1,
        ...keys,
      });
      expect(body.length).toBeGreaterThan(45_000);
      const sends: [string, () => request.Test][] = [
        [
          'json body',
          () =>
            t.http
              .post('/v1/payments/create')
              .set(bearer(merchant.token))
              .set('content-type', 'application/json')
              .send(body),
        ],
        [
          'query',
          () =>
            t.http
              .get(`/v1/payments?${Array.from({ length: 1500 }, (_, i) => `q${i}=1`).join('&')}`)
              .set(bearer(merchant.token)),
        ],
        [
          'one very long key',
          () =>
            t.http
              .post('/v1/merchants')
              .set(bearer(adminToken))
              .send({ name: 'x', ['k'.repeat(40_000)]: 1 }),
        ],
      ];
      for (const [what, send] of sends) {
        const started = Date.now();
        const res = await refusedWithoutWrites(send);
        const elapsed = Date.now() - started;
        expect([what, res.status, res.body.reason]).toEqual([what, 400, 'validation_failed']);
        expect(res.text.length).toBeLessThan(8000);
        expect((res.body.errors as unknown[]).length).toBeLessThanOrEqual(20);
        if (what !== 'one very long key') {
          expect(res.body.message).toMatch(/and \d+ more not listed$/);
        }
        expect(elapsed).toBeLessThan(1000);
      }
    });

    it('refuses huge arrays: over the item limit with 400, over the body limit with 413', async () => {
      const admin = bearer(adminToken);
      const base = { code: 'edge_channel', name: 'Edge', provider: 'sandbox' };
      const many = await refusedWithoutWrites(() =>
        t.http
          .post('/v1/channels')
          .set(admin)
          .send({ ...base, merchants: Array(5000).fill(merchant.sourceId) }),
      );
      expect(many.status).toBe(400);
      expect(many.body.errors).toEqual([expect.objectContaining({ field: 'merchants' })]);
      const huge = await refusedWithoutWrites(() =>
        t.http
          .post('/v1/channels')
          .set(admin)
          .send({ ...base, merchants: Array(100_000).fill(1) }),
      );
      expect(huge.status).toBe(413);
      const form = await refusedWithoutWrites(() =>
        t.http
          .post('/v1/channels')
          .set(admin)
          .type('form')
          .send(`code=edge_channel&name=Edge&provider=sandbox&${'merchants[]=1&'.repeat(500)}`),
      );
      expect(form.status).toBe(400);
    });

    it('refuses limit=1000000 (and 0, 101, 1.5, text) on every list of the document', async () => {
      const lists = OPERATIONS.filter((op) => op.query.some((q) => q.name === 'limit'));
      expect(lists.length).toBeGreaterThanOrEqual(10);
      for (const op of lists) {
        const path = op.path.replace(/\{(\w+)\}/g, (_, name: string) =>
          name === 'bill_id'
            ? 'bill_missing'
            : name === 'source_id'
              ? String(merchant.sourceId)
              : 'x',
        );
        for (const limit of ['1000000', '0', '101', '1.5', 'ten', '-1']) {
          const res = await t.http
            .get(`${path}?limit=${limit}`)
            .set(
              bearer(roles.get(op.id)?.roles?.includes('merchant') ? merchant.token : adminToken),
            );
          expect([op.id, limit, res.status, res.body.reason]).toEqual([
            op.id,
            limit,
            400,
            'validation_failed',
          ]);
        }
      }
    });

    it('answers a request line or headers over 16 KB, and a broken URL, in the envelope', async () => {
      const long = await t.http.get(`/v1/teapot?q=${'x'.repeat(20_000)}`);
      expect(long.status).toBe(431);
      expect(long.body).toEqual({
        code: '431',
        message: expect.stringContaining('16384'),
        reason: 'headers_too_large',
        request_id: long.headers['x-request-id'],
      });
      for (const path of [
        '/v1/payments/%zz',
        '/v1/payments/%E0%A4%A',
        `/v1/payments/${'x'.repeat(300)}`,
      ]) {
        const res = await t.http.get(path).set(bearer(merchant.token));
        expect([path, res.status, res.body.reason]).toEqual([path, 400, 'malformed_url']);
        expect(res.body.request_id).toBe(res.headers['x-request-id']);
      }
    });
  });

  describe('times and cursors that used to answer 500', () => {
    const tokenForList = (op: Operation) =>
      roles.get(op.id)?.roles?.includes('merchant') ? merchant.token : adminToken;
    const pathOf = (op: Operation) =>
      op.path.replace(/\{(\w+)\}/g, (_, name: string) =>
        // a merchant that exists, so that what is refused is the query, not the path
        name === 'source_id'
          ? String(merchant.sourceId)
          : name === 'bill_id'
            ? 'bill_missing'
            : 'x',
      );

    it('refuses every time JavaScript cannot read, or reads as another, with 400', async () => {
      const m = bearer(merchant.token);
      for (const value of [
        '2026-W49',
        '2026-W49-4',
        '2026-337',
        '20261203T000000Z',
        '20261203',
        '2026-12-03T00:00:00',
        '2026-12-03T00:00:00+0800',
        '+002026-12-03T00:00:00Z',
        '2026-02-30',
        '2026-12-03T24:00:00Z',
        '2026-12-03t00:00:00z',
      ]) {
        for (const field of ['created_from', 'created_to']) {
          const res = await t.http.get(`/v1/payments?${field}=${encodeURIComponent(value)}`).set(m);
          expect([field, value, res.status, res.body.reason]).toEqual([
            field,
            value,
            400,
            'validation_failed',
          ]);
        }
      }
      for (const value of ['2026-12-03', '2026-12-03T08:00+08:00', '2026-12-03T00:00:00.5Z']) {
        const res = await t.http
          .get(`/v1/payments?created_from=${encodeURIComponent(value)}`)
          .set(m);
        expect([value, res.status]).toEqual([value, 200]);
      }
      // settlement dates: one form only
      for (const value of ['2026-W49', '2026-337', '20261203', '2026-02-30']) {
        const res = await t.http.get(`/v1/clearing/bills?date=${value}`).set(m);
        expect([value, res.status, res.body.reason]).toEqual([value, 400, 'invalid_date']);
      }
    });

    it('refuses on every list a cursor holding what no list hands out, with 400', async () => {
      const cursorOf = (key: unknown) =>
        Buffer.from(JSON.stringify({ k: key })).toString('base64url');
      const lists = OPERATIONS.filter((op) => op.query.some((q) => q.name === 'cursor'));
      expect(lists.length).toBeGreaterThanOrEqual(10);
      const keys: unknown[] = [
        1.5,
        -1,
        1e300,
        2 ** 53,
        null,
        true,
        [1],
        { k: 1 },
        'a\u0000b',
        'naïve',
      ];
      for (const op of lists) {
        for (const cursor of [...keys.map(cursorOf), 'not-a-cursor', '']) {
          const res = await t.http
            .get(`${pathOf(op)}?cursor=${encodeURIComponent(cursor)}`)
            .set(bearer(tokenForList(op)));
          expect([op.id, cursor, res.status]).toEqual([op.id, cursor, 400]);
          expect(['invalid_cursor', 'validation_failed']).toContain(res.body.reason);
        }
      }
      // lists keyed by a number refuse text, and the other way round
      const byNumber = await t.http
        .get(`/v1/merchants?cursor=${cursorOf('1000001')}`)
        .set(bearer(adminToken));
      expect([byNumber.status, byNumber.body.reason]).toEqual([400, 'invalid_cursor']);
      const byText = await t.http
        .get(`/v1/payments?cursor=${cursorOf(1000001)}`)
        .set(bearer(merchant.token));
      expect([byText.status, byText.body.reason]).toEqual([400, 'invalid_cursor']);
    });
  });

  describe('fields the validation used to let through', () => {
    it('refuses fields named like Object.prototype members, in bodies, forms and queries', async () => {
      const admin = bearer(adminToken);
      for (const name of ['constructor', 'toString', 'valueOf', 'hasOwnProperty']) {
        const json = await refusedWithoutWrites(() =>
          t.http
            .post('/v1/merchants')
            .set(admin)
            .send({ name: 'Shop', [name]: 'x' }),
        );
        expect([name, json.status, json.body.errors]).toEqual([
          name,
          400,
          [{ field: name, message: `${name} is not a field of this request` }],
        ]);
        const form = await refusedWithoutWrites(() =>
          t.http.post('/v1/merchants').set(admin).type('form').send(`name=Shop&${name}=x`),
        );
        expect([name, form.status]).toEqual([name, 400]);
        const query = await t.http.get(`/v1/admin/audit-logs?${name}=x`).set(admin);
        expect([name, query.status]).toEqual([name, 400]);
      }
    });

    it('refuses null for every optional body field the document does not mark nullable', async () => {
      const checked: string[] = [];
      for (const [index, operation] of OPERATIONS.entries()) {
        if (!operation.body) continue;
        const schema = resolveSchema(operation.body, DOCUMENT);
        const required = new Set(schema.required ?? []);
        const { path } = reachingRequest(operation, index);
        const token = tokenFor(operation, 'right', true);
        for (const [field, property] of Object.entries(schema.properties ?? {})) {
          if (
            required.has(field) ||
            property.nullable ||
            resolveSchema(property, DOCUMENT).nullable
          ) {
            continue;
          }
          const method = operation.method.toLowerCase() as 'post' | 'put' | 'patch';
          const res = await refusedWithoutWrites(() => {
            const req = request(t.url)[method](path);
            return (token ? req.set('authorization', `Bearer ${token}`) : req).send({
              [field]: null,
            });
          });
          // a page route answers with a page that names the field
          const refused = isJson(res.headers['content-type'])
            ? ((res.body.errors ?? []) as { field: string }[]).map((e) => e.field)
            : res.text.includes(`${field}: `)
              ? [field]
              : [];
          expect([operation.id, field, res.status, refused.includes(field)]).toEqual([
            operation.id,
            field,
            400,
            true,
          ]);
          checked.push(`${operation.id}.${field}`);
        }
      }
      // 48 today: payment creation at its three paths, refund, maintenance, token, merchants,
      // channels and the sandbox's pay form
      expect(checked.length).toBeGreaterThanOrEqual(40);
      // still nullable where the document says so: a merchant's notify_url can be removed
      const cleared = await t.http
        .patch(`/v1/merchants/${merchant.sourceId}`)
        .set(bearer(adminToken))
        .send({ notify_url: null });
      expect([cleared.status, cleared.body.data?.notify_url]).toEqual([200, null]);
    });

    it('refuses the NUL character in bodies, forms, queries, paths and Basic credentials', async () => {
      const m = bearer(merchant.token);
      const order = { source_id: merchant.sourceId, product_id: '1', product_name: 'x', amount: 1 };
      const requests: [string, () => request.Test][] = [
        [
          'json',
          () =>
            t.http
              .post('/v1/payments/create')
              .set(m)
              .send({ ...order, memo: 'a\u0000b' }),
        ],
        [
          'form',
          () =>
            t.http
              .post('/v1/payments/create')
              .set(m)
              .type('form')
              .send(`source_id=${merchant.sourceId}&product_id=%00&product_name=x&amount=1`),
        ],
        [
          'json key',
          () =>
            t.http
              .post('/v1/payments/create')
              .set(m)
              .send({ ...order, 'a\u0000': 1 }),
        ],
        ['query', () => t.http.get('/v1/payments?merchant_order_no=%00').set(m)],
        ['path', () => t.http.get('/v1/payments/ord_%00').set(m)],
        ['provider path', () => t.http.post('/v1/notify/sandbox%00main').send('{}')],
      ];
      for (const [where, send] of requests) {
        const res = await refusedWithoutWrites(send);
        expect([where, res.status, res.body.reason]).toEqual([where, 400, 'validation_failed']);
        expect(res.body.message).toContain('NUL');
      }
      // a refused admin change is still audited, NUL and all
      const admin = bearer(adminToken);
      await t.http.patch('/v1/merchants/%00').set(admin).send({ name: 'x' }).expect(400);
      const logs = await t.http.get('/v1/admin/audit-logs?limit=1').set(admin).expect(200);
      expect(logs.body.data.items[0]).toMatchObject({
        action: 'merchant.update',
        result: 'failure',
        reason: 'validation_failed',
        target_id: '\uFFFD',
      });
      const basic = Buffer.from(`adm\u0000:secret`).toString('base64');
      const token = await refusedWithoutWrites(() =>
        t.http
          .post('/v1/auth/token')
          .set('authorization', `Basic ${basic}`)
          .send({ grant_type: 'client_credentials' }),
      );
      expect(token.status).toBe(401);
    });

    it('refuses form fields nested where text is expected, even those read before validation', async () => {
      for (const form of [
        'grant_type=client_credentials&client_id[__proto__][admin]=true&client_secret=x',
        'grant_type=client_credentials&client_id[]=a&client_id[]=b&client_secret=x',
      ]) {
        const res = await refusedWithoutWrites(() =>
          t.http.post('/v1/auth/token').type('form').send(form),
        );
        expect([form, res.status, res.body.reason]).toEqual([form, 400, 'validation_failed']);
      }
    });

    it('refuses __proto__ keys and keys given twice, in JSON and forms alike, however spelled', async () => {
      const m = bearer(merchant.token);
      const base = `"source_id":${merchant.sourceId},"product_id":"1","product_name":"x","amount":1`;
      const form = `source_id=${merchant.sourceId}&product_id=1&product_name=x&amount=1`;
      const cases: [string, string, string, RegExp][] = [
        ['json', 'application/json', `{${base},"__proto__":{"admin":true}}`, /^__proto__$/],
        ['json, escaped', 'application/json', `{${base},"\\u005f_proto__":{"x":1}}`, /__proto__/],
        [
          'json, nested',
          'application/json',
          `{${base},"memo":{"__proto__":{"x":1}}}`,
          /^memo\.__proto__$/,
        ],
        [
          'json, constructor',
          'application/json',
          `{${base},"constructor":{"prototype":{"x":1}}}`,
          /^constructor\.prototype$/,
        ],
        ['json, twice', 'application/json', `{${base},"amount":100000}`, /^amount$/],
        ['json, twice escaped', 'application/json', `{${base},"am\\u006funt" : 2}`, /^amount$/],
        ['json, twice nested', 'application/json', `{${base},"memo":{"a":1,"a":[2]}}`, /^memo\.a$/],
        [
          'form',
          'application/x-www-form-urlencoded',
          `${form}&__proto__[admin]=true`,
          /^__proto__\[admin\]$/,
        ],
        ['form, plain', 'application/x-www-form-urlencoded', `${form}&__proto__=1`, /^__proto__$/],
        [
          'form, encoded',
          'application/x-www-form-urlencoded',
          `${form}&%5F%5Fproto%5F%5F%5Bx%5D=1`,
          /^__proto__\[x\]$/,
        ],
        [
          'form, nested',
          'application/x-www-form-urlencoded',
          `${form}&memo[__proto__][x]=1`,
          /^memo\[__proto__\]\[x\]$/,
        ],
        [
          'form, list',
          'application/x-www-form-urlencoded',
          `${form}&__proto__[]=1`,
          /^__proto__\[\]$/,
        ],
      ];
      for (const [what, type, body, field] of cases) {
        const res = await refusedWithoutWrites(() =>
          t.http.post('/v1/payments/create').set(m).set('content-type', type).send(body),
        );
        expect([what, res.status, res.body.reason]).toEqual([what, 400, 'validation_failed']);
        const fields = (res.body.errors as { field: string }[]).map((e) => e.field);
        expect([what, fields]).toEqual([what, [expect.stringMatching(field)]]);
      }
      // an admin route's free-form object too
      const channel = await refusedWithoutWrites(() =>
        t.http
          .post('/v1/channels')
          .set(bearer(adminToken))
          .type('form')
          .send('code=proto_channel&name=P&provider=sandbox&config[__proto__][x]=1'),
      );
      expect([channel.status, channel.body.reason]).toEqual([400, 'validation_failed']);
      // what the parser cannot read at all is still a parse failure
      const broken = await refusedWithoutWrites(() =>
        t.http
          .post('/v1/payments/create')
          .set(m)
          .set('content-type', 'application/json')
          .send(`{${base},"__proto__":`),
      );
      expect(broken.body.reason).toBe('malformed_body');
    });

    it('refuses a body that is JSON but not an object', async () => {
      for (const text of ['null', '[]', '"Shop"', '42', 'true']) {
        const res = await refusedWithoutWrites(() =>
          t.http
            .patch(`/v1/merchants/${merchant.sourceId}`)
            .set(bearer(adminToken))
            .set('content-type', 'application/json')
            .send(text),
        );
        expect([text, res.status, res.body.reason]).toEqual([text, 400, 'validation_failed']);
      }
    });

    it('keeps the audit log readable after an admin request with a huge field', async () => {
      const admin = bearer(adminToken);
      await t.http
        .post('/v1/merchants')
        .set(admin)
        .send({ name: '名'.repeat(6000) })
        .expect(400);
      const logs = await t.http.get('/v1/admin/audit-logs?limit=5').set(admin).expect(200);
      const row = (logs.body.data.items as { detail: { name?: string } | null }[])[0];
      expect(row.detail?.name).toBe(`${'名'.repeat(200)}…`);
    });
  });
});

/** JSON nested `depth` levels deep. */
function nest(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

function mb(bytes: number): number {
  return Math.round(bytes / 1024 / 1024);
}

/**
 * Streams `size` bytes of JSON to `path` (with a Content-Length, or chunked), producing them
 * as it goes so the client holds none of it, and stops once an answer arrives.
 */
function upload(
  base: string,
  path: string,
  token: string,
  size: number,
  chunked: boolean,
): Promise<{ status: number; body: Record<string, unknown>; sent: number }> {
  const url = new URL(path, base);
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        agent: false,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          ...(chunked ? {} : { 'content-length': String(size) }),
        },
      },
      (res) => {
        answered = true;
        const parts: Buffer[] = [];
        res.on('data', (part: Buffer) => parts.push(part));
        res.on('end', () => {
          req.destroy();
          resolve({
            status: res.statusCode ?? 0,
            body: JSON.parse(Buffer.concat(parts).toString() || '{}') as Record<string, unknown>,
            sent,
          });
        });
      },
    );
    // the server may close the connection before the body is through: that is the point
    req.on('error', (error) => (answered ? undefined : reject(error)));
    const pump = () => {
      while (!answered && sent < size) {
        const part = sent === 0 ? Buffer.concat([Buffer.from('{"memo":"'), chunk]) : chunk;
        const slice = part.subarray(0, Math.min(part.length, size - sent));
        sent += slice.length;
        if (!req.write(slice)) return void req.once('drain', pump);
      }
      if (!answered) req.end();
    };
    pump();
  });
}
