import { LoggerService } from '@nestjs/common';
import pino, { Logger as Pino } from 'pino';
import { AppConfig } from '../../config/app-config';

const SECRET_KEY =
  /secret|password|passwd|private_?key|authorization|access_?token|api_?key|apiv3|cookie|^sig$|signature/i;
const SECRET_QUERY =
  /([?&](?:access_token|token|sig|signature|client_secret|secret|password)=)[^&]*/gi;
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

/** The URL with secret-looking query values masked (tokens are refused in URLs, not logged). */
export function scrubUrl(url: string): string {
  return url.replace(SECRET_QUERY, `$1${REDACTED}`);
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
