import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { parse, serialize, SerializeOptions } from 'cookie';

export const SESSION_COOKIE = 'paygate_session';
export const CSRF_COOKIE = 'paygate_csrf';
export const CSRF_HEADER = 'x-csrf-token';

/** A new session token: 256 random bits, the cookie's value. */
export function newSessionToken(): string {
  return randomBytes(32).toString('base64url');
}

/** The session's id as stored: SHA-256 of its token, so a read of the table yields no session. */
export function sessionIdOf(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The session token of a Cookie header, if it carries one. */
export function sessionTokenOf(cookieHeader: string | undefined): string | undefined {
  if (!cookieHeader) return undefined;
  const token = parse(cookieHeader)[SESSION_COOKIE];
  return token && /^[A-Za-z0-9_-]{43}$/.test(token) ? token : undefined;
}

/**
 * The CSRF token of a session: an HMAC of the session token under a server key (OWASP's signed
 * double-submit cookie). A page of this origin reads it from `paygate_csrf` and sends it back in
 * `X-CSRF-Token`; another site can make the browser send the cookies, not read them, and a
 * cookie planted by a sibling domain cannot carry the right value for the session.
 */
export function csrfTokenOf(sessionToken: string, key: Buffer): string {
  return createHmac('sha256', key).update(`csrf:${sessionToken}`).digest('base64url');
}

export function csrfMatches(sent: string | string[] | undefined, expected: string): boolean {
  if (typeof sent !== 'string') return false;
  const a = Buffer.from(sent);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The two Set-Cookie values of a session: the session itself (HttpOnly: scripts never see it)
 * and its CSRF token (readable by the console's scripts). SameSite=Strict keeps both off
 * requests other sites start; Secure unless PUBLIC_BASE_URL is plain http (a laptop).
 */
export function sessionCookies(
  token: string,
  csrf: string,
  options: { secure: boolean; maxAgeSeconds: number },
): string[] {
  const base: SerializeOptions = {
    path: '/',
    sameSite: 'strict',
    secure: options.secure,
    maxAge: options.maxAgeSeconds,
  };
  return [
    serialize(SESSION_COOKIE, token, { ...base, httpOnly: true }),
    serialize(CSRF_COOKIE, csrf, base),
  ];
}

/** Set-Cookie values that remove both cookies (logout). */
export function clearedCookies(secure: boolean): string[] {
  const base: SerializeOptions = { path: '/', sameSite: 'strict', secure, maxAge: 0 };
  return [
    serialize(SESSION_COOKIE, '', { ...base, httpOnly: true }),
    serialize(CSRF_COOKIE, '', base),
  ];
}
