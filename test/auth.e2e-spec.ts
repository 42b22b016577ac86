import { sign } from 'jsonwebtoken';
import request from 'supertest';
import { KeysService } from '../src/common/crypto/keys.service';
import { testEngine } from './helpers/scratch-database';
import { LogCapture } from './helpers/log-capture';
import {
  ADMIN_CLIENT_ID,
  ADMIN_CLIENT_SECRET,
  bearer,
  createMerchant,
  getToken,
  startTestApp,
  TestApp,
} from './helpers/test-app';

describe(`获取Token and tokens on ${testEngine()}`, () => {
  let t: TestApp;
  const logs = new LogCapture();

  beforeAll(async () => {
    t = await startTestApp({ LOG_LEVEL: 'info', RATE_LIMIT_PER_SECOND: '1000' }, undefined, {
      logDestination: logs,
    });
  });
  afterAll(() => t.close());

  const tokenBody = {
    grant_type: 'client_credentials',
    client_id: ADMIN_CLIENT_ID,
    client_secret: ADMIN_CLIENT_SECRET,
  };

  it('issues a token for JSON, form and HTTP Basic client credentials', async () => {
    const json = await t.http.post('/v1/auth/token').send(tokenBody).expect(200);
    expect(json.body).toEqual({
      code: '0000',
      message: 'success',
      data: {
        access_token: expect.any(String),
        token_type: 'Bearer',
        expires_in: 7200,
        scope: 'admin',
      },
      request_id: expect.any(String),
    });
    await t.http
      .post('/v1/auth/token')
      .type('form')
      .send(
        `grant_type=client_credentials&client_id=${ADMIN_CLIENT_ID}&client_secret=${ADMIN_CLIENT_SECRET}`,
      )
      .expect(200);
    const basic = Buffer.from(`${ADMIN_CLIENT_ID}:${ADMIN_CLIENT_SECRET}`).toString('base64');
    const viaBasic = await t.http
      .post('/v1/auth/token')
      .set('authorization', `Basic ${basic}`)
      .type('form')
      .send('grant_type=client_credentials')
      .expect(200);
    expect(viaBasic.body.data.scope).toBe('admin');
  });

  it('gives a merchant a merchant-scoped token', async () => {
    const m = await createMerchant(t);
    const res = await t.http
      .post('/v1/auth/token')
      .send({
        grant_type: 'client_credentials',
        client_id: m.clientId,
        client_secret: m.clientSecret,
      })
      .expect(200);
    expect(res.body.data.scope).toBe('merchant');
  });

  it('answers an unknown client and a wrong secret the same way, in similar time', async () => {
    const unknown = await t.http
      .post('/v1/auth/token')
      .send({ ...tokenBody, client_id: 'adm_nobody' });
    const wrong = await t.http
      .post('/v1/auth/token')
      .send({ ...tokenBody, client_secret: 'wrong-secret-wrong-secret' });
    for (const res of [unknown, wrong]) {
      expect(res.status).toBe(401);
      expect(res.body).toEqual(expect.objectContaining({ code: '401', reason: 'invalid_client' }));
    }
    expect(unknown.body.message).toBe(wrong.body.message);
    // both run a full scrypt verification: neither is an order of magnitude quicker
    const time = async (body: object) => {
      const samples: number[] = [];
      for (let i = 0; i < 5; i++) {
        const start = process.hrtime.bigint();
        await t.http.post('/v1/auth/token').send(body);
        samples.push(Number(process.hrtime.bigint() - start) / 1e6);
      }
      return samples.sort((a, b) => a - b)[2];
    };
    const unknownMs = await time({ ...tokenBody, client_id: 'adm_nobody' });
    const wrongMs = await time({ ...tokenBody, client_secret: 'wrong-secret-wrong-secret' });
    expect(unknownMs / wrongMs).toBeGreaterThan(0.33);
    expect(unknownMs / wrongMs).toBeLessThan(3);
  });

  it('refuses other grant types', async () => {
    const res = await t.http.post('/v1/auth/token').send({ ...tokenBody, grant_type: 'password' });
    expect(res.status).toBe(400);
  });

  it('accepts the token as Authorization: Bearer and as the access_token header, never in the query', async () => {
    const token = await t.adminToken();
    await t.http.get('/v1/merchants').set('authorization', `Bearer ${token}`).expect(200);
    await t.http.get('/v1/merchants').set('access_token', token).expect(200);
    const query = await t.http.get(`/v1/merchants?access_token=${token}`);
    expect(query.status).toBe(401);
    expect(logs.text()).not.toContain(token);
  });

  it('never writes a token sent in the query to the log, whatever the parameter is called', async () => {
    const token = await t.adminToken();
    const [, payload, signature] = token.split('.');
    const encoded = encodeURIComponent(token).replace(/\./g, '%2E');
    for (const query of [
      `auth_token=${token}`,
      `jwt=${token}`,
      `bearer=${token}`,
      `accessToken=${token}`,
      `api_key=${token}`,
      `%61ccess_token=${token}`,
      `q=${token}`,
      `q=${encoded}`,
      `header=Bearer%20${token}`,
    ]) {
      const res = await t.http.get(`/v1/merchants?${query}`);
      expect([query.split('=')[0], res.status]).toEqual([query.split('=')[0], 401]);
    }
    // a route without a token logs its URL too
    await t.http.get(`/v1/teapot?client_secret=${ADMIN_CLIENT_SECRET}`);
    const text = logs.text();
    for (const part of [payload, signature, ADMIN_CLIENT_SECRET]) expect(text).not.toContain(part);
    expect(text).toContain('[redacted]');
  });

  describe('refuses tokens that are not exactly right (401)', () => {
    let secret: string;
    let claims: Record<string, unknown>;
    beforeAll(() => {
      secret = t.app.get(KeysService).jwtSecret;
      claims = { scope: 'admin', sub: ADMIN_CLIENT_ID, iss: 'paygate', aud: 'paygate-api' };
    });

    const expect401 = async (token: string, reason = 'unauthenticated') => {
      const res = await t.http.get('/v1/merchants').set(bearer(token));
      expect(res.status).toBe(401);
      expect(res.body.reason).toBe(reason);
    };

    it('a well-formed token works (the control)', async () => {
      const ok = sign({ ...claims, exp: Math.floor(Date.now() / 1000) + 60 }, secret, {
        algorithm: 'HS256',
      });
      await t.http.get('/v1/merchants').set(bearer(ok)).expect(200);
    });
    it('expired', () =>
      expect401(
        sign({ ...claims, exp: Math.floor(Date.now() / 1000) - 10 }, secret),
        'token_expired',
      ));
    it('alg none', () => {
      const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
      const payload = Buffer.from(
        JSON.stringify({ ...claims, exp: Math.floor(Date.now() / 1000) + 60 }),
      ).toString('base64url');
      return expect401(`${header}.${payload}.`);
    });
    it('signed with another key', () =>
      expect401(
        sign(
          { ...claims, exp: Math.floor(Date.now() / 1000) + 60 },
          'another-key-another-key-another-key!!',
        ),
      ));
    it('signed with another algorithm', () =>
      expect401(
        sign({ ...claims, exp: Math.floor(Date.now() / 1000) + 60 }, secret, {
          algorithm: 'HS512',
        }),
      ));
    it('without exp', () => expect401(sign(claims, secret)));
    it('with another issuer or audience', async () => {
      await expect401(
        sign({ ...claims, iss: 'elsewhere', exp: Math.floor(Date.now() / 1000) + 60 }, secret),
      );
      await expect401(
        sign({ ...claims, aud: 'elsewhere', exp: Math.floor(Date.now() / 1000) + 60 }, secret),
      );
    });
    it('with tampered claims', async () => {
      const m = await createMerchant(t);
      const [header, payload, signature] = m.token.split('.');
      const forged = {
        ...JSON.parse(Buffer.from(payload, 'base64url').toString()),
        scope: 'admin',
      };
      await expect401(
        `${header}.${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${signature}`,
      );
    });
    it('of a revoked credential, from the moment of revocation', async () => {
      const m = await createMerchant(t);
      await t.http.get('/v1/merchants/me').set(bearer(m.token)).expect(200);
      await t.http
        .delete(`/v1/merchants/${m.sourceId}/credentials/${m.clientId}`)
        .set(bearer(await t.adminToken()))
        .expect(200);
      await expect401(m.token, 'token_revoked');
      const again = await t.http.post('/v1/auth/token').send({
        grant_type: 'client_credentials',
        client_id: m.clientId,
        client_secret: m.clientSecret,
      });
      expect(again.status).toBe(401);
    });
  });

  it('gives a suspended merchant 403 merchant_suspended, and lets it back when reactivated', async () => {
    const m = await createMerchant(t);
    const admin = bearer(await t.adminToken());
    await t.http
      .patch(`/v1/merchants/${m.sourceId}`)
      .set(admin)
      .send({ status: 'suspended' })
      .expect(200);
    const refused = await t.http.get('/v1/merchants/me').set(bearer(m.token));
    expect(refused.status).toBe(403);
    expect(refused.body.reason).toBe('merchant_suspended');
    const token = await t.http.post('/v1/auth/token').send({
      grant_type: 'client_credentials',
      client_id: m.clientId,
      client_secret: m.clientSecret,
    });
    expect(token.status).toBe(403);
    await t.http
      .patch(`/v1/merchants/${m.sourceId}`)
      .set(admin)
      .send({ status: 'active' })
      .expect(200);
    await t.http.get('/v1/merchants/me').set(bearer(m.token)).expect(200);
  });

  it('never logs a client secret, a webhook secret or a token', async () => {
    const m = await createMerchant(t);
    await t.http.get('/v1/merchants/me').set(bearer(m.token)).expect(200);
    const text = logs.text();
    expect(logs.lines.length).toBeGreaterThan(5);
    for (const secret of [m.clientSecret, m.webhookSecret, m.token, ADMIN_CLIENT_SECRET]) {
      expect(text).not.toContain(secret);
    }
    // each request line carries its request id
    expect(logs.lines.some((l) => /"request_id":"[^"]+".*"msg":"request completed"/.test(l))).toBe(
      true,
    );
  });
});

