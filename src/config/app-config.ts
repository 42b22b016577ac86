import { existsSync } from 'node:fs';
import bytes from 'bytes';
import { configSchema, Env } from './config.schema';

export type DatabaseEngine = 'sqlite' | 'postgres';

const DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 64;

/** Thrown when the environment does not describe a valid configuration. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    readonly problem: string,
  ) {
    super(`invalid configuration: ${variable} ${problem}`);
  }
}

/**
 * The validated configuration, built once at start-up and injected everywhere as `AppConfig`.
 * Nothing else in the code reads `process.env`.
 */
export class AppConfig {
  readonly env: Env;
  readonly production: boolean;
  readonly databaseEngine: DatabaseEngine;
  readonly bodyLimitBytes: number;
  readonly publicBaseUrl: string;
  readonly corsOrigins: string[];
  /**
   * Open connections one client address may hold, 0 for no cap. Unset, 64; behind a proxy
   * (TRUST_PROXY) every connection comes from the proxy, so unset means no cap there. Off with
   * the other limits (RATE_LIMIT_ENABLED=false).
   */
  readonly maxConnectionsPerAddress: number;

  constructor(env: Env) {
    this.env = env;
    this.production = env.NODE_ENV === 'production';
    this.databaseEngine = env.DATABASE_URL.startsWith('sqlite:') ? 'sqlite' : 'postgres';
    this.bodyLimitBytes = bytes.parse(env.BODY_LIMIT) ?? 65536;
    const port = env.PORT === 0 ? 3000 : env.PORT;
    this.publicBaseUrl = (env.PUBLIC_BASE_URL ?? `http://127.0.0.1:${port}`).replace(/\/+$/, '');
    this.corsOrigins = env.CORS_ORIGINS.split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    this.maxConnectionsPerAddress = !env.RATE_LIMIT_ENABLED
      ? 0
      : (env.MAX_CONNECTIONS_PER_ADDRESS ??
        (env.TRUST_PROXY ? 0 : DEFAULT_MAX_CONNECTIONS_PER_ADDRESS));
  }

  /** Path of the SQLite file (or `:memory:`), when the engine is SQLite. */
  get sqlitePath(): string {
    return this.env.DATABASE_URL.slice('sqlite:'.length);
  }
}

/**
 * Reads the configuration from `source` (the process environment by default, after loading
 * `.env` when present). Throws `ConfigError` naming the first bad variable.
 */
export function loadConfig(source: NodeJS.ProcessEnv = readProcessEnv()): AppConfig {
  const result = configSchema.safeParse(source);
  if (!result.success) {
    const issue = result.error.issues[0];
    const variable = String(issue.path[0] ?? 'environment');
    const raw = source[variable];
    const got = raw === undefined ? '' : ` (got ${JSON.stringify(mask(variable, raw))})`;
    throw new ConfigError(variable, `${issue.message}${got}`);
  }
  return new AppConfig(result.data);
}

function readProcessEnv(): NodeJS.ProcessEnv {
  if (existsSync('.env')) process.loadEnvFile('.env');
  return process.env;
}

function mask(variable: string, value: string): string {
  return /SECRET|KEY|PASSWORD/.test(variable) ? '****' : value;
}
