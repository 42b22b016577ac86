import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { LogCapture } from './helpers/log-capture';
import { createScratchDatabase, ScratchDatabase, testEngine } from './helpers/scratch-database';
import { BootstrapAdminService } from '../src/auth/bootstrap-admin.service';
import {
  ADMIN_CLIENT_ID,
  ADMIN_CLIENT_SECRET,
  bearer,
  createMerchant,
  getToken,
  freePort,
  startTestApp,
  TestApp,
  TestMerchant,
} from './helpers/test-app';

/** The Redis every instance of a test shares (the machine's own, as in CI). */
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Two instances of paygate on one database; `env` for both. */
async function twoInstances(
  env: Record<string, string>,
): Promise<{ a: TestApp; b: TestApp; database: ScratchDatabase; close: () => Promise<void> }> {
  const database = await createScratchDatabase();
  const a = await startTestApp(env, database);
  const b = await startTestApp(env, database);
  return {
    a,
    b,
    database,
    close: async () => {
      await a.close();
      await b.close();
      await database.drop();
    },
  };
}

/** A key prefix of its own, so that parallel test files never share counters. */
const sharedStore = () => ({
  REDIS_URL,
  REDIS_KEY_PREFIX: `paygate-test:${randomBytes(6).toString('hex')}:`,
});

const tokenAttempt = (t: TestApp, ip: string, clientId: string) =>
  t.http
    .post('/v1/auth/token')
    .set('x-forwarded-for', ip)
    .send({ grant_type: 'client_credentials', client_id: clientId, client_secret: 'guess' });

describe(`rate limits across two instances sharing Redis on ${testEngine()}`, () => {
  it('counts the token endpoint limit once for both instances', async () => {
    const pair = await twoInstances({
      ...sharedStore(),
      TOKEN_RATE_LIMIT_PER_MINUTE: '3',
      TRUST_PROXY: 'true',
    });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        const instance = i % 2 === 0 ? pair.a : pair.b;
        statuses.push((await tokenAttempt(instance, '203.0.113.7', 'cli_guess')).status);
      }
      expect(statuses).toEqual([401, 401, 401, 429, 429, 429]);
    } finally {
      await pair.close();
    }
  });

  it('shares lockouts after wrong secrets between both instances', async () => {
    const pair = await twoInstances({
      ...sharedStore(),
      TOKEN_FAILURES_PER_CLIENT_AND_ADDRESS: '2',
      TRUST_PROXY: 'true',
    });
    try {
      const m = await createMerchant(pair.a);
      const send = (t: TestApp, ip: string, secret: string) =>
        t.http
          .post('/v1/auth/token')
          .set('x-forwarded-for', ip)
          .send({ grant_type: 'client_credentials', client_id: m.clientId, client_secret: secret });
      expect((await send(pair.a, '203.0.113.8', 'wrong')).status).toBe(401);
      expect((await send(pair.b, '203.0.113.8', 'wrong')).status).toBe(401);
      for (const t of [pair.a, pair.b]) {
        expect((await send(t, '203.0.113.8', m.clientSecret)).status).toBe(429);
        expect((await send(t, '203.0.113.9', m.clientSecret)).status).toBe(200);
      }
    } finally {
      await pair.close();
    }
  });

  it('without Redis each instance counts alone (the reason for REDIS_URL)', async () => {
    const pair = await twoInstances({ TOKEN_RATE_LIMIT_PER_MINUTE: '3', TRUST_PROXY: 'true' });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) {
        const instance = i % 2 === 0 ? pair.a : pair.b;
        statuses.push((await tokenAttempt(instance, '203.0.113.7', 'cli_guess')).status);
      }
      expect(statuses).toEqual([401, 401, 401, 401, 401, 401, 429, 429]);
    } finally {
      await pair.close();
    }
  });

  it("counts a merchant's per-second limit across both instances", async () => {
    const pair = await twoInstances({ ...sharedStore(), RATE_LIMIT_PER_SECOND: '4' });
    try {
      // The window is one second; a burst the machine stretched past it proves nothing, so it
      // is measured again with a fresh credential (a fresh counter) rather than waited out.
      for (let round = 1; ; round++) {
        const merchant: TestMerchant = await createMerchant(pair.a);
        const started = Date.now();
        const responses: request.Response[] = [];
        for (let i = 0; i < 8; i++) {
          const instance = i % 2 === 0 ? pair.a : pair.b;
          responses.push(await instance.http.get('/v1/merchants/me').set(bearer(merchant.token)));
        }
        if (Date.now() - started > 800 && round < 3) continue;
        expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 429, 429, 429, 429]);
        expect(responses.map((r) => r.headers['ratelimit-remaining'])).toEqual([
          '3',
          '2',
          '1',
          '0',
          '0',
          '0',
          '0',
          '0',
        ]);
        expect(Number(responses[5].headers['retry-after'])).toBeGreaterThanOrEqual(1);
        expect(responses[5].body).toEqual(
          expect.objectContaining({ code: '429', reason: 'rate_limited' }),
        );
        return;
      }
    } finally {
      await pair.close();
    }
  });
});

