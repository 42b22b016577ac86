import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { ACCESS_ROLES, AccessRole, isGranted, Permission } from '../src/auth/permissions';
import {
  CONSOLE_ENV,
  ConsoleBrowser,
  consolePerson,
  login,
  merchantTeam,
  SETUP_TIMEOUT_MS,
} from './helpers/console';
import { createOrder, createSandboxChannel, payOrder, waitForStatus } from './helpers/payments';
import { testEngine } from './helpers/scratch-database';
import { bearer, createMerchant, startTestApp, TestApp, TestMerchant } from './helpers/test-app';

interface DocumentOperation {
  operationId: string;
  'x-permission'?: Permission;
}

/** Every operation of the committed document with the permission it declares. */
const OPERATIONS = Object.entries(
  (
    JSON.parse(readFileSync(join(__dirname, '..', 'openapi.json'), 'utf8')) as {
      paths: Record<string, Record<string, DocumentOperation>>;
    }
  ).paths,
)
  .flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => ({
      path,
      method: method as 'get' | 'post' | 'put' | 'patch' | 'delete',
      id: op.operationId,
      permission: op['x-permission'],
    })),
  )
  .filter((op) => op.permission !== undefined)
  // logging out ends the session the remaining checks use: last
  .sort(
    (a, b) => Number(a.id === 'ConsoleSession_logout') - Number(b.id === 'ConsoleSession_logout'),
  );

/**
 * The role table, checked route by route: every operation of openapi.json that needs a
 * permission is called by a principal of every role of the table (the two kinds of API
 * credential by token, the seven console roles by session cookie with the CSRF token) and must
 * be refused with 403 `forbidden` exactly when the role lacks the permission. Requests carry
 * no body and made-up ids, so an allowed call stops at validation or a 404 and changes nothing
 * that matters: what is checked is only whether the role table let it through.
 */
describe(`every route, every role, as the role table says, on ${testEngine()}`, () => {
  let t: TestApp;
  let merchant: TestMerchant;
  const callers = new Map<AccessRole, (method: string, path: string) => request.Test>();

  beforeAll(async () => {
    t = await startTestApp({ ...CONSOLE_ENV, RATE_LIMIT_PER_SECOND: '100000' });
    merchant = await createMerchant(t);
    const adminToken = await t.adminToken();
    const byToken = (token: string) => (method: string, path: string) => {
      const agent = request(t.url) as unknown as Record<string, (p: string) => request.Test>;
      return agent[method](path).set(bearer(token));
    };
    const byBrowser = (browser: ConsoleBrowser) => (method: string, path: string) =>
      browser.call(method as 'get', path);
    callers.set('admin', byToken(adminToken));
    callers.set('merchant', byToken(merchant.token));
    const team = await merchantTeam(t, merchant.sourceId, ['finance', 'developer', 'viewer']);
    callers.set('merchant_owner', byBrowser(team.owner.browser));
    for (const role of ['finance', 'developer', 'viewer'] as const) {
      callers.set(`merchant_${role}`, byBrowser(team[role]!.browser));
    }
    for (const role of ['owner', 'admin', 'viewer'] as const) {
      const person = await consolePerson(t, { scope: 'operator', role });
      callers.set(`operator_${role}`, byBrowser(person.browser));
    }
  }, SETUP_TIMEOUT_MS);
  afterAll(() => t.close());

  it('covers every role of the table and every operation that needs a permission', () => {
    expect([...callers.keys()].sort()).toEqual([...ACCESS_ROLES].sort());
    expect(OPERATIONS.length).toBeGreaterThanOrEqual(50);
  });

  it('the console roles see their own merchant only: another merchant is 404 to them', async () => {
    const other = await createMerchant(t, { name: 'Someone Else' });
    await createSandboxChannel(t, { code: 'authz_sbx' }, { notify_delay_ms: 0 });
    const theirs = await createOrder(t, other, { merchant_order_no: 'THEIRS-1' });
    await payOrder(t, theirs).expect(200);
    await waitForStatus(t, other.token, theirs.order_id, 'SUCCEEDED');
    const ours = await createOrder(t, merchant, { merchant_order_no: 'OURS-1' });
    const browsers = [
      'merchant_owner',
      'merchant_finance',
      'merchant_developer',
      'merchant_viewer',
    ];
    for (const role of browsers as AccessRole[]) {
      const call = callers.get(role)!;
      for (const path of [
        `/v1/payments/${theirs.order_id}`,
        `/v1/payments?order_id=${theirs.order_id}`,
        `/v1/payments/${theirs.order_id}/refunds`,
        `/v1/merchants/${other.sourceId}`,
        `/v1/merchants/${other.sourceId}/credentials`,
      ]) {
        const res = await call('get', path);
        expect([role, path, res.status]).toEqual([role, path, 404]);
      }
      const list = await call('get', '/v1/payments?limit=100');
      expect(list.status).toBe(200);
      const ids = (list.body.data.items as { order_id: string }[]).map((o) => o.order_id);
      expect(ids).toContain(ours.order_id);
      expect(ids).not.toContain(theirs.order_id);
      const events = await call('get', `/v1/events?source_id=${other.sourceId}`);
      expect([role, events.status]).toEqual([role, 403]);
    }
    // finance may refund, but not another merchant's order
    const refund = await callers.get('merchant_finance')!(
      'post',
      `/v1/payments/${theirs.order_id}/refunds`,
    ).send({ amount: 1 });
    expect(refund.status).toBe(404);
    const users = await callers.get('merchant_owner')!('get', '/v1/console/users?limit=100');
    for (const user of users.body.data.items as { source_id: number | null }[])
      expect(user.source_id).toBe(merchant.sourceId);
    const foreign = await callers.get('merchant_owner')!(
      'get',
      `/v1/console/users?source_id=${other.sourceId}`,
    );
    expect(foreign.status).toBe(404);
  });

  it('operators see every merchant, through the same endpoints', async () => {
    const res = await callers.get('operator_viewer')!('get', '/v1/payments?limit=100');
    const sources = new Set(
      (res.body.data.items as { source_id: number }[]).map((o) => o.source_id),
    );
    expect(sources.size).toBeGreaterThanOrEqual(2);
    await login(t, CONSOLE_ENV.BOOTSTRAP_CONSOLE_EMAIL, CONSOLE_ENV.BOOTSTRAP_CONSOLE_PASSWORD);
  });
  for (const op of OPERATIONS) {
    it(`${op.method.toUpperCase()} ${op.path} (${op.permission})`, async () => {
      const path = op.path.replace(/\{(\w+)\}/g, (_, name: string) =>
        name === 'source_id' ? String(merchant.sourceId) : 'no_such_thing',
      );
      const outcomes: string[] = [];
      const expected: string[] = [];
      for (const role of ACCESS_ROLES) {
        let req = callers.get(role)!(op.method, path);
        if (['post', 'put', 'patch', 'delete'].includes(op.method)) req = req.send({});
        const res = await req;
        const refused = res.status === 403 && res.body.reason === 'forbidden';
        const unauthenticated = res.status === 401;
        outcomes.push(`${role}: ${refused ? 'refused' : unauthenticated ? '401' : 'allowed'}`);
        expected.push(`${role}: ${isGranted(role, op.permission!) ? 'allowed' : 'refused'}`);
      }
      expect(outcomes).toEqual(expected);
    });
  }
});
