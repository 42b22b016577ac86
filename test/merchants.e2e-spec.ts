import { createOrder, createSandboxChannel, payOrder, waitForStatus } from './helpers/payments';
import { testEngine } from './helpers/scratch-database';
import {
  bearer,
  createMerchant,
  getToken,
  startTestApp,
  TestApp,
  TestMerchant,
} from './helpers/test-app';

describe(`merchants, roles and audit on ${testEngine()}`, () => {
  let t: TestApp;
  let admin: { authorization: string };
  let a: TestMerchant;
  let b: TestMerchant;

  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_PER_SECOND: '1000' });
    admin = bearer(await t.adminToken());
    a = await createMerchant(t, { name: 'Shop A', notify_url: 'http://127.0.0.1:9/a' });
    b = await createMerchant(t, { name: 'Shop B' });
  });
  afterAll(() => t.close());

  it('creates a merchant with its merchant code, first credential and webhook secret, shown once', async () => {
    const res = await t.http
      .post('/v1/merchants')
      .set(admin)
      .send({ name: 'Apple Store Shanghai', notify_url: 'https://127.0.0.1/hook' })
      .expect(201);
    const m = res.body.data;
    expect(m).toEqual({
      source_id: expect.any(Number),
      name: 'Apple Store Shanghai',
      status: 'active',
      notify_url: 'https://127.0.0.1/hook',
      client_id: expect.stringMatching(/^cli_/),
      client_secret: expect.stringMatching(/^pgs_/),
      webhook_secret: expect.stringMatching(/^whsec_/),
      created_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      updated_at: expect.any(String),
    });
    expect(m.source_id).toBeGreaterThanOrEqual(1000001);
    const later = await t.http.get(`/v1/merchants/${m.source_id}`).set(admin).expect(200);
    expect(JSON.stringify(later.body)).not.toContain(m.client_secret);
    expect(JSON.stringify(later.body)).not.toContain(m.webhook_secret);
    expect(later.body.data).not.toHaveProperty('client_secret');
    // at rest: the client secret only as a scrypt hash, the webhook secret sealed
    const [credential] = await t.dataSource.query(
      `SELECT secret_hash FROM credentials WHERE client_id = '${m.client_id}'`,
    );
    expect(credential.secret_hash).toMatch(/^scrypt\$/);
    expect(credential.secret_hash).not.toContain(m.client_secret);
    const [row] = await t.dataSource.query(
      `SELECT webhook_secret FROM merchants WHERE source_id = ${m.source_id}`,
    );
    expect(row.webhook_secret).toMatch(/^v2:/);
    expect(row.webhook_secret).not.toContain(m.webhook_secret.slice(6));
  });

  it('accepts a form body', async () => {
    const res = await t.http
      .post('/v1/merchants')
      .set(admin)
      .type('form')
      .send('name=Form+Shop')
      .expect(201);
    expect(res.body.data.name).toBe('Form Shop');
  });

  it('validates', async () => {
    const empty = await t.http.post('/v1/merchants').set(admin).send({});
    expect(empty.status).toBe(400);
    expect(empty.body.errors).toEqual([expect.objectContaining({ field: 'name' })]);
    const mass = await t.http
      .post('/v1/merchants')
      .set(admin)
      .send({ name: 'x', status: 'suspended', source_id: 1 });
    expect(mass.status).toBe(400);
    expect(mass.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'source_id',
      'status',
    ]);
  });

  it('lets a merchant read itself and 404s everything of another merchant', async () => {
    const me = await t.http.get('/v1/merchants/me').set(bearer(a.token)).expect(200);
    expect(me.body.data.source_id).toBe(a.sourceId);
    await t.http.get(`/v1/merchants/${a.sourceId}`).set(bearer(a.token)).expect(200);
    for (const [method, path] of [
      ['get', `/v1/merchants/${b.sourceId}`],
      ['patch', `/v1/merchants/${b.sourceId}`],
      ['get', `/v1/merchants/${b.sourceId}/credentials`],
      ['post', `/v1/merchants/${b.sourceId}/credentials`],
      ['delete', `/v1/merchants/${b.sourceId}/credentials/${b.clientId}`],
      ['get', `/v1/merchants/99999999`],
    ] as const) {
      const res = await t.http[method](path)
        .set(bearer(a.token))
        .send(method === 'patch' ? { notify_url: 'http://127.0.0.1/x' } : undefined);
      expect([method, path, res.status]).toEqual([method, path, 404]);
      expect(res.body.reason).toBe('merchant_not_found');
    }
  });

  it('refuses merchant tokens on admin routes (403), whatever the method or path spelling', async () => {
    const m = bearer(a.token);
    const attempts: ['get' | 'post' | 'put', string][] = [
      ['get', '/v1/merchants'],
      ['get', '/v1/merchants/'],
      ['get', '/v1/merchants?limit=1'],
      ['post', '/v1/merchants'],
      ['get', '/v1/admin/maintenance'],
      ['put', '/v1/admin/maintenance'],
      ['get', '/v1/admin/audit-logs'],
      ['get', '/v1/admin/audit-logs/'],
    ];
    for (const [method, path] of attempts) {
      const call = (t.http as unknown as Record<string, (p: string) => import('supertest').Test>)[
        method
      ];
      const res = await call(path)
        .set(m)
        .send(method === 'put' ? { enabled: true } : method === 'post' ? { name: 'x' } : undefined);
      expect([method, path, res.status, res.body.reason]).toEqual([method, path, 403, 'forbidden']);
    }
    const head = await t.http.head('/v1/merchants').set(m);
    expect(head.status).toBe(403);
  });

  it('writes down every refused attempt on an admin route, by the route that matched', async () => {
    const m = bearer(a.token);
    const attempts: [string, string, string, string][] = [
      ['get', '/v1/merchants', 'access.denied', 'GET /v1/merchants'],
      ['get', '/%761/merchants/', 'access.denied', 'GET /v1/merchants'],
      ['get', '/v1/admin/audit-logs?limit=1', 'access.denied', 'GET /v1/admin/audit-logs'],
      ['post', '/v1/channels', 'channel.create', ''],
      ['put', '/v1/admin/maintenance', 'maintenance.set', ''],
      ['post', '/v1/clearing/runs', 'clearing.run', ''],
    ];
    for (const [method, path, action, target] of attempts) {
      const call = (t.http as unknown as Record<string, (p: string) => import('supertest').Test>)[
        method
      ];
      const res = await call(path)
        .set(m)
        .send(method === 'get' ? undefined : { probe: path });
      expect([path, res.status]).toEqual([path, 403]);
      const logs = await t.http.get('/v1/admin/audit-logs?limit=1').set(admin).expect(200);
      expect([path, logs.body.data.items[0]]).toEqual([
        path,
        expect.objectContaining({
          action,
          actor_client_id: a.clientId,
          actor_role: 'merchant',
          result: 'failure',
          reason: 'forbidden',
          target_id: target || null,
          request_id: res.headers['x-request-id'],
          ...(method === 'get' ? {} : { detail: { probe: path } }),
        }),
      ]);
    }
  });

  it('audits an admin closing or refunding a merchant order, not the merchant doing it', async () => {
    await createSandboxChannel(t);
    const ownClose = await createOrder(t, a);
    await t.http.post(`/v1/payments/${ownClose.order_id}/close`).set(bearer(a.token)).expect(200);
    const closed = await createOrder(t, a);
    await t.http.post(`/v1/payments/${closed.order_id}/close`).set(admin).expect(200);
    const paid = await createOrder(t, a, { amount: 500 });
    await payOrder(t, paid).expect(200);
    await waitForStatus(t, a.token, paid.order_id, 'SUCCEEDED');
    const refund = await t.http
      .post(`/v1/payments/${paid.order_id}/refunds`)
      .set(admin)
      .send({ amount: 200, reason: 'goodwill' })
      .expect(201);
    const tooMuch = await t.http
      .post(`/v1/payments/${paid.order_id}/refunds`)
      .set(admin)
      .send({ amount: 999 });
    expect(tooMuch.status).toBe(422);
    const logs = await t.http.get('/v1/admin/audit-logs?target_type=order&limit=10').set(admin);
    const rows = (logs.body.data.items as Record<string, unknown>[]).map((r) => [
      r.action,
      r.target_id,
      r.actor_role,
      r.result,
      r.reason,
      r.detail,
    ]);
    expect(rows).toEqual([
      ['order.refund', paid.order_id, 'admin', 'failure', 'refund_exceeds_amount', { amount: 999 }],
      [
        'order.refund',
        paid.order_id,
        'admin',
        'success',
        null,
        {
          amount: 200,
          reason: 'goodwill',
          refund_id: refund.body.data.refund_id,
          status: refund.body.data.status,
        },
      ],
      ['order.close', closed.order_id, 'admin', 'success', null, null],
    ]);
  });

  it('lets a merchant change only its own notify_url', async () => {
    const ok = await t.http
      .patch(`/v1/merchants/${a.sourceId}`)
      .set(bearer(a.token))
      .send({ notify_url: 'http://127.0.0.1:8080/paygate' })
      .expect(200);
    expect(ok.body.data.notify_url).toBe('http://127.0.0.1:8080/paygate');
    for (const body of [{ name: 'Renamed' }, { status: 'active' }]) {
      const res = await t.http.patch(`/v1/merchants/${a.sourceId}`).set(bearer(a.token)).send(body);
      expect(res.status).toBe(403);
      expect(res.body.reason).toBe('forbidden');
    }
    const after = await t.http.get('/v1/merchants/me').set(bearer(a.token));
    expect(after.body.data.name).toBe('Shop A');
  });

  it('refuses a notify_url that is not http(s)', async () => {
    const res = await t.http
      .patch(`/v1/merchants/${a.sourceId}`)
      .set(bearer(a.token))
      .send({ notify_url: 'file:///etc/passwd' });
    expect(res.status).toBe(400);
    expect(res.body.reason).toBe('invalid_notify_url');
  });

  it('adds, lists and revokes credentials for rotation', async () => {
    const added = await t.http
      .post(`/v1/merchants/${b.sourceId}/credentials`)
      .set(bearer(b.token))
      .expect(201);
    expect(added.body.data).toEqual(
      expect.objectContaining({
        client_id: expect.stringMatching(/^cli_/),
        client_secret: expect.any(String),
        status: 'active',
      }),
    );
    const list = await t.http.get(`/v1/merchants/${b.sourceId}/credentials`).set(admin).expect(200);
    expect(list.body.data.items.map((c: { client_id: string }) => c.client_id)).toEqual([
      b.clientId,
      added.body.data.client_id,
    ]);
    expect(JSON.stringify(list.body)).not.toContain(added.body.data.client_secret);
    const revoked = await t.http
      .delete(`/v1/merchants/${b.sourceId}/credentials/${b.clientId}`)
      .set(admin)
      .expect(200);
    expect(revoked.body.data).toEqual(
      expect.objectContaining({
        client_id: b.clientId,
        status: 'revoked',
        revoked_at: expect.any(String),
      }),
    );
    await t.http.get('/v1/merchants/me').set(bearer(b.token)).expect(401);
    const unknown = await t.http
      .delete(`/v1/merchants/${b.sourceId}/credentials/cli_nope`)
      .set(admin);
    expect(unknown.status).toBe(404);
    expect(unknown.body.reason).toBe('credential_not_found');
  });

  it('pages through merchants with an opaque cursor, newest first', async () => {
    const first = await t.http.get('/v1/merchants?limit=2').set(admin).expect(200);
    expect(first.body.data.items).toHaveLength(2);
    expect(first.body.data.next_cursor).toEqual(expect.any(String));
    const second = await t.http
      .get(`/v1/merchants?limit=2&cursor=${first.body.data.next_cursor}`)
      .set(admin)
      .expect(200);
    const ids = [...first.body.data.items, ...second.body.data.items].map(
      (m: { source_id: number }) => m.source_id,
    );
    expect([...ids].sort((x, y) => y - x)).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    const bad = await t.http.get('/v1/merchants?cursor=garbage').set(admin);
    expect(bad.status).toBe(400);
    expect((await t.http.get('/v1/merchants?limit=1000000').set(admin)).status).toBe(400);
    expect((await t.http.get('/v1/merchants?limit=0').set(admin)).status).toBe(400);
  });

  it('replays an idempotent create and refuses the key for another body', async () => {
    const send = (name: string) =>
      t.http
        .post('/v1/merchants')
        .set(admin)
        .set('idempotency-key', 'create-merchant-001')
        .send({ name });
    const first = await send('Idem Shop');
    expect(first.status).toBe(201);
    const replay = await send('Idem Shop');
    expect(replay.status).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual(first.body);
    // the replay still shows the secrets; the row kept for it holds them only sealed
    expect(replay.body.data.client_secret).toBe(first.body.data.client_secret);
    const [stored] = await t.dataSource.query(
      `SELECT response_body FROM idempotency_keys WHERE idempotency_key = 'create-merchant-001'`,
    );
    expect(stored.response_body).toMatch(/^v2:/);
    expect(stored.response_body).not.toContain(first.body.data.client_secret);
    expect(stored.response_body).not.toContain(first.body.data.webhook_secret);
    expect(stored.response_body).not.toContain('Idem Shop');
    // a row kept before responses were sealed (plain JSON) still replays
    await t.dataSource.query(
      `UPDATE idempotency_keys SET response_body = '${JSON.stringify(first.body).replace(/'/g, "''")}'
       WHERE idempotency_key = 'create-merchant-001'`,
    );
    expect((await send('Idem Shop')).body).toEqual(first.body);
    const other = await send('Other Shop');
    expect(other.status).toBe(422);
    expect(other.body.reason).toBe('idempotency_key_reused');
    const rows = await t.dataSource.query(
      `SELECT COUNT(*) AS n FROM merchants WHERE name = 'Idem Shop'`,
    );
    expect(Number(rows[0].n)).toBe(1);
    for (const key of ['', 'x'.repeat(256), 'clé']) {
      const res = await t.http
        .post('/v1/merchants')
        .set(admin)
        .set('idempotency-key', key)
        .send({ name: 'K' });
      expect([key, res.status]).toEqual([key, 400]);
    }
  });

  it('creates exactly one merchant for concurrent requests with one key', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        t.http
          .post('/v1/merchants')
          .set(admin)
          .set('idempotency-key', 'storm-1')
          .send({ name: 'Storm Shop' }),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.every((s) => s === 201 || s === 409)).toBe(true);
    const created = results.filter((r) => r.status === 201);
    expect(new Set(created.map((r) => r.body.data.source_id)).size).toBe(1);
    for (const r of results.filter((x) => x.status === 409))
      expect(r.body.reason).toBe('idempotency_in_progress');
    const rows = await t.dataSource.query(
      `SELECT COUNT(*) AS n FROM merchants WHERE name = 'Storm Shop'`,
    );
    expect(Number(rows[0].n)).toBe(1);
  });

  it('writes an audit row for each admin action and credential change', async () => {
    const res = await t.http.get('/v1/admin/audit-logs?limit=100').set(admin).expect(200);
    const rows = res.body.data.items as Record<string, unknown>[];
    const actions = new Set(rows.map((r) => r.action));
    for (const action of [
      'merchant.create',
      'merchant.update',
      'credential.create',
      'credential.revoke',
    ])
      expect(actions).toContain(action);
    const create = rows.find(
      (r) => r.action === 'merchant.create' && r.target_id === String(a.sourceId),
    );
    expect(create).toEqual(
      expect.objectContaining({
        actor_client_id: 'adm_test_bootstrap',
        actor_role: 'admin',
        target_type: 'merchant',
        result: 'success',
        ip: '127.0.0.1',
        request_id: expect.any(String),
        created_at: expect.any(String),
      }),
    );
    const refused = rows.find((r) => r.action === 'merchant.update' && r.reason === 'forbidden');
    expect(refused).toEqual(
      expect.objectContaining({
        result: 'failure',
        actor_role: 'merchant',
        target_id: String(a.sourceId),
      }),
    );
    const filtered = await t.http
      .get('/v1/admin/audit-logs?action=credential.revoke')
      .set(admin)
      .expect(200);
    expect(
      filtered.body.data.items.every((r: { action: string }) => r.action === 'credential.revoke'),
    ).toBe(true);
    expect(JSON.stringify(res.body)).not.toMatch(/pgs_[A-Za-z0-9_-]{20}|whsec_/);
  });

  it('maintenance mode: 503 with Retry-After for merchants, admins and the token endpoint stay up', async () => {
    const m = await createMerchant(t);
    await t.http
      .put('/v1/admin/maintenance')
      .set(admin)
      .send({ enabled: true, retry_after_seconds: 120 })
      .expect(200);
    try {
      const res = await t.http.get('/v1/merchants/me').set(bearer(m.token));
      expect(res.status).toBe(503);
      expect(res.body.reason).toBe('maintenance');
      expect(res.headers['retry-after']).toBe('120');
      expect((await t.http.get('/v1/teapot')).status).toBe(503);
      await t.http.get('/health/ready').expect(200);
      await t.http.get('/v1/merchants').set(admin).expect(200);
      await t.http
        .post('/v1/auth/token')
        .send({
          grant_type: 'client_credentials',
          client_id: m.clientId,
          client_secret: m.clientSecret,
        })
        .expect(200);
      const state = await t.http.get('/v1/admin/maintenance').set(admin).expect(200);
      expect(state.body.data).toEqual(
        expect.objectContaining({ enabled: true, retry_after_seconds: 120 }),
      );
    } finally {
      await t.http
        .put('/v1/admin/maintenance')
        .set(admin)
        .type('form')
        .send('enabled=false')
        .expect(200);
    }
    await t.http.get('/v1/merchants/me').set(bearer(m.token)).expect(200);
    const audit = await t.http
      .get('/v1/admin/audit-logs?action=maintenance.set')
      .set(admin)
      .expect(200);
    // the admin's two switches; the merchant's refused attempts are written down too
    const byAdmin = (audit.body.data.items as { actor_role: string; result: string }[]).filter(
      (r) => r.actor_role === 'admin',
    );
    expect(byAdmin.map((r) => r.result)).toEqual(['success', 'success']);
  });
});

