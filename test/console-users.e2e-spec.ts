import request from 'supertest';
import { SessionAuthenticator } from '../src/console/session-authenticator';
import { totpCode } from '../src/console/totp';
import {
  CONSOLE_ENV,
  CONSOLE_OWNER_EMAIL,
  CONSOLE_OWNER_PASSWORD,
  ConsoleBrowser,
  consolePerson,
  login,
  loginRequest,
  merchantTeam,
  SETUP_TIMEOUT_MS,
} from './helpers/console';
import { testEngine } from './helpers/scratch-database';
import { bearer, createMerchant, startTestApp, TestApp, TestMerchant } from './helpers/test-app';

describe(`console users on ${testEngine()}`, () => {
  let t: TestApp;
  let merchant: TestMerchant;
  let owner: ConsoleBrowser;

  beforeAll(async () => {
    t = await startTestApp({ ...CONSOLE_ENV, RATE_LIMIT_PER_SECOND: '1000' });
    merchant = await createMerchant(t);
    owner = await login(t, CONSOLE_OWNER_EMAIL, CONSOLE_OWNER_PASSWORD);
  }, SETUP_TIMEOUT_MS);
  afterAll(() => t.close());

  const user = (overrides: Record<string, unknown> = {}) => ({
    email: `someone-${Math.random().toString(36).slice(2)}@example.com`,
    name: 'Someone',
    scope: 'operator',
    role: 'viewer',
    password: 'a long enough password',
    ...overrides,
  });

  it('creates operators, and a merchant owner who creates that merchant’s people', async () => {
    const created = await owner.call('post', '/v1/console/users').send(user()).expect(201);
    expect(created.body.data).toEqual({
      user_id: expect.stringMatching(/^usr_/),
      email: expect.any(String),
      name: 'Someone',
      scope: 'operator',
      role: 'viewer',
      source_id: null,
      status: 'active',
      must_change_password: true,
      totp_enabled: false,
      last_login_at: null,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    expect(JSON.stringify(created.body)).not.toContain('a long enough password');
    // operators create a merchant's owner, not its staff
    const staff = await owner
      .call('post', '/v1/console/users')
      .send(user({ scope: 'merchant', role: 'finance', source_id: merchant.sourceId }));
    expect([staff.status, staff.body.reason]).toEqual([403, 'forbidden']);
    const team = await merchantTeam(t, merchant.sourceId, ['developer']);
    const byOwner = await team.owner.browser
      .call('post', '/v1/console/users')
      .send(user({ scope: 'merchant', role: 'finance', source_id: merchant.sourceId }))
      .expect(201);
    expect(byOwner.body.data.source_id).toBe(merchant.sourceId);
    const other = await createMerchant(t);
    for (const [body, status, reason] of [
      [user(), 403, 'forbidden'],
      [
        user({ scope: 'merchant', role: 'viewer', source_id: other.sourceId }),
        404,
        'merchant_not_found',
      ],
    ] as const) {
      const res = await team.owner.browser.call('post', '/v1/console/users').send(body);
      expect([res.status, res.body.reason]).toEqual([status, reason]);
    }
    // a developer is not an owner
    const developer = await team.developer!.browser.call('post', '/v1/console/users').send(user());
    expect([developer.status, developer.body.reason]).toEqual([403, 'forbidden']);
  });

  it('refuses a taken email whatever its case, a weak password, and a role of the other scope', async () => {
    const email = `Taken-${Date.now()}@Example.com`;
    await owner.call('post', '/v1/console/users').send(user({ email })).expect(201);
    const taken = await owner
      .call('post', '/v1/console/users')
      .send(user({ email: email.toLowerCase() }));
    expect([taken.status, taken.body.reason]).toEqual([409, 'email_taken']);
    for (const password of ['short pass', 'qwertyuiopasdfgh', 'aaaaaaaaaaaaaaaa']) {
      const weak = await owner.call('post', '/v1/console/users').send(user({ password }));
      expect([password, weak.status, weak.body.reason]).toEqual([password, 400, 'weak_password']);
    }
    const wrongRole = await owner.call('post', '/v1/console/users').send(user({ role: 'finance' }));
    expect([wrongRole.status, wrongRole.body.errors[0].field]).toEqual([400, 'role']);
    const noMerchant = await owner
      .call('post', '/v1/console/users')
      .send(user({ scope: 'merchant', role: 'owner' }));
    expect([noMerchant.status, noMerchant.body.errors[0].field]).toEqual([400, 'source_id']);
  });

  it('applies a new role to open sessions at once', async () => {
    const person = await consolePerson(t, { scope: 'operator', role: 'viewer' });
    const refused = await person.browser
      .call('put', '/v1/admin/maintenance')
      .send({ enabled: false });
    expect([refused.status, refused.body.reason]).toEqual([403, 'forbidden']);
    await owner
      .call('patch', `/v1/console/users/${person.userId}`)
      .send({ role: 'admin' })
      .expect(200);
    await person.browser.call('put', '/v1/admin/maintenance').send({ enabled: false }).expect(200);
    const me = await person.browser.call('get', '/v1/console/session').expect(200);
    expect(me.body.data.user.role).toBe('admin');
    expect(me.body.data.permissions).toContain('maintenance.manage');
  });

  it('resets a password: the sessions end and the new one must be changed at login', async () => {
    const person = await consolePerson(t, { scope: 'operator', role: 'viewer' });
    await owner
      .call('patch', `/v1/console/users/${person.userId}`)
      .send({ password: 'temporary reset pass' })
      .expect(200);
    const dead = await person.browser.call('get', '/v1/console/session');
    expect([dead.status, dead.body.reason]).toEqual([401, 'session_expired']);
    const browser = await login(t, person.email, 'temporary reset pass');
    const me = await browser.call('get', '/v1/console/session').expect(200);
    expect(me.body.data.user.must_change_password).toBe(true);
  });

  it('turns someone’s two-factor authentication off when they lost their phone', async () => {
    const person = await consolePerson(t, { scope: 'operator', role: 'viewer' });
    const begun = await person.browser
      .call('post', '/v1/console/session/totp')
      .send({ current_password: person.password })
      .expect(200);
    await person.browser
      .call('put', '/v1/console/session/totp')
      .send({ totp: totpCode(begun.body.data.secret as string, Date.now()) })
      .expect(200);
    const asked = await loginRequest(t, { email: person.email, password: person.password });
    expect(asked.body.reason).toBe('totp_required');
    const reset = await owner
      .call('patch', `/v1/console/users/${person.userId}`)
      .send({ totp_enabled: false })
      .expect(200);
    expect(reset.body.data.totp_enabled).toBe(false);
    await login(t, person.email, person.password);
  });

  it('keeps an active owner on every side, and nobody changes or deletes themselves', async () => {
    const me = (await owner.call('get', '/v1/console/session').expect(200)).body.data.user;
    for (const body of [
      { role: 'viewer' },
      { status: 'disabled' },
      { password: 'another long pass' },
    ]) {
      const res = await owner.call('patch', `/v1/console/users/${me.user_id}`).send(body);
      expect([res.status, res.body.reason]).toEqual([409, 'own_account']);
    }
    const self = await owner.call('delete', `/v1/console/users/${me.user_id}`);
    expect([self.status, self.body.reason]).toEqual([409, 'own_account']);
    await owner
      .call('patch', `/v1/console/users/${me.user_id}`)
      .send({ name: 'Chief' })
      .expect(200);

    // the merchant's only owner cannot be demoted, disabled or deleted, even by an operator
    const shop = await createMerchant(t);
    const team = await merchantTeam(t, shop.sourceId, ['viewer']);
    for (const [method, body] of [
      ['patch', { role: 'viewer' }],
      ['patch', { status: 'disabled' }],
      ['delete', undefined],
    ] as const) {
      const res = await owner.call(method, `/v1/console/users/${team.owner.userId}`).send(body);
      expect([res.status, res.body.reason]).toEqual([409, 'last_owner']);
    }
    // with a second owner, the first may go
    await team.owner.browser
      .call('patch', `/v1/console/users/${team.viewer!.userId}`)
      .send({ role: 'owner' })
      .expect(200);
    const gone = await owner.call('delete', `/v1/console/users/${team.owner.userId}`).expect(200);
    expect(gone.body.data.email).toBe(team.owner.email);
    const after = await team.owner.browser.call('get', '/v1/console/session');
    expect([after.status, after.body.reason]).toEqual([401, 'session_expired']);
  });

  it("lists a merchant owner its merchant's people only; others' are 404", async () => {
    const a = await merchantTeam(t, merchant.sourceId, ['viewer']);
    const shop = await createMerchant(t);
    const b = await merchantTeam(t, shop.sourceId, []);
    const list = await a.owner.browser.call('get', '/v1/console/users?limit=100').expect(200);
    const sources = new Set(list.body.data.items.map((u: { source_id: number }) => u.source_id));
    expect([...sources]).toEqual([merchant.sourceId]);
    for (const [method, path] of [
      ['patch', `/v1/console/users/${b.owner.userId}`],
      ['delete', `/v1/console/users/${b.owner.userId}`],
    ] as const) {
      const res = await a.owner.browser.call(method, path).send({ name: 'x' });
      expect([res.status, res.body.reason]).toEqual([404, 'user_not_found']);
    }
    const everyone = await owner
      .call('get', `/v1/console/users?source_id=${shop.sourceId}`)
      .expect(200);
    expect(everyone.body.data.items.map((u: { user_id: string }) => u.user_id)).toEqual([
      b.owner.userId,
    ]);
  });

  it('never reads the session cookie of a request that carries a token', async () => {
    const spy = jest.spyOn(SessionAuthenticator.prototype, 'authenticate');
    try {
      await request(t.url)
        .get('/v1/merchants/me')
        .set(bearer(merchant.token))
        .set('cookie', owner.cookieHeader)
        .expect(200);
      await request(t.url)
        .get('/v1/merchants/me')
        .set('access_token', merchant.token)
        .set('cookie', 'paygate_session=garbage')
        .expect(200);
      expect(spy).not.toHaveBeenCalled();
      await owner.call('get', '/v1/console/session').expect(200);
      expect(spy).toHaveBeenCalledTimes(1);
    } finally {
      spy.mockRestore();
    }
  });
});
