import request from 'supertest';
import { totpCode } from '../src/console/totp';
import {
  CONSOLE_ENV,
  CONSOLE_OWNER_EMAIL,
  CONSOLE_OWNER_PASSWORD,
  ConsoleBrowser,
  consolePerson,
  login,
  loginRequest,
  parseSetCookies,
  SETUP_TIMEOUT_MS,
} from './helpers/console';
import { testEngine } from './helpers/scratch-database';
import { bearer, createMerchant, startTestApp, TestApp } from './helpers/test-app';

/** The median of a few timings of `send`, ms. */
async function medianMs(send: () => Promise<unknown>, samples = 5): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const start = process.hrtime.bigint();
    await send();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return times.sort((a, b) => a - b)[Math.floor(samples / 2)];
}

let addresses = 0;
/** A client address of its own for each test, so failure counts per address do not mix. */
const newIp = () => `203.0.113.${++addresses}`;

describe(`console sessions on ${testEngine()}`, () => {
  let t: TestApp;
  /** Reached over https. Started first: the app started last owns the process's token strategy. */
  let https: TestApp;

  beforeAll(async () => {
    https = await startTestApp({ ...CONSOLE_ENV, PUBLIC_BASE_URL: 'https://pay.example.com' });
    t = await startTestApp({
      ...CONSOLE_ENV,
      TRUST_PROXY: 'true',
      RATE_LIMIT_PER_SECOND: '1000',
      CONSOLE_LOGIN_IP_MAX_FAILURES: '8',
    });
  }, SETUP_TIMEOUT_MS);
  afterAll(async () => {
    await t.close();
    await https.close();
  });

  it('logs the bootstrap owner in with the two cookies the contract names, and out again', async () => {
    const ip = newIp();
    const res = await loginRequest(
      t,
      { email: CONSOLE_OWNER_EMAIL.toUpperCase(), password: CONSOLE_OWNER_PASSWORD },
      ip,
    );
    expect(res.status).toBe(200);
    expect(res.body.data.user).toEqual({
      user_id: expect.stringMatching(/^usr_/),
      email: CONSOLE_OWNER_EMAIL,
      name: 'Owner',
      scope: 'operator',
      role: 'owner',
      source_id: null,
      must_change_password: false,
      totp_enabled: false,
      last_login_at: expect.any(String),
    });
    expect(res.body.data.permissions).toEqual(expect.arrayContaining(['users.manage']));
    expect(res.body.data.permissions).not.toContain('payments.create');
    const cookies = parseSetCookies(res);
    // PUBLIC_BASE_URL is plain http here: no Secure, or the browser would drop the cookies
    expect(cookies.paygate_session.attributes).toEqual({
      'max-age': '43200',
      path: '/',
      httponly: true,
      samesite: 'Strict',
    });
    expect(cookies.paygate_session.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(cookies.paygate_csrf.attributes).toEqual({
      'max-age': '43200',
      path: '/',
      samesite: 'Strict',
    });
    // the database holds only a hash of the session token
    const stored: { session_id: string }[] = await t.dataSource.query(
      `SELECT session_id FROM console_sessions`,
    );
    expect(stored.map((s) => s.session_id)).not.toContain(cookies.paygate_session.value);

    const browser = new ConsoleBrowser(t, {}, ip);
    browser.absorb(res);
    const me = await browser.call('get', '/v1/console/session').expect(200);
    expect(me.body.data.user.email).toBe(CONSOLE_OWNER_EMAIL);
    expect(me.body.data.idle_timeout_minutes).toBe(30);
    const out = await browser.call('delete', '/v1/console/session').expect(200);
    expect(parseSetCookies(out).paygate_session).toEqual({
      value: '',
      attributes: { 'max-age': '0', path: '/', httponly: true, samesite: 'Strict' },
    });
    const after = await browser.call('get', '/v1/console/session');
    expect([after.status, after.body.reason]).toEqual([401, 'session_expired']);
  });

  it('marks the cookies Secure when PUBLIC_BASE_URL is https', async () => {
    const res = await loginRequest(https, {
      email: CONSOLE_OWNER_EMAIL,
      password: CONSOLE_OWNER_PASSWORD,
    }).expect(200);
    const cookies = parseSetCookies(res);
    expect(cookies.paygate_session.attributes.secure).toBe(true);
    expect(cookies.paygate_csrf.attributes.secure).toBe(true);
  });

  it('answers a wrong password and an unknown email alike, in comparable time', async () => {
    const person = await consolePerson(t, { scope: 'operator', role: 'viewer' });
    const ip = newIp();
    const wrong = await loginRequest(
      t,
      { email: person.email, password: 'not the password at all' },
      ip,
    );
    const unknown = await loginRequest(
      t,
      { email: 'nobody@ops.example.com', password: 'not the password at all' },
      ip,
    );
    for (const res of [wrong, unknown]) {
      expect(res.status).toBe(401);
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    const { request_id: a, ...wrongBody } = wrong.body;
    const { request_id: b, ...unknownBody } = unknown.body;
    expect(a).not.toBe(b);
    expect(wrongBody).toEqual(unknownBody);
    expect(wrongBody).toEqual({
      code: '401',
      message: 'The email or password is wrong',
      reason: 'invalid_credentials',
    });
    // both run one full scrypt check: neither is an order of magnitude quicker (each from its
    // own address and email, below every lockout)
    const wrongMs = await medianMs(
      () =>
        loginRequest(t, { email: person.email.toUpperCase(), password: 'x'.repeat(12) }, newIp()),
      3,
    );
    const unknownMs = await medianMs(
      () => loginRequest(t, { email: `ghost@ops.example.com`, password: 'x'.repeat(12) }, newIp()),
      3,
    );
    expect(unknownMs / wrongMs).toBeGreaterThan(0.33);
    expect(unknownMs / wrongMs).toBeLessThan(3);
  });

  it('locks an email out after 5 failures, existing or not, with the same answer; others go on', async () => {
    const merchant = await createMerchant(t);
    const person = await consolePerson(t, {
      scope: 'merchant',
      role: 'owner',
      source_id: merchant.sourceId,
    });
    for (const email of [person.email, 'never-registered@example.com']) {
      for (let i = 0; i < 5; i++) {
        const res = await loginRequest(t, { email, password: 'a wrong password!' }, newIp());
        expect([res.status, res.body.reason]).toEqual([401, 'invalid_credentials']);
      }
    }
    const locked = await loginRequest(
      t,
      { email: person.email, password: person.password },
      newIp(),
    );
    const lockedUnknown = await loginRequest(
      t,
      { email: 'never-registered@example.com', password: person.password },
      newIp(),
    );
    for (const res of [locked, lockedUnknown]) {
      expect([res.status, res.body.reason]).toEqual([429, 'rate_limited']);
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(800);
      expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(900);
    }
    const withoutSeconds = (text: string) => text.replace(/\d+/g, 'N');
    expect(withoutSeconds(locked.body.message)).toBe(withoutSeconds(lockedUnknown.body.message));
    // the session opened before the lockout is untouched, and other accounts log in
    await person.browser.call('get', '/v1/console/session').expect(200);
    await login(t, CONSOLE_OWNER_EMAIL, CONSOLE_OWNER_PASSWORD, { ip: newIp() });
  });

  it('locks a client address out after its failures, across emails', async () => {
    const ip = newIp();
    for (let i = 0; i < 8; i++) {
      const res = await loginRequest(
        t,
        { email: `spray${i}@example.com`, password: 'guess guess 1' },
        ip,
      );
      expect(res.status).toBe(401);
    }
    const locked = await loginRequest(
      t,
      { email: CONSOLE_OWNER_EMAIL, password: CONSOLE_OWNER_PASSWORD },
      ip,
    );
    expect([locked.status, locked.body.reason]).toEqual([429, 'rate_limited']);
    await login(t, CONSOLE_OWNER_EMAIL, CONSOLE_OWNER_PASSWORD, { ip: newIp() });
  });

  describe('two-factor authentication (TOTP)', () => {
    it('enrols, then asks for a code at login, accepts each code and recovery code once', async () => {
      const merchant = await createMerchant(t);
      const person = await consolePerson(t, {
        scope: 'merchant',
        role: 'owner',
        source_id: merchant.sourceId,
      });
      const browser = person.browser;
      const wrongPassword = await browser
        .call('post', '/v1/console/session/totp')
        .send({ current_password: 'not my password!' });
      expect([wrongPassword.status, wrongPassword.body.errors?.[0]?.field]).toEqual([
        400,
        'current_password',
      ]);
      const begun = await browser
        .call('post', '/v1/console/session/totp')
        .send({ current_password: person.password })
        .expect(200);
      const secret = begun.body.data.secret as string;
      expect(begun.body.data.otpauth_url).toBe(
        `otpauth://totp/paygate:${encodeURIComponent(person.email)}?issuer=paygate&secret=${secret}&algorithm=SHA1&digits=6&period=30`,
      );
      // not on before it is confirmed
      await login(t, person.email, person.password, { ip: newIp() });
      const bad = await browser.call('put', '/v1/console/session/totp').send({ totp: '000000' });
      expect(bad.status).toBe(400);
      const confirmed = await browser
        .call('put', '/v1/console/session/totp')
        .send({ totp: totpCode(secret, Date.now()) })
        .expect(200);
      const codes = confirmed.body.data.recovery_codes as string[];
      expect(codes).toHaveLength(10);
      expect(new Set(codes).size).toBe(10);
      for (const code of codes) expect(code).toMatch(/^[a-z2-9]{5}-[a-z2-9]{5}$/);
      const stored: { code_hash: string }[] = await t.dataSource.query(
        `SELECT code_hash FROM console_recovery_codes`,
      );
      expect(stored.map((r) => r.code_hash)).not.toContain(codes[0]);

      const ip = newIp();
      const asked = await loginRequest(t, { email: person.email, password: person.password }, ip);
      expect([asked.status, asked.body.reason]).toEqual([401, 'totp_required']);
      const wrong = await loginRequest(
        t,
        { email: person.email, password: person.password, totp: '123456' },
        ip,
      );
      expect([wrong.status, wrong.body.reason]).toEqual([401, 'invalid_totp']);
      // the code of the next step: the one confirmed at enrolment was of this step
      const next = totpCode(secret, Date.now() + 30_000);
      await login(t, person.email, person.password, { totp: next, ip });
      const replay = await loginRequest(
        t,
        { email: person.email, password: person.password, totp: next },
        ip,
      );
      expect([replay.status, replay.body.reason]).toEqual([401, 'invalid_totp']);
      await login(t, person.email, person.password, { totp: codes[3].toUpperCase(), ip });
      const spent = await loginRequest(
        t,
        { email: person.email, password: person.password, totp: codes[3] },
        ip,
      );
      expect([spent.status, spent.body.reason]).toEqual([401, 'invalid_totp']);

      await browser
        .call('delete', '/v1/console/session/totp')
        .send({ current_password: person.password })
        .expect(200);
      await login(t, person.email, person.password, { ip: newIp() });
    });
  });

  describe('CSRF', () => {
    it('refuses a change made with the cookie without the token; reads and Bearer calls need none', async () => {
      const merchant = await createMerchant(t);
      const owner = await consolePerson(t, {
        scope: 'merchant',
        role: 'owner',
        source_id: merchant.sourceId,
      });
      const change = () => ({ notify_url: 'http://127.0.0.1:9/hook' });
      for (const csrf of [null, '', 'x'.repeat(43), owner.browser.csrf.slice(1)]) {
        const res = await owner.browser
          .call('patch', `/v1/merchants/${merchant.sourceId}`, { csrf })
          .send(change());
        expect([res.status, res.body.reason]).toEqual([403, 'csrf_failed']);
      }
      // another session's token is not this session's
      const other = await login(t, owner.email, owner.password, { ip: newIp() });
      const crossed = await owner.browser
        .call('patch', `/v1/merchants/${merchant.sourceId}`, { csrf: other.csrf })
        .send(change());
      expect(crossed.body.reason).toBe('csrf_failed');
      const merchantRow = await request(t.url)
        .get(`/v1/merchants/${merchant.sourceId}`)
        .set(bearer(merchant.token))
        .expect(200);
      expect(merchantRow.body.data.notify_url).toBeNull();

      await owner.browser.call('get', `/v1/merchants/${merchant.sourceId}`).expect(200);
      await owner.browser
        .call('patch', `/v1/merchants/${merchant.sourceId}`)
        .send(change())
        .expect(200);
      // a Bearer request is a token request whatever cookies ride along
      await request(t.url)
        .patch(`/v1/merchants/${merchant.sourceId}`)
        .set(bearer(merchant.token))
        .set('cookie', owner.browser.cookieHeader)
        .send({ notify_url: null })
        .expect(200);
    });
  });

  describe('sessions die at once', () => {
    it('when the user is disabled, and stay dead when re-enabled', async () => {
      const owner = await login(t, CONSOLE_OWNER_EMAIL, CONSOLE_OWNER_PASSWORD, { ip: newIp() });
      const viewer = await consolePerson(t, { scope: 'operator', role: 'viewer' });
      await viewer.browser.call('get', '/v1/merchants').expect(200);
      await owner
        .call('patch', `/v1/console/users/${viewer.userId}`)
        .send({ status: 'disabled' })
        .expect(200);
      const refused = await viewer.browser.call('get', '/v1/merchants');
      expect([refused.status, refused.body.reason]).toEqual([401, 'session_expired']);
      const relogin = await loginRequest(t, { email: viewer.email, password: viewer.password });
      expect([relogin.status, relogin.body.reason]).toEqual([401, 'invalid_credentials']);
      await owner
        .call('patch', `/v1/console/users/${viewer.userId}`)
        .send({ status: 'active' })
        .expect(200);
      expect((await viewer.browser.call('get', '/v1/merchants')).status).toBe(401);
      await login(t, viewer.email, viewer.password);
    });

    it('when the password changes: every other session ends, this browser gets a new one', async () => {
      const person = await consolePerson(t, { scope: 'operator', role: 'admin' });
      const elsewhere = await login(t, person.email, person.password, { ip: newIp() });
      const weak = await person.browser
        .call('put', '/v1/console/session/password')
        .send({ current_password: person.password, new_password: 'password1234' });
      expect([weak.status, weak.body.reason]).toEqual([400, 'weak_password']);
      const short = await person.browser
        .call('put', '/v1/console/session/password')
        .send({ current_password: person.password, new_password: 'short' });
      expect([short.status, short.body.reason]).toEqual([400, 'weak_password']);
      const changed = await person.browser
        .call('put', '/v1/console/session/password')
        .send({ current_password: person.password, new_password: 'a brand new long secret' })
        .expect(200);
      const before = person.browser.cookies.paygate_session;
      person.browser.absorb(changed);
      expect(person.browser.cookies.paygate_session).not.toBe(before);
      await person.browser.call('get', '/v1/console/session').expect(200);
      const dead = await elsewhere.call('get', '/v1/console/session');
      expect([dead.status, dead.body.reason]).toEqual([401, 'session_expired']);
      const old = await loginRequest(t, { email: person.email, password: person.password });
      expect(old.status).toBe(401);
      await login(t, person.email, 'a brand new long secret');
    });

    it("when the user's merchant is suspended, for good", async () => {
      const merchant = await createMerchant(t);
      const owner = await consolePerson(t, {
        scope: 'merchant',
        role: 'owner',
        source_id: merchant.sourceId,
      });
      await owner.browser.call('get', '/v1/merchants/me').expect(200);
      const admin = bearer(await t.adminToken());
      await request(t.url)
        .patch(`/v1/merchants/${merchant.sourceId}`)
        .set(admin)
        .send({ status: 'suspended' })
        .expect(200);
      const refused = await owner.browser.call('get', '/v1/merchants/me');
      expect([refused.status, refused.body.reason]).toEqual([401, 'session_expired']);
      const relogin = await loginRequest(t, { email: owner.email, password: owner.password });
      expect([relogin.status, relogin.body.reason]).toEqual([403, 'merchant_suspended']);
      await request(t.url)
        .patch(`/v1/merchants/${merchant.sourceId}`)
        .set(admin)
        .send({ status: 'active' })
        .expect(200);
      expect((await owner.browser.call('get', '/v1/merchants/me')).status).toBe(401);
      await login(t, owner.email, owner.password);
    });

    it('after 30 minutes idle, and 12 hours after login whatever the activity', async () => {
      const person = await consolePerson(t, { scope: 'operator', role: 'viewer' });
      const start = Date.now();
      const clock = jest.spyOn(Date, 'now');
      try {
        // 29 minutes later it still works, and that request moves the idle timeout on
        clock.mockReturnValue(start + 29 * 60_000);
        await person.browser.call('get', '/v1/console/session').expect(200);
        clock.mockReturnValue(start + 58 * 60_000);
        await person.browser.call('get', '/v1/console/session').expect(200);
        clock.mockReturnValue(start + 89 * 60_000);
        const idle = await person.browser.call('get', '/v1/console/session');
        expect([idle.status, idle.body.reason]).toEqual([401, 'session_expired']);

        const busy = await login(t, person.email, person.password);
        const loggedIn = Date.now();
        for (let h = 0.4; h < 12; h += 0.4) {
          clock.mockReturnValue(loggedIn + h * 3_600_000);
          await busy.call('get', '/v1/console/session').expect(200);
        }
        clock.mockReturnValue(loggedIn + 12 * 3_600_000 + 1000);
        const ended = await busy.call('get', '/v1/console/session');
        expect([ended.status, ended.body.reason]).toEqual([401, 'session_expired']);
      } finally {
        clock.mockRestore();
      }
    });
  });

  it('lets a new account do nothing but change its password first', async () => {
    const email = `first-login-${Date.now()}@example.com`;
    await request(t.url)
      .post('/v1/console/users')
      .set(bearer(await t.adminToken()))
      .send({
        email,
        name: 'New',
        scope: 'operator',
        role: 'admin',
        password: 'temporary pass 123',
      })
      .expect(201);
    const browser = await login(t, email, 'temporary pass 123');
    const me = await browser.call('get', '/v1/console/session').expect(200);
    expect(me.body.data.user.must_change_password).toBe(true);
    expect(me.body.data.permissions).toEqual(['session.self']);
    const refused = await browser.call('get', '/v1/payments');
    expect([refused.status, refused.body.reason]).toEqual([403, 'password_change_required']);
    const changed = await browser
      .call('put', '/v1/console/session/password')
      .send({ current_password: 'temporary pass 123', new_password: 'my own long password' })
      .expect(200);
    browser.absorb(changed);
    expect(changed.body.data.user.must_change_password).toBe(false);
    await browser.call('get', '/v1/payments').expect(200);
  });

  it('writes logins, failed ones and console changes to the audit log with the email', async () => {
    const merchant = await createMerchant(t);
    const developer = await consolePerson(t, {
      scope: 'merchant',
      role: 'owner',
      source_id: merchant.sourceId,
    });
    await loginRequest(
      t,
      { email: developer.email.toUpperCase(), password: 'not it at all' },
      newIp(),
    );
    await developer.browser
      .call('post', `/v1/merchants/${merchant.sourceId}/credentials`)
      .expect(201);
    const admin = bearer(await t.adminToken());
    const rows = await request(t.url)
      .get(
        `/v1/admin/audit-logs?actor_email=${encodeURIComponent(developer.email.toUpperCase())}&limit=100`,
      )
      .set(admin)
      .expect(200);
    const items = rows.body.data.items as Record<string, unknown>[];
    const summary = items.map((r) => [r.action, r.result, r.reason ?? null]).reverse();
    expect(summary).toEqual([
      ['console.login', 'success', null],
      ['console.password_change', 'success', null],
      ['console.login', 'failure', 'invalid_credentials'],
      ['credential.create', 'success', null],
    ]);
    for (const row of items) {
      expect(row.actor_email).toBe(developer.email);
      expect(JSON.stringify(row)).not.toContain(developer.password);
    }
    expect(items[0]).toEqual(
      expect.objectContaining({
        actor_client_id: developer.userId,
        actor_role: 'merchant_owner',
        target_id: String(merchant.sourceId),
      }),
    );
  });
});