describe(`who may create credentials, how many, and what revoking takes along, on ${testEngine()}`, () => {
  let t: TestApp;
  let admin: { authorization: string };
  beforeAll(async () => {
    t = await startTestApp({
      RATE_LIMIT_PER_SECOND: '1000',
      MAX_ACTIVE_CREDENTIALS_PER_MERCHANT: '3',
    });
    admin = bearer(await t.adminToken());
  });
  afterAll(() => t.close());

  const addCredential = (sourceId: number, token: string) =>
    t.http.post(`/v1/merchants/${sourceId}/credentials`).set(bearer(token));
  const activeCount = async (sourceId: number) => {
    const list = await t.http.get(`/v1/merchants/${sourceId}/credentials`).set(admin).expect(200);
    return (list.body.data.items as { status: string }[]).filter((c) => c.status === 'active')
      .length;
  };
  const tokenOf = (created: { body: { data: { client_id: string; client_secret: string } } }) =>
    getToken(t.url, created.body.data.client_id, created.body.data.client_secret);

  it('lets admins and the merchant itself create, up to the cap, and records who did', async () => {
    const m = await createMerchant(t, { name: 'Capped' });
    const other = await createMerchant(t, { name: 'Neighbour' });
    const first = await t.http.get(`/v1/merchants/${m.sourceId}/credentials`).set(admin);
    expect(first.body.data.items[0].created_by).toBe('adm_test_bootstrap');
    const byMerchant = await addCredential(m.sourceId, m.token).expect(201);
    expect(byMerchant.body.data.created_by).toBe(m.clientId);
    const byAdmin = await addCredential(m.sourceId, await t.adminToken()).expect(201);
    expect(byAdmin.body.data.created_by).toBe('adm_test_bootstrap');
    for (const token of [m.token, await t.adminToken()]) {
      const refused = await addCredential(m.sourceId, token);
      expect([refused.status, refused.body.reason]).toEqual([422, 'credential_limit_reached']);
      expect(refused.body.message).toContain('3');
    }
    expect(await activeCount(m.sourceId)).toBe(3);
    // another merchant may not, and does not learn the merchant exists
    const foreign = await addCredential(m.sourceId, other.token);
    expect([foreign.status, foreign.body.reason]).toEqual([404, 'merchant_not_found']);
    // every creation is audited with the new client_id, refusals too
    const logs = await t.http
      .get(`/v1/admin/audit-logs?action=credential.create&target_id=${m.sourceId}&limit=20`)
      .set(admin)
      .expect(200);
    const rows = logs.body.data.items as Record<string, unknown>[];
    expect(rows).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          actor_client_id: m.clientId,
          result: 'success',
          detail: { client_id: byMerchant.body.data.client_id },
        }),
        expect.objectContaining({
          actor_client_id: m.clientId,
          result: 'failure',
          reason: 'credential_limit_reached',
        }),
      ]),
    );
    expect(JSON.stringify(rows)).not.toContain(byMerchant.body.data.client_secret);
  });

  it('never passes the cap under concurrent creations', async () => {
    const m = await createMerchant(t, { name: 'Raced' });
    const results = await Promise.all(
      Array.from({ length: 6 }, () => addCredential(m.sourceId, m.token)),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, 201, 422, 422, 422, 422]);
    expect(await activeCount(m.sourceId)).toBe(3);
  });

  it('revokes what a stolen credential made, and what that made, with cascade=true', async () => {
    const m = await createMerchant(t, { name: 'Stolen' });
    // the thief's token makes a credential, whose token makes another
    const made = await addCredential(m.sourceId, m.token).expect(201);
    const madeByMade = await addCredential(m.sourceId, await tokenOf(made)).expect(201);
    const tokens = [m.token, await tokenOf(made), await tokenOf(madeByMade)];
    // revoked without cascade first: what it made survives
    const plain = await t.http
      .delete(`/v1/merchants/${m.sourceId}/credentials/${m.clientId}`)
      .set(admin)
      .expect(200);
    expect(plain.body.data.also_revoked).toEqual([]);
    await t.http.get('/v1/merchants/me').set(bearer(tokens[1])).expect(200);
    // the operator makes the merchant a fresh one, then revokes again with cascade
    const fresh = await addCredential(m.sourceId, await t.adminToken()).expect(201);
    for (const spelled of ['cascade=true', 'cascade=TRUE']) {
      const bad = await t.http
        .delete(`/v1/merchants/${m.sourceId}/credentials/${m.clientId}?${spelled}&x=1`)
        .set(admin);
      expect(bad.status).toBe(400);
    }
    const cascaded = await t.http
      .delete(`/v1/merchants/${m.sourceId}/credentials/${m.clientId}?cascade=true`)
      .set(admin)
      .expect(200);
    expect(cascaded.body.data.also_revoked).toEqual(
      [made.body.data.client_id, madeByMade.body.data.client_id].sort(),
    );
    for (const token of tokens) {
      const res = await t.http.get('/v1/merchants/me').set(bearer(token));
      expect([res.status, res.body.reason]).toEqual([401, 'token_revoked']);
    }
    // the operator's credential was not made by the stolen one
    await t.http
      .get('/v1/merchants/me')
      .set(bearer(await tokenOf(fresh)))
      .expect(200);
    const logs = await t.http
      .get(`/v1/admin/audit-logs?action=credential.revoke&target_id=${m.clientId}&limit=5`)
      .set(admin)
      .expect(200);
    expect(logs.body.data.items[0].detail).toEqual({
      also_revoked: cascaded.body.data.also_revoked,
    });
  });
});

