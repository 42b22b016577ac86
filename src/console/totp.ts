import { createHash, randomInt } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';

const PERIOD_SECONDS = 30;
const DIGITS = 6;
const RECOVERY_CODE_COUNT = 10;
/** Crockford-like base32 without look-alikes (no 0/O, 1/I/L): codes people copy by hand. */
const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/**
 * Time-based one-time passwords (RFC 6238, through otpauth): HMAC-SHA1, 6 digits, 30-second
 * steps, as every authenticator app reads from the otpauth:// link. A code is accepted for the
 * step before and after the current one (clock drift) and, together with the step it was
 * accepted for, only once.
 */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

export function totpUri(secret: string, email: string, issuer: string): string {
  return totpFor(secret, email, issuer).toString();
}

/** The step a valid code belongs to, or null. */
export function totpStep(secret: string, code: string, now: number): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const delta = totpFor(secret).validate({ token: code, timestamp: now, window: 1 });
  return delta === null ? null : Math.floor(now / 1000 / PERIOD_SECONDS) + delta;
}

/** The code of an instant (tests and scripts logging in with a known secret). */
export function totpCode(secret: string, now: number): string {
  return totpFor(secret).generate({ timestamp: now });
}

function totpFor(secret: string, label = 'console', issuer = 'paygate'): TOTP {
  return new TOTP({
    issuer,
    label,
    algorithm: 'SHA1',
    digits: DIGITS,
    period: PERIOD_SECONDS,
    secret: Secret.fromBase32(secret),
  });
}

/** Ten single-use recovery codes (`xxxxx-xxxxx`, 50 bits each), shown once. */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const chars = Array.from(
      { length: 10 },
      () => RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)],
    );
    return `${chars.slice(0, 5).join('')}-${chars.slice(5).join('')}`;
  });
}

/**
 * How a recovery code is stored: SHA-256 of its normalised text. The codes are random (not
 * chosen by people), so a fast hash is enough to keep the stored value useless.
 */
export function recoveryCodeHash(code: string): string {
  const normalised = code.toLowerCase().replace(/[^a-z0-9]/g, '');
  return createHash('sha256').update(normalised).digest('hex');
}