describe(`token endpoint brute-force limits on ${testEngine()}`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ TOKEN_RATE_LIMIT_PER_MINUTE: '3', TRUST_PROXY: 'true' });
  });
  afterAll(() => t.close());

  const attempt = (ip: string, clientId: string) =>
    t.http
      .post('/v1/auth/token')
      .set('x-forwarded-for', ip)
      .send({ grant_type: 'client_credentials', client_id: clientId, client_secret: 'guess' });

  it('limits the requests of one address, whatever the client ids', async () => {
    const statuses = [];
    for (let i = 0; i < 4; i++)
      statuses.push((await attempt('203.0.113.1', `cli_guess_${i}`)).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
    const limited = await attempt('203.0.113.1', 'cli_guess_9');
    expect(limited.headers['retry-after']).toBeDefined();
    expect(limited.body.reason).toBe('rate_limited');
  });

  it('counts an IPv6 /64 as one address, and an IPv4-mapped address as the IPv4 one', async () => {
    const v6 = [];
    for (let i = 1; i <= 4; i++) v6.push((await attempt(`2001:db8:7:9::${i}`, 'cli_x')).status);
    expect(v6).toEqual([401, 401, 401, 429]);
    expect((await attempt('2001:db8:7:a::1', 'cli_x')).status).toBe(401);
    const mapped = [];
    for (const ip of ['192.0.2.50', '::ffff:192.0.2.50', '::ffff:c000:232', '192.0.2.50']) {
      mapped.push((await attempt(ip, 'cli_x')).status);
    }
    expect(mapped).toEqual([401, 401, 401, 429]);
  });

  it('leaves other addresses alone', async () => {
    expect((await attempt('192.0.2.77', 'cli_other')).status).toBe(401);
  });
});