describe(`notify_url SSRF guard at registration on ${testEngine()}`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ WEBHOOK_ALLOW_PRIVATE: 'false' });
  });
  afterAll(() => t.close());

  it.each([
    'http://127.0.0.1/hook',
    'http://[::1]/hook',
    'http://169.254.169.254/latest/meta-data',
    'http://10.0.0.5/hook',
    'http://192.168.1.1/hook',
    'http://2130706433/hook',
    'http://0x7f000001/hook',
    'http://0177.0.0.1/hook',
    'http://[::ffff:127.0.0.1]/hook',
    'http://[::127.0.0.1]/hook',
    'http://[::7f00:1]/hook',
    'http://[0:0:0:0:0:0:a9fe:a9fe]/latest/meta-data',
    'http://[::a00:1]/hook',
    'http://[::0.0.0.2]/hook',
    'http://[64:ff9b::7f00:1]/hook',
    'http://[2002:7f00:1::]/hook',
    'http://[fd00::1]/hook',
    'http://0.0.0.0/hook',
    'http://localhost/hook',
    'gopher://example.com/',
    'http://user:pass@8.8.8.8/hook',
    'http://203.0.113.10/hook',
  ])('refuses %s', async (url) => {
    const res = await t.http
      .post('/v1/merchants')
      .set(bearer(await t.adminToken()))
      .send({ name: 'SSRF', notify_url: url });
    expect(res.status).toBe(400);
    expect(res.body.reason).toBe('invalid_notify_url');
  });

  it('accepts a public address', async () => {
    await t.http
      .post('/v1/merchants')
      .set(bearer(await t.adminToken()))
      .send({ name: 'Public', notify_url: 'https://8.8.8.8/hook' })
      .expect(201);
  });
});
