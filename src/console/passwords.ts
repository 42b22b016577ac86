import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  decoyHash,
  hashedWith,
  hashSecret,
  ScryptParams,
  verifySecret,
} from '../auth/client-secrets';
import { ConsoleError } from './console.errors';

/**
 * People's passwords, unlike client secrets, are guessable: they get a costlier scrypt (32 MiB
 * and twice a client secret's CPU per check). Each hash keeps its own salt and parameters, and
 * a password hashed with other parameters is re-hashed at its next login.
 */
export const PASSWORD_PARAMS: ScryptParams = { N: 32768, r: 8, p: 1 };
export const MIN_PASSWORD_LENGTH = 12;
const MAX_PASSWORD_LENGTH = 256;

/** Verified against when no account has the email: an unknown email costs what a wrong password does. */
const DECOY = decoyHash(PASSWORD_PARAMS);

export function hashPassword(password: string): Promise<string> {
  return hashSecret(password, PASSWORD_PARAMS);
}

/** Checks `password` against `stored`, or against the decoy when there is no account. */
export function verifyPassword(password: string, stored: string | undefined): Promise<boolean> {
  return verifySecret(password, stored ?? DECOY);
}

export function needsRehash(stored: string): boolean {
  return !hashedWith(stored, PASSWORD_PARAMS);
}

let common: ReadonlySet<string> | undefined;

/** The shipped list of common passwords (data/common-passwords.txt), read once. */
export function commonPasswords(): ReadonlySet<string> {
  common ??= new Set(
    readFileSync(join(__dirname, 'data', 'common-passwords.txt'), 'utf8')
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('#')),
  );
  return common;
}

/**
 * The password policy (NIST SP 800-63B): at least 12 characters, not on the list of common
 * passwords, not the account's own email; no composition rules. Throws 400 `weak_password`.
 */
export function checkPasswordPolicy(password: string, email: string, field = 'password'): void {
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH)
    throw ConsoleError.weakPassword(`it must be at least ${MIN_PASSWORD_LENGTH} characters`, field);
  if (length > MAX_PASSWORD_LENGTH)
    throw ConsoleError.weakPassword(`it must be at most ${MAX_PASSWORD_LENGTH} characters`, field);
  const lowered = password.toLowerCase();
  if (commonPasswords().has(lowered))
    throw ConsoleError.weakPassword('it is on the list of commonly used passwords', field);
  const local = email.toLowerCase().split('@')[0];
  if (lowered === email.toLowerCase() || (local.length >= 4 && lowered.includes(local)))
    throw ConsoleError.weakPassword('it must not contain the email address', field);
  if (new Set(lowered).size < 4)
    throw ConsoleError.weakPassword('it repeats too few different characters', field);
}