describe(`token endpoint lockouts after wrong secrets on ${testEngine()}`, () => {
  const logs = new LogCapture();
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(
      {
        TRUST_PROXY: 'true',
        TOKEN_RATE_LIMIT_PER_MINUTE: '1000',
        TOKEN_FAILURES_PER_CLIENT_AND_ADDRESS: '3',
        TOKEN_FAILURES_PER_ADDRESS: '6',
        TOKEN_FAILURE_WINDOW_SECONDS: '600',
        LOG_LEVEL: 'warn',
      },
      undefined,
      { logDestination: logs },
    );
  });
  afterAll(() => t.close());

  type Send = (ip: string, clientId: string, secret: string) => request.Test;
  const json: Send = (ip, clientId, secret) =>
    t.http
      .post('/v1/auth/token')
      .set('x-forwarded-for', ip)
      .send({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret });
  const form: Send = (ip, clientId, secret) =>
    t.http
      .post('/v1/auth/token')
      .set('x-forwarded-for', ip)
      .type('form')
      .send(
        `grant_type=client_credentials&client_id=${encodeURIComponent(clientId)}` +
          `&client_secret=${encodeURIComponent(secret)}`,
      );
  const basic: Send = (ip, clientId, secret) =>
    t.http
      .post('/v1/auth/token')
      .set('x-forwarded-for', ip)
      .set('authorization', `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`)
      .send({ grant_type: 'client_credentials' });

  it('never locks a merchant out when its client_id is guessed from 30 addresses', async () => {
    const m = await createMerchant(t);
    for (let i = 1; i <= 30; i++) {
      const res = await json(`198.51.100.${i}`, m.clientId, `wrong-${i}`);
      expect([i, res.status]).toEqual([i, 401]);
    }
    // the real merchant, from an address of its own
    const ok = await json('192.0.2.10', m.clientId, m.clientSecret);
    expect(ok.status).toBe(200);
    // reported though: many failures for one client_id, from anywhere
    await waitForLog(logs, /many failed attempts/);
  });

  it('locks the client_id out from the address that fails, in JSON, form and Basic alike', async () => {
    const m = await createMerchant(t);
    const ip = '203.0.113.20';
    const statuses = [
      (await json(ip, m.clientId, 'wrong')).status,
      (await form(ip, m.clientId, 'wrong')).status,
      (await basic(ip, m.clientId, 'wrong')).status,
    ];
    expect(statuses).toEqual([401, 401, 401]);
    // locked from there, the right secret included, in every form
    for (const send of [json, form, basic]) {
      const locked = await send(ip, m.clientId, m.clientSecret);
      expect(locked.status).toBe(429);
      expect(locked.body).toEqual(expect.objectContaining({ code: '429', reason: 'rate_limited' }));
      expect(Number(locked.headers['retry-after'])).toBeGreaterThan(590);
      expect(locked.headers['ratelimit-remaining']).toBe('0');
      expect(locked.headers['ratelimit-limit']).toBe('3');
    }
    // not anywhere else
    expect((await json('203.0.113.21', m.clientId, m.clientSecret)).status).toBe(200);
    await waitForLog(logs, /failed attempts reached the limit; locked out/);
    const line = logs.lines.find((l) => l.includes(m.clientId) && l.includes('locked out'));
    expect(JSON.parse(line ?? '{}')).toEqual(
      expect.objectContaining({ rule: 'client_address', address: ip, client_id: m.clientId }),
    );
    expect(logs.text()).not.toContain(m.clientSecret);
    const metrics = await t.http.get('/metrics');
    expect(metrics.text).toMatch(
      /paygate_failure_lockouts_total\{throttle="token",rule="client_address"\} [1-9]/,
    );
    expect(metrics.text).toMatch(
      /paygate_failure_lockout_refusals_total\{throttle="token",rule="client_address"\} [3-9]/,
    );
  });

  it('answers a locked-out unknown client_id exactly like a known one', async () => {
    const m = await createMerchant(t);
    const answers = [];
    for (const [ip, clientId] of [
      ['203.0.113.30', m.clientId],
      ['203.0.113.31', 'cli_does_not_exist'],
    ]) {
      for (let i = 0; i < 3; i++) await json(ip, clientId, 'wrong');
      const locked = await json(ip, clientId, 'wrong');
      answers.push([locked.status, locked.body.reason, locked.body.message]);
    }
    expect(answers[0]).toEqual([429, 'rate_limited', expect.any(String)]);
    expect(answers[1]).toEqual(answers[0]);
  });

  it('clears the count of a client_id from an address when its secret is right', async () => {
    const m = await createMerchant(t);
    const ip = '203.0.113.40';
    for (let round = 0; round < 2; round++) {
      expect((await json(ip, m.clientId, 'wrong')).status).toBe(401);
      expect((await json(ip, m.clientId, 'wrong')).status).toBe(401);
      expect((await json(ip, m.clientId, m.clientSecret)).status).toBe(200);
    }
  });

  it('locks out an address that fails for many client ids, and only that address', async () => {
    const m = await createMerchant(t);
    const ip = '203.0.113.50';
    for (let i = 0; i < 6; i++) {
      expect((await json(ip, `cli_guess_${i}`, 'wrong')).status).toBe(401);
    }
    const locked = await json(ip, m.clientId, m.clientSecret);
    expect([locked.status, locked.headers['ratelimit-limit']]).toEqual([429, '6']);
    expect((await json('203.0.113.51', m.clientId, m.clientSecret)).status).toBe(200);
  });

  it('counts one IPv6 /64 as one address', async () => {
    const m = await createMerchant(t);
    for (let i = 1; i <= 3; i++) await json(`2001:db8:5:5::${i}`, m.clientId, 'wrong');
    expect((await json('2001:db8:5:5::99', m.clientId, m.clientSecret)).status).toBe(429);
    expect((await json('2001:db8:5:6::1', m.clientId, m.clientSecret)).status).toBe(200);
  });
});

