import { z } from 'zod';

/**
 * The environment paygate reads, with the names, meanings and defaults of the API contract's
 * configuration table. Every variable is documented in `.env.example`.
 */
const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'], { message: 'must be true or false' })
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1');

const int = (fallback: number, min: number, max: number) =>
  z
    .string()
    .default(String(fallback))
    .refine((v) => /^\d+$/.test(v) && Number(v) >= min && Number(v) <= max, {
      message: `must be an integer from ${min} to ${max}`,
    })
    .transform(Number);

const secondsList = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .refine((v) => /^\s*\d+(\s*,\s*\d+)*\s*$/.test(v), {
      message: 'must be a comma-separated list of whole seconds, e.g. 60,300,900',
    })
    .transform((v) => v.split(',').map((s) => Number(s.trim())));

const optionalSecret = (minBytes: number) =>
  z
    .string()
    .optional()
    .transform((v) => (v === '' ? undefined : v))
    .refine((v) => v === undefined || Buffer.byteLength(v) >= minBytes, {
      message: `must be at least ${minBytes} bytes`,
    });

const timeZone = z
  .string()
  .default('Asia/Shanghai')
  .refine(
    (tz) => {
      try {
        new Intl.DateTimeFormat('en-US', { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    },
    { message: 'must be an IANA time zone such as Asia/Shanghai' },
  );

const byteSize = z
  .string()
  .default('64kb')
  .refine((v) => /^\d+(\.\d+)?\s*(b|kb|mb)?$/i.test(v.trim()), {
    message: 'must be a size such as 65536, 64kb or 1mb',
  });

const databaseUrl = z
  .string()
  .default('sqlite:./data/paygate.sqlite')
  .refine((v) => /^sqlite:.+/.test(v) || /^postgres(ql)?:\/\/.+/.test(v), {
    message: 'must be sqlite:<path> or postgres://user@host:port/database',
  });

const httpUrl = z
  .string()
  .optional()
  .refine((v) => v === undefined || /^https?:\/\/[^\s/]+(\/.*)?$/.test(v), {
    message: 'must be an http(s) URL such as https://pay.example.com',
  });

const cron = z
  .string()
  .default('30 0 * * *')
  .refine((v) => v.trim().split(/\s+/).length >= 5 && v.trim().split(/\s+/).length <= 6, {
    message: 'must be a cron expression with 5 or 6 fields, e.g. "30 0 * * *"',
  });

/**
 * Every variable, before the checks that relate several of them: `configShape.shape` names each
 * one (docs/configuration.md is checked against it).
 */
export const configShape = z.object({
  NODE_ENV: z
    .enum(['development', 'production', 'test'], {
      message: 'must be development, production or test',
    })
    .default('development'),
  PORT: int(3000, 0, 65535),
  HOST: z.string().min(1).default('0.0.0.0'),
  PUBLIC_BASE_URL: httpUrl,
  DATABASE_URL: databaseUrl,
  DATABASE_PASSWORD: z
    .string()
    .optional()
    .transform((v) => (v === '' ? undefined : v)),
  DATABASE_POOL_SIZE: int(10, 1, 200),
  SQLITE_BUSY_TIMEOUT_MS: int(5000, 0, 600000),
  MIGRATIONS_RUN: bool(true),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      message: 'must be one of fatal, error, warn, info, debug, trace, silent',
    })
    .default('info'),
  BODY_LIMIT: byteSize,
  TRUST_PROXY: bool(false),
  CORS_ORIGINS: z.string().default(''),
  SHUTDOWN_TIMEOUT_MS: int(10000, 0, 600000),
  REQUEST_TIMEOUT_MS: int(30000, 100, 600000),
  CONNECTION_TIMEOUT_MS: int(120000, 100, 3600000),
  MAX_CONNECTIONS_PER_ADDRESS: z
    .string()
    .optional()
    .refine((v) => v === undefined || v === '' || (/^\d+$/.test(v) && Number(v) <= 100000), {
      message: 'must be an integer from 0 (no cap) to 100000',
    })
    .transform((v) => (v === undefined || v === '' ? undefined : Number(v))),
  DOCS_ENABLED: bool(true),
  CONSOLE_ENABLED: bool(true),
  RATE_LIMIT_ENABLED: bool(true),
  RATE_LIMIT_PER_SECOND: int(100, 1, 1000000),
  TOKEN_RATE_LIMIT_PER_MINUTE: int(30, 1, 1000000),
  PAYER_RATE_LIMIT_PER_MINUTE: int(30, 1, 1000000),
  TOKEN_FAILURES_PER_CLIENT_AND_ADDRESS: int(10, 1, 1000000),
  TOKEN_FAILURES_PER_ADDRESS: int(30, 1, 1000000),
  TOKEN_FAILURE_WINDOW_SECONDS: int(900, 1, 86400),
  REDIS_URL: z
    .string()
    .optional()
    .refine((v) => v === undefined || v === '' || /^rediss?:\/\/.+/.test(v), {
      message: 'must be a redis:// or rediss:// URL',
    })
    .transform((v) => (v === '' ? undefined : v)),
  REDIS_KEY_PREFIX: z
    .string()
    .default('paygate:')
    .refine((v) => /^[\x21-\x7e]{0,64}$/.test(v), {
      message: 'must be at most 64 printable characters without spaces',
    }),
  JWT_SECRET: optionalSecret(32),
  CHANNEL_CONFIG_KEY: z
    .string()
    .optional()
    .transform((v) => (v === '' ? undefined : v))
    .refine((v) => v === undefined || decodesTo32Bytes(v), {
      message: 'must be 32 bytes, written as 64 hex characters or base64',
    }),
  CHANNEL_CONFIG_KEYS: z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === '' ? undefined : v))
    .superRefine((v, ctx) => {
      const problem = v === undefined ? undefined : keyRingProblem(v, 'key');
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  JWT_SECRETS: z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === '' ? undefined : v))
    .superRefine((v, ctx) => {
      const problem = v === undefined ? undefined : keyRingProblem(v, 'secret');
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  TOKEN_TTL_SECONDS: int(7200, 60, 86400 * 30),
  MAX_ACTIVE_CREDENTIALS_PER_MERCHANT: int(5, 1, 1000),
  BOOTSTRAP_ADMIN_CLIENT_ID: z.string().optional(),
  BOOTSTRAP_ADMIN_CLIENT_SECRET: optionalSecret(16),
  BOOTSTRAP_CONSOLE_EMAIL: z
    .string()
    .optional()
    .transform((v) => (v === '' ? undefined : v))
    .refine((v) => v === undefined || /^[^\s@]+@[^\s@]+$/.test(v), {
      message: 'must be an email address',
    }),
  BOOTSTRAP_CONSOLE_PASSWORD: z
    .string()
    .optional()
    .transform((v) => (v === '' ? undefined : v))
    .refine((v) => v === undefined || [...v].length >= 12, {
      message: 'must be at least 12 characters',
    }),
  CONSOLE_SESSION_IDLE_MINUTES: int(30, 1, 1440),
  CONSOLE_SESSION_HOURS: int(12, 1, 168),
  CONSOLE_LOGIN_MAX_FAILURES: int(5, 1, 1000),
  CONSOLE_LOGIN_IP_MAX_FAILURES: int(50, 1, 1000000),
  CONSOLE_LOGIN_LOCKOUT_MINUTES: int(15, 1, 1440),
  CHANNEL_TIMEOUT_MS: int(3000, 1, 120000),
  CIRCUIT_OPEN_SECONDS: int(30, 1, 3600),
  STATUS_SYNC_SCHEDULE: secondsList('60,300,900'),
  PAYMENT_SYNC_CONCURRENCY: int(10, 1, 200),
  WEBHOOK_RETRY_SCHEDULE: secondsList('60,300,900,3600,21600,86400'),
  WEBHOOK_TIMEOUT_MS: int(10000, 1, 60000),
  WEBHOOK_ALLOW_PRIVATE: bool(false),
  WEBHOOK_SECRET_GRACE_SECONDS: int(86400, 0, 86400 * 30),
  WEBHOOK_POLL_INTERVAL_MS: int(1000, 10, 60000),
  WEBHOOK_CONCURRENCY: int(10, 1, 200),
  SETTLEMENT_TZ: timeZone,
  CLEARING_CRON: cron,
  CLEARING_RETRY_SCHEDULE: secondsList('60,300,900'),
  JOBS_ENABLED: bool(true),
  METRICS_TOKEN: optionalSecret(16),
  METRICS_PORT: z
    .string()
    .optional()
    .transform((v) => (v === '' ? undefined : v))
    .refine((v) => v === undefined || (/^\d+$/.test(v) && Number(v) <= 65535), {
      message: 'must be a port number from 0 to 65535',
    })
    .transform((v) => (v === undefined ? undefined : Number(v))),
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
});

export const configSchema = configShape
  .superRefine((env, ctx) => {
    const production = env.NODE_ENV === 'production';
    for (const [ring, single] of [
      ['JWT_SECRETS', 'JWT_SECRET'],
      ['CHANNEL_CONFIG_KEYS', 'CHANNEL_CONFIG_KEY'],
    ] as const) {
      if (env[ring] && env[single]) {
        ctx.addIssue({
          code: 'custom',
          path: [ring],
          message: `is set together with ${single}: list that key in ${ring} and unset ${single}`,
        });
      }
      if (production && !env[ring] && !env[single]) {
        ctx.addIssue({
          code: 'custom',
          path: [single],
          message: 'is required in production',
        });
      }
    }
    if (env.DATABASE_PASSWORD !== undefined) {
      const problem = !/^postgres(ql)?:\/\//.test(env.DATABASE_URL)
        ? 'applies only to a postgres:// DATABASE_URL'
        : !URL.canParse(env.DATABASE_URL)
          ? 'needs DATABASE_URL to be a valid URL'
          : new URL(env.DATABASE_URL).password
            ? 'is set but DATABASE_URL has a password too: keep only one'
            : undefined;
      if (problem) ctx.addIssue({ code: 'custom', path: ['DATABASE_PASSWORD'], message: problem });
    }
    if (Boolean(env.BOOTSTRAP_ADMIN_CLIENT_ID) !== Boolean(env.BOOTSTRAP_ADMIN_CLIENT_SECRET)) {
      ctx.addIssue({
        code: 'custom',
        path: [
          env.BOOTSTRAP_ADMIN_CLIENT_ID
            ? 'BOOTSTRAP_ADMIN_CLIENT_SECRET'
            : 'BOOTSTRAP_ADMIN_CLIENT_ID',
        ],
        message: 'must be set together with its pair',
      });
    }
    if (Boolean(env.BOOTSTRAP_CONSOLE_EMAIL) !== Boolean(env.BOOTSTRAP_CONSOLE_PASSWORD)) {
      ctx.addIssue({
        code: 'custom',
        path: [
          env.BOOTSTRAP_CONSOLE_EMAIL ? 'BOOTSTRAP_CONSOLE_PASSWORD' : 'BOOTSTRAP_CONSOLE_EMAIL',
        ],
        message: 'must be set together with its pair',
      });
    }
  })
  // the password given on its own (a secret file, say) goes into the URL every client reads
  .transform((env) => {
    if (env.DATABASE_PASSWORD === undefined || !URL.canParse(env.DATABASE_URL)) return env;
    const url = new URL(env.DATABASE_URL);
    url.password = encodeURIComponent(env.DATABASE_PASSWORD);
    return { ...env, DATABASE_URL: url.toString() };
  });

export type Env = z.infer<typeof configSchema>;

/**
 * What is wrong with a key ring (`id:value,id:value`, the current key first), or undefined.
 * Channel config keys must be 32 bytes; JWT secrets at least 32 bytes.
 */
function keyRingProblem(text: string, kind: 'key' | 'secret'): string | undefined {
  const ids = new Set<string>();
  for (const part of text.split(',').map((p) => p.trim())) {
    const colon = part.indexOf(':');
    const id = colon < 0 ? '' : part.slice(0, colon);
    const value = colon < 0 ? '' : part.slice(colon + 1);
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(id)) {
      return 'must be a comma-separated list of id:value, ids of letters, digits, _ and - (e.g. k2:<new>,k1:<old>)';
    }
    if (ids.has(id)) return `names the key id "${id}" twice`;
    ids.add(id);
    if (kind === 'key' && !decodesTo32Bytes(value)) {
      return `has key "${id}" that is not 32 bytes written as 64 hex characters or base64`;
    }
    if (kind === 'secret' && Buffer.byteLength(value) < 32) {
      return `has secret "${id}" shorter than 32 bytes`;
    }
  }
  return undefined;
}

function decodesTo32Bytes(value: string): boolean {
  if (/^[0-9a-fA-F]{64}$/.test(value)) return true;
  return /^[A-Za-z0-9+/_-]+={0,2}$/.test(value) && Buffer.from(value, 'base64').length === 32;
}