describe(`rate limits when Redis cannot be reached on ${testEngine()}`, () => {
  const logs = new LogCapture();
  let t: TestApp;
  beforeAll(async () => {
    // nothing listens on this port
    const deadPort = await freePort();
    t = await startTestApp(
      {
        REDIS_URL: `redis://127.0.0.1:${deadPort}`,
        RATE_LIMIT_PER_SECOND: '2',
        LOG_LEVEL: 'warn',
      },
      undefined,
      { logDestination: logs },
    );
  });
  afterAll(() => t.close());

  it('lets requests through promptly, unlimited, and says so once in the log', async () => {
    const merchant = await createMerchant(t);
    for (let i = 0; i < 6; i++) {
      const started = Date.now();
      const res = await t.http.get('/v1/merchants/me').set(bearer(merchant.token));
      expect(res.status).toBe(200);
      expect(Date.now() - started).toBeLessThan(2000);
    }
    const warnings = logs.lines.filter((l) => l.includes('rate-limit store (Redis) unreachable'));
    expect(warnings).toHaveLength(1);
    expect(logs.text()).not.toMatch(/"level":(50|60)|"level":"(error|fatal)"/);
  });
});

describe(`instances starting together on a new database on ${testEngine()}`, () => {
  it('all come up: migrations run once, the bootstrap admin is ensured once', async () => {
    const database = await createScratchDatabase();
    const started = await Promise.allSettled([1, 2, 3].map(() => startTestApp({}, database)));
    try {
      const failures = started.filter((s) => s.status === 'rejected');
      expect(failures.map((f) => String((f as PromiseRejectedResult).reason))).toEqual([]);
      const apps = started.map((s) => (s as PromiseFulfilledResult<TestApp>).value);
      for (const t of apps) expect((await t.http.get('/health/ready')).status).toBe(200);
      const [migrations] = await apps[0].dataSource.query(
        'SELECT COUNT(*) AS n, COUNT(DISTINCT name) AS names FROM migrations',
      );
      expect(Number(migrations.n)).toBe(Number(migrations.names));
      for (const t of apps) await t.adminToken();

      // and when they race to ensure the bootstrap admin (here: it was just deleted), none fails
      await apps[0].dataSource.query(
        `DELETE FROM credentials WHERE client_id = '${ADMIN_CLIENT_ID}'`,
      );
      const ensured = await Promise.allSettled(
        apps.flatMap((t) =>
          [1, 2].map(() => t.app.get(BootstrapAdminService).onApplicationBootstrap()),
        ),
      );
      expect(ensured.filter((e) => e.status === 'rejected')).toEqual([]);
      const tokens = await Promise.all(
        apps.map((t) => getToken(t.url, ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET)),
      );
      expect(tokens).toHaveLength(3);
    } finally {
      for (const s of started) if (s.status === 'fulfilled') await s.value.close();
      await database.drop();
    }
  });
});
