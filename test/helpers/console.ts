import request from 'supertest';
import { bearer, TestApp } from './test-app';

export const CONSOLE_OWNER_EMAIL = 'owner@ops.example.com';
export const CONSOLE_OWNER_PASSWORD = 'correct horse battery staple 7';

/** The environment that makes the bootstrap operator owner known to the tests. */
export const CONSOLE_ENV = {
  BOOTSTRAP_CONSOLE_EMAIL: CONSOLE_OWNER_EMAIL,
  BOOTSTRAP_CONSOLE_PASSWORD: CONSOLE_OWNER_PASSWORD,
};

/**
 * A file's set-up makes several console people, each costing a few deliberately slow password
 * hashes (scrypt, 32 MiB): on a loaded machine that takes longer than a test's default minute.
 */
export const SETUP_TIMEOUT_MS = 300_000;

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete' | 'head';

/** A browser logged in to the console: its cookies, and the CSRF token its page would read. */
export class ConsoleBrowser {
  constructor(
    readonly t: TestApp,
    readonly cookies: Record<string, string>,
    /** Sent as X-Forwarded-For (the app trusts it in these tests): one client address each. */
    readonly ip?: string,
  ) {}

  get csrf(): string {
    return this.cookies.paygate_csrf;
  }

  get cookieHeader(): string {
    return Object.entries(this.cookies)
      .map(([k, v]) => `${k}=${v}`)
      .join('; ');
  }

  /** A request as the console page makes it: cookies, and X-CSRF-Token on changes. */
  call(method: Method, path: string, options: { csrf?: string | null } = {}): request.Test {
    let req = request(this.t.url)[method](path).set('cookie', this.cookieHeader);
    if (this.ip) req = req.set('x-forwarded-for', this.ip);
    const csrf = options.csrf === undefined ? this.csrf : options.csrf;
    if (method !== 'get' && method !== 'head' && csrf !== null) req = req.set('x-csrf-token', csrf);
    return req;
  }

  /** Applies the Set-Cookie headers of a response, as a browser would. */
  absorb(res: request.Response): void {
    for (const [name, value] of Object.entries(parseSetCookies(res))) {
      if (value.value === '') delete this.cookies[name];
      else this.cookies[name] = value.value;
    }
  }
}

export interface SetCookie {
  value: string;
  attributes: Record<string, string | true>;
}

/** The response's Set-Cookie headers, by cookie name, attributes lower-cased. */
export function parseSetCookies(res: request.Response): Record<string, SetCookie> {
  const raw = res.headers['set-cookie'] as unknown as string[] | string | undefined;
  const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  const out: Record<string, SetCookie> = {};
  for (const line of list) {
    const [pair, ...attrs] = line.split(';').map((s) => s.trim());
    const eq = pair.indexOf('=');
    const attributes: Record<string, string | true> = {};
    for (const attr of attrs) {
      const i = attr.indexOf('=');
      if (i < 0) attributes[attr.toLowerCase()] = true;
      else attributes[attr.slice(0, i).toLowerCase()] = attr.slice(i + 1);
    }
    out[pair.slice(0, eq)] = { value: pair.slice(eq + 1), attributes };
  }
  return out;
}

export function loginRequest(
  t: TestApp,
  body: { email: string; password: string; totp?: string },
  ip?: string,
): request.Test {
  let req = request(t.url).post('/v1/console/session').send(body);
  if (ip) req = req.set('x-forwarded-for', ip);
  return req;
}

/** Logs in; fails the test unless the login succeeds. */
export async function login(
  t: TestApp,
  email: string,
  password: string,
  options: { totp?: string; ip?: string } = {},
): Promise<ConsoleBrowser> {
  const res = await loginRequest(
    t,
    { email, password, ...(options.totp ? { totp: options.totp } : {}) },
    options.ip,
  );
  if (res.status !== 200)
    throw new Error(`console login failed: ${res.status} ${JSON.stringify(res.body)}`);
  const browser = new ConsoleBrowser(t, {}, options.ip);
  browser.absorb(res);
  return browser;
}

export interface ConsolePerson {
  userId: string;
  email: string;
  password: string;
  browser: ConsoleBrowser;
}

let people = 0;

/**
 * A console user made through the API by the admin credential (or `creator`), logged in, with
 * the first-login password change done: ready to use the console.
 */
export async function consolePerson(
  t: TestApp,
  fields: { scope: 'operator' | 'merchant'; role: string; source_id?: number },
  creator?: ConsoleBrowser,
): Promise<ConsolePerson> {
  const email = `person${++people}-${Date.now()}@example.com`;
  const initial = `initial password ${people} ${Math.random()}`;
  const body = { email, name: `Person ${people}`, password: initial, ...fields };
  const res = creator
    ? await creator.call('post', '/v1/console/users').send(body)
    : await request(t.url)
        .post('/v1/console/users')
        .set(bearer(await t.adminToken()))
        .send(body);
  if (res.status !== 201)
    throw new Error(`console user create failed: ${res.status} ${JSON.stringify(res.body)}`);
  const browser = await login(t, email, initial);
  const password = `chosen password ${people} ${Math.random()}`;
  const changed = await browser
    .call('put', '/v1/console/session/password')
    .send({ current_password: initial, new_password: password });
  if (changed.status !== 200)
    throw new Error(`password change failed: ${changed.status} ${JSON.stringify(changed.body)}`);
  browser.absorb(changed);
  return {
    userId: (res.body as { data: { user_id: string } }).data.user_id,
    email,
    password,
    browser,
  };
}

/** A merchant's owner (made by the admin credential), and people of `roles` made by that owner. */
export async function merchantTeam(
  t: TestApp,
  sourceId: number,
  roles: readonly ('finance' | 'developer' | 'viewer')[],
): Promise<{ owner: ConsolePerson } & Partial<Record<(typeof roles)[number], ConsolePerson>>> {
  const owner = await consolePerson(t, { scope: 'merchant', role: 'owner', source_id: sourceId });
  const team: { owner: ConsolePerson } & Partial<Record<string, ConsolePerson>> = { owner };
  for (const role of roles) {
    team[role] = await consolePerson(
      t,
      { scope: 'merchant', role, source_id: sourceId },
      owner.browser,
    );
  }
  return team;
}
