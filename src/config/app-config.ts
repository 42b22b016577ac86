import { existsSync, readFileSync } from 'node:fs';
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
 * Variables that may instead be given as the path of a file holding the value, in
 * `<NAME>_FILE` (Docker and Kubernetes secrets are files): the secrets, and the URLs that
 * carry credentials.
 */
export const FILE_VARIABLES = [
  'JWT_SECRET',
  'JWT_SECRETS',
  'CHANNEL_CONFIG_KEY',
  'CHANNEL_CONFIG_KEYS',
  'METRICS_TOKEN',
  'BOOTSTRAP_ADMIN_CLIENT_SECRET',
  'DATABASE_URL',
  'DATABASE_PASSWORD',
  'REDIS_URL',
] as const;

/**
 * Reads the configuration from `source` (the process environment by default, after loading
 * `.env` when present), values of `<NAME>_FILE` variables included. Throws `ConfigError`
 * naming the first bad variable.
 */
export function loadConfig(source: NodeJS.ProcessEnv = readProcessEnv()): AppConfig {
  const { env, fromFiles } = readFileVariables(source);
  const result = configSchema.safeParse(env);
  if (!result.success) {
    const issue = result.error.issues[0];
    const variable = String(issue.path[0] ?? 'environment');
    const raw = env[variable];
    const got = raw === undefined ? '' : ` (got ${JSON.stringify(mask(variable, raw))})`;
    const file = fromFiles.has(variable) ? ` (read from ${variable}_FILE)` : '';
    throw new ConfigError(variable, `${issue.message}${got}${file}`);
  }
  return new AppConfig(result.data);
}

/**
 * `source` with each `<NAME>_FILE` of FILE_VARIABLES replaced by `<NAME>` set to the file's
 * content, less the line break(s) an editor or `echo` leaves at its end.
 */
function readFileVariables(source: NodeJS.ProcessEnv): {
  env: NodeJS.ProcessEnv;
  fromFiles: Set<string>;
} {
  const env = { ...source };
  const fromFiles = new Set<string>();
  for (const name of FILE_VARIABLES) {
    const path = source[`${name}_FILE`];
    if (!path) continue;
    if (source[name]) {
      throw new ConfigError(`${name}_FILE`, `is set together with ${name}: set only one of them`);
    }
    let content: string;
    try {
      content = readFileSync(path, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      throw new ConfigError(`${name}_FILE`, `cannot be read (${code}: ${path})`);
    }
    env[name] = content.replace(/(\r?\n)+$/, '');
    fromFiles.add(name);
  }
  return { env, fromFiles };
}

function readProcessEnv(): NodeJS.ProcessEnv {
  if (existsSync('.env')) process.loadEnvFile('.env');
  return process.env;
}

/** A refused value as it may be echoed: secrets entirely hidden, a URL's password too. */
function mask(variable: string, value: string): string {
  if (/SECRET|KEY|PASSWORD/.test(variable)) return '****';
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)[^@\s]*@/i, '$1****@');
}
