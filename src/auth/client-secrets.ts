import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scryptAsync = promisify(scrypt) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;

/** scrypt's cost parameters (RFC 7914): CPU/memory cost N, block size r, parallelisation p. */
export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/** Client secrets are 256 random bits: the hash only has to stop the stored value being used. */
export const CLIENT_SECRET_PARAMS: ScryptParams = { N: 16384, r: 8, p: 1 };
const KEY_LENGTH = 32;
const MAX_MEMORY = 128 * 1024 * 1024;

/** A new client id: public, safe in logs and URLs. */
export function newClientId(role: 'admin' | 'merchant'): string {
  return `${role === 'admin' ? 'adm' : 'cli'}_${randomBytes(12).toString('hex')}`;
}

/** A new client secret: 256 random bits, shown once. */
export function newClientSecret(): string {
  return `pgs_${randomBytes(32).toString('base64url')}`;
}

/** `scrypt$N$r$p$salt$hash`, self-describing so parameters can be raised later. */
export async function hashSecret(
  secret: string,
  params: ScryptParams = CLIENT_SECRET_PARAMS,
): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(secret, salt, KEY_LENGTH, { ...params, maxmem: MAX_MEMORY });
  const { N, r, p } = params;
  return ['scrypt', N, r, p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

/** Was `stored` hashed with exactly these parameters? (Else it is re-hashed at the next login.) */
export function hashedWith(stored: string, params: ScryptParams): boolean {
  const [scheme, n, r, p] = stored.split('$');
  return (
    scheme === 'scrypt' &&
    Number(n) === params.N &&
    Number(r) === params.r &&
    Number(p) === params.p
  );
}

export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await scryptAsync(secret, Buffer.from(salt, 'base64url'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: MAX_MEMORY,
  });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/**
 * A hash no secret matches, with the given cost: verified against when the id or email is
 * unknown so that an unknown one and a wrong secret take the same time.
 */
export function decoyHash(params: ScryptParams): string {
  const { N, r, p } = params;
  return `scrypt$${N}$${r}$${p}$${randomBytes(16).toString('base64url')}$${randomBytes(KEY_LENGTH).toString('base64url')}`;
}

export const DECOY_HASH = decoyHash(CLIENT_SECRET_PARAMS);
