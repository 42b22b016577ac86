import { LoggerService } from '@nestjs/common';
import pino, { Logger as Pino } from 'pino';
import { AppConfig } from '../../config/app-config';

const SECRET_KEY =
  /secret|password|passwd|private_?key|authorization|access_?token|api_?key|apiv3|cookie|^sig$|signature/i;
const REDACTED = '[redacted]';

/** Copies `value` with every secret-looking key masked, however deep it sits. */
export function scrubSecrets(value: unknown, depth = 0): unknown {
  // deeper than any request or log object goes: masked whole rather than copied unread
  if (depth > 8) return REDACTED;
  if (value === null || typeof value !== 'object') return value;
  // Error keeps its own serialisation; a boxed JSON number (see body-parsers) is a number
  if (value instanceof Error || value instanceof Number) return value;
  if (Array.isArray(value)) return value.map((v) => scrubSecrets(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = SECRET_KEY.test(k) ? REDACTED : scrubSecrets(v, depth + 1);
  }
  return out;
}

/**
 * A query parameter name that names a credential, once lower-cased and stripped of everything
 * but letters and digits (`access_token`, `accessToken`, `access-token`, `auth[token]`).
 */
const SECRET_NAME =
  /token|jwt|bearer|auth|secret|passw|pwd|credential|session|cookie|apikey|privatekey|signature|otp|^sig$|key$/;
/** A value shaped like a credential whatever its name: a JWT, a paygate secret, an auth scheme. */
const SECRET_VALUE = /^(eyJ[\w-]*\.[\w-]*\.[\w-]*|(pgs|whsec)_\S+|(bearer|basic)\s+\S+)$/i;
/** Random-looking text this long is taken for a key (ids are hex: 4 bits a character at most). */
const RANDOM_MIN_LENGTH = 24;
const RANDOM_MIN_BITS_PER_CHARACTER = 4.3;

/**
 * The URL with every query value that names or looks like a credential masked: tokens are
 * refused in URLs, and must not be logged either. Names and values are judged decoded, so no
 * spelling of `access_token` or of a JWT gets through.
 */
export function scrubUrl(url: string): string {
  const start = url.indexOf('?');
  if (start < 0) return url;
  const pairs = url
    .slice(start + 1)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      if (equals < 0) return looksSecret('', pair) ? REDACTED : pair;
      const name = pair.slice(0, equals);
      return looksSecret(name, pair.slice(equals + 1)) ? `${name}=${REDACTED}` : pair;
    });
  return `${url.slice(0, start)}?${pairs.join('&')}`;
}

function looksSecret(rawName: string, rawValue: string): boolean {
  const name = decodeQueryPart(rawName)
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
  if (SECRET_NAME.test(name)) return true;
  const value = decodeQueryPart(rawValue).trim();
  return SECRET_VALUE.test(value) || looksRandom(value);
}

function decodeQueryPart(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/** Long, without spaces, and of high entropy per character, as a random key in base64 is. */
function looksRandom(value: string): boolean {
  if (value.length < RANDOM_MIN_LENGTH || /\s/.test(value)) return false;
  const counts = new Map<string, number>();
  for (const c of value) counts.set(c, (counts.get(c) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) bits -= (n / value.length) * Math.log2(n / value.length);
  return bits >= RANDOM_MIN_BITS_PER_CHARACTER;
}

/**
 * The process's pino logger: JSON lines, secrets masked in every object logged. Fastify uses it
 * for request logging (with `request_id` bound on each request's child logger) and Nest's
 * Logger writes through `AppLogger`.
 */
export function createPino(config: AppConfig, destination?: pino.DestinationStream): Pino {
  return pino(
    {
      level: config.env.LOG_LEVEL,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        log: (object) => scrubSecrets(object) as Record<string, unknown>,
      },
      serializers: { err: pino.stdSerializers.err },
    },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

/**
 * Nest's LoggerService over pino. Not bound to the request being handled: a line about a
 * request names it itself (see the error filter), as Fastify's request logger does.
 */
export class AppLogger implements LoggerService {
  constructor(private readonly root: Pino) {}

  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  private write(level: pino.Level, message: unknown, rest: unknown[]): void {
    if (!this.root.isLevelEnabled(level)) return;
    // Nest passes the context name last; a string before it is a message or a stack
    const context =
      rest.length > 0 && typeof rest[rest.length - 1] === 'string' ? rest.pop() : undefined;
    const fields: Record<string, unknown> = context ? { context } : {};
    let text: string | undefined;
    if (message instanceof Error) fields.err = message;
    else if (typeof message === 'object' && message !== null) Object.assign(fields, message);
    else text = String(message);
    for (const extra of rest) {
      if (typeof extra === 'string') text = text === undefined ? extra : `${text} ${extra}`;
      else if (extra instanceof Error) fields.err = extra;
      else if (typeof extra === 'object' && extra !== null) Object.assign(fields, extra);
    }
    this.root[level](fields, text);
  }
}