describe(`RATE_LIMIT_ENABLED=false turns the token endpoint's limits off too, on ${testEngine()}`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      RATE_LIMIT_ENABLED: 'false',
      RATE_LIMIT_PER_SECOND: '1',
      TOKEN_RATE_LIMIT_PER_MINUTE: '1',
      TOKEN_FAILURES_PER_CLIENT_AND_ADDRESS: '1',
      TOKEN_FAILURES_PER_ADDRESS: '1',
    });
  });
  afterAll(() => t.close());

  it('never answers 429: not per address, not after failures, not per credential', async () => {
    const m = await createMerchant(t);
    const statuses = new Set<number>();
    for (let i = 0; i < 4; i++) {
      const wrong = await t.http.post('/v1/auth/token').send({
        grant_type: 'client_credentials',
        client_id: m.clientId,
        client_secret: 'wrong',
      });
      statuses.add(wrong.status);
      const right = await t.http.post('/v1/auth/token').send({
        grant_type: 'client_credentials',
        client_id: m.clientId,
        client_secret: m.clientSecret,
      });
      statuses.add(right.status);
      statuses.add((await t.http.get('/v1/merchants/me').set(bearer(m.token))).status);
    }
    expect([...statuses].sort()).toEqual([200, 401]);
  });
});

/** Lock-out lines are written as the failure is counted, a moment after the answer. */
async function waitForLog(logs: LogCapture, pattern: RegExp): Promise<void> {
  const deadline = Date.now() + 2000;
  while (!pattern.test(logs.text())) {
    if (Date.now() > deadline) throw new Error(`no log line matching ${pattern}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe(`JWT secret in development on ${testEngine()}`, () => {
  it('is generated once and kept in the database, so a restart accepts earlier tokens', async () => {
    const first = await startTestApp();
    const token = await getToken(first.url, ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET);
    const rows = await first.dataSource.query(
      `SELECT value FROM app_settings WHERE key = 'jwt_secret'`,
    );
    expect(rows).toHaveLength(1);
    await first.app.close();
    const second = await startTestApp({}, first.database);
    try {
      await second.http.get('/v1/merchants').set(bearer(token)).expect(200);
    } finally {
      await second.close();
      await first.database.drop();
    }
  });
});

if (testEngine() === 'postgres') {
  describe('revocation across instances on postgres', () => {
    it('refuses a revoked or suspended credential at once on every instance, however warm its cache', async () => {
      const a = await startTestApp();
      const b = await startTestApp({}, a.database);
      try {
        const m = await createMerchant(a);
        const spare = await a.http
          .post(`/v1/merchants/${m.sourceId}/credentials`)
          .set(bearer(await a.adminToken()))
          .expect(201);
        const spareToken = await getToken(
          a.url,
          spare.body.data.client_id,
          spare.body.data.client_secret,
        );
        // both instances have the credentials cached
        for (const t of [a, b]) {
          await t.http.get('/v1/merchants/me').set(bearer(m.token)).expect(200);
          await t.http.get('/v1/merchants/me').set(bearer(spareToken)).expect(200);
        }
        await a.http
          .delete(`/v1/merchants/${m.sourceId}/credentials/${m.clientId}`)
          .set(bearer(await a.adminToken()))
          .expect(200);
        await expectEventually401(b, m.token, 'token_revoked');
        await b.http.get('/v1/merchants/me').set(bearer(spareToken)).expect(200);
        await a.http
          .patch(`/v1/merchants/${m.sourceId}`)
          .set(bearer(await a.adminToken()))
          .send({ status: 'suspended' })
          .expect(200);
        const refused = await waitStatus(b, spareToken, 403);
        expect(refused.body.reason).toBe('merchant_suspended');
      } finally {
        await b.app.close();
        await a.close();
      }
    });
  });
}

/** The change travels by NOTIFY, delivered with the commit: allow a few milliseconds, never seconds. */
async function waitStatus(t: TestApp, token: string, status: number) {
  const deadline = Date.now() + 500;
  for (;;) {
    const res = await t.http.get('/v1/merchants/me').set(bearer(token));
    if (res.status === status || Date.now() > deadline) {
      expect(res.status).toBe(status);
      return res;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function expectEventually401(t: TestApp, token: string, reason: string) {
  const res = await waitStatus(t, token, 401);
  expect(res.body.reason).toBe(reason);
}
