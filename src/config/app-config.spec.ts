import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './app-config';

function refusal(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('gives the contract defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config.env).toEqual(
      expect.objectContaining({
        PORT: 3000,
        HOST: '0.0.0.0',
        NODE_ENV: 'development',
        DATABASE_URL: 'sqlite:./data/paygate.sqlite',
        LOG_LEVEL: 'info',
        BODY_LIMIT: '64kb',
        SETTLEMENT_TZ: 'Asia/Shanghai',
        CLEARING_CRON: '30 0 * * *',
        DOCS_ENABLED: true,
        RATE_LIMIT_ENABLED: true,
        RATE_LIMIT_PER_SECOND: 100,
        TOKEN_RATE_LIMIT_PER_MINUTE: 30,
        TOKEN_FAILURES_PER_CLIENT_AND_ADDRESS: 10,
        TOKEN_FAILURES_PER_ADDRESS: 30,
        TOKEN_FAILURE_WINDOW_SECONDS: 900,
        TOKEN_TTL_SECONDS: 7200,
        CHANNEL_TIMEOUT_MS: 3000,
        STATUS_SYNC_SCHEDULE: [60, 300, 900],
        PAYMENT_SYNC_CONCURRENCY: 10,
        WEBHOOK_RETRY_SCHEDULE: [60, 300, 900, 3600, 21600, 86400],
        WEBHOOK_TIMEOUT_MS: 10000,
        WEBHOOK_ALLOW_PRIVATE: false,
        WEBHOOK_POLL_INTERVAL_MS: 1000,
        WEBHOOK_CONCURRENCY: 10,
        MIGRATIONS_RUN: true,
      }),
    );
    expect(config.databaseEngine).toBe('sqlite');
    expect(config.sqlitePath).toBe('./data/paygate.sqlite');
    expect(config.publicBaseUrl).toBe('http://127.0.0.1:3000');
    expect(config.bodyLimitBytes).toBe(65536);
  });

  it('reads both DATABASE_URL forms', () => {
    expect(loadConfig({ DATABASE_URL: 'sqlite:/tmp/x.db' }).sqlitePath).toBe('/tmp/x.db');
    expect(loadConfig({ DATABASE_URL: 'postgres://u@h:5432/d' }).databaseEngine).toBe('postgres');
    expect(loadConfig({ DATABASE_URL: 'postgresql://u@h/d' }).databaseEngine).toBe('postgres');
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ BODY_LIMIT: 'huge' }, 'BODY_LIMIT'],
    [{ SETTLEMENT_TZ: 'Mars/Olympus' }, 'SETTLEMENT_TZ'],
    [{ RATE_LIMIT_ENABLED: 'maybe' }, 'RATE_LIMIT_ENABLED'],
    [{ RATE_LIMIT_PER_SECOND: '0' }, 'RATE_LIMIT_PER_SECOND'],
    [{ DOCS_ENABLED: 'yes please' }, 'DOCS_ENABLED'],
    [{ PUBLIC_BASE_URL: 'ftp://x' }, 'PUBLIC_BASE_URL'],
    [{ WEBHOOK_RETRY_SCHEDULE: '1,a,3' }, 'WEBHOOK_RETRY_SCHEDULE'],
    [{ JWT_SECRET: 'short' }, 'JWT_SECRET'],
    [{ CHANNEL_CONFIG_KEY: 'not-32-bytes' }, 'CHANNEL_CONFIG_KEY'],
    [{ NODE_ENV: 'production', CHANNEL_CONFIG_KEY: 'a'.repeat(64) }, 'JWT_SECRET'],
    [{ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) }, 'CHANNEL_CONFIG_KEY'],
    [{ CHANNEL_CONFIG_KEYS: `k1:${'a'.repeat(63)}` }, 'CHANNEL_CONFIG_KEYS'],
    [{ CHANNEL_CONFIG_KEYS: 'a'.repeat(64) }, 'CHANNEL_CONFIG_KEYS'],
    [{ CHANNEL_CONFIG_KEYS: `k1:${'a'.repeat(64)},k1:${'b'.repeat(64)}` }, 'CHANNEL_CONFIG_KEYS'],
    [
      { CHANNEL_CONFIG_KEYS: `k1:${'a'.repeat(64)}`, CHANNEL_CONFIG_KEY: 'b'.repeat(64) },
      'CHANNEL_CONFIG_KEYS',
    ],
    [{ JWT_SECRETS: 'new:short' }, 'JWT_SECRETS'],
    [{ JWT_SECRETS: `bad id:${'x'.repeat(32)}` }, 'JWT_SECRETS'],
    [{ METRICS_TOKEN: 'short' }, 'METRICS_TOKEN'],
    [{ METRICS_PORT: '99999' }, 'METRICS_PORT'],
    [{ CLEARING_RETRY_SCHEDULE: 'soon' }, 'CLEARING_RETRY_SCHEDULE'],
    [{ BOOTSTRAP_ADMIN_CLIENT_ID: 'admin' }, 'BOOTSTRAP_ADMIN_CLIENT_SECRET'],
    [{ REQUEST_TIMEOUT_MS: '10' }, 'REQUEST_TIMEOUT_MS'],
    [{ CONNECTION_TIMEOUT_MS: 'soon' }, 'CONNECTION_TIMEOUT_MS'],
    [{ MAX_CONNECTIONS_PER_ADDRESS: '-1' }, 'MAX_CONNECTIONS_PER_ADDRESS'],
  ])('refuses %j, naming %s', (env, variable) => {
    let error: unknown;
    try {
      loadConfig(env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(variable);
    expect((error as ConfigError).message).toMatch(
      new RegExp(`^invalid configuration: ${variable} `),
    );
    expect((error as ConfigError).message).not.toContain('\n');
  });

  it('caps connections per address at 64, except behind a proxy or with the limits off', () => {
    expect(loadConfig({}).maxConnectionsPerAddress).toBe(64);
    expect(loadConfig({ TRUST_PROXY: 'true' }).maxConnectionsPerAddress).toBe(0);
    expect(
      loadConfig({ TRUST_PROXY: 'true', MAX_CONNECTIONS_PER_ADDRESS: '500' })
        .maxConnectionsPerAddress,
    ).toBe(500);
    expect(loadConfig({ MAX_CONNECTIONS_PER_ADDRESS: '0' }).maxConnectionsPerAddress).toBe(0);
    expect(
      loadConfig({ RATE_LIMIT_ENABLED: 'false', MAX_CONNECTIONS_PER_ADDRESS: '8' })
        .maxConnectionsPerAddress,
    ).toBe(0);
    expect(loadConfig({}).env).toEqual(
      expect.objectContaining({ REQUEST_TIMEOUT_MS: 30000, CONNECTION_TIMEOUT_MS: 120000 }),
    );
  });

  it('never echoes a secret it refuses', () => {
    expect(() => loadConfig({ JWT_SECRET: 'hunter2' })).toThrow(/JWT_SECRET .*"\*\*\*\*"/);
  });

  it('never echoes the password of a URL it refuses', () => {
    const error = refusal({ DATABASE_URL: 'mysql://shop:hunter2@db:3306/pay' });
    expect(error.variable).toBe('DATABASE_URL');
    expect(error.message).toContain('mysql://shop:****@db:3306/pay');
    expect(error.message).not.toContain('hunter2');
  });
});

describe('loadConfig with secrets in files (<NAME>_FILE, as Docker secrets)', () => {
  let dir: string;
  const file = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };

  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'paygate-config-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads every secret from its file, without the trailing line break', () => {
    const jwt = 'j'.repeat(40);
    const key = 'ab'.repeat(32);
    const config = loadConfig({
      NODE_ENV: 'production',
      JWT_SECRET_FILE: file('jwt', `${jwt}\n`),
      CHANNEL_CONFIG_KEY_FILE: file('key', `${key}\r\n`),
      BOOTSTRAP_ADMIN_CLIENT_ID: 'adm_ops',
      BOOTSTRAP_ADMIN_CLIENT_SECRET_FILE: file('admin', 'admin-secret-0123456789'),
      DATABASE_URL_FILE: file('db', 'postgres://paygate:pw@db:5432/paygate\n'),
      REDIS_URL_FILE: file('redis', 'redis://:pw@cache:6379\n'),
    });
    expect(config.env.JWT_SECRET).toBe(jwt);
    expect(config.env.CHANNEL_CONFIG_KEY).toBe(key);
    expect(config.env.BOOTSTRAP_ADMIN_CLIENT_SECRET).toBe('admin-secret-0123456789');
    expect(config.env.DATABASE_URL).toBe('postgres://paygate:pw@db:5432/paygate');
    expect(config.databaseEngine).toBe('postgres');
    expect(config.env.REDIS_URL).toBe('redis://:pw@cache:6379');
  });

  it('keeps a secret that ends in spaces as written', () => {
    const secret = `${'s'.repeat(32)}  `;
    expect(loadConfig({ JWT_SECRET_FILE: file('jwt', `${secret}\n`) }).env.JWT_SECRET).toBe(secret);
  });

  it('refuses a variable given both ways, naming the _FILE one', () => {
    const error = refusal({
      JWT_SECRET: 'x'.repeat(32),
      JWT_SECRET_FILE: file('jwt', 'y'.repeat(32)),
    });
    expect(error.variable).toBe('JWT_SECRET_FILE');
    expect(error.message).toBe(
      'invalid configuration: JWT_SECRET_FILE is set together with JWT_SECRET: set only one of them',
    );
  });

  it('refuses a file it cannot read, naming the variable and the path', () => {
    const missing = join(dir, 'nope');
    const error = refusal({ CHANNEL_CONFIG_KEY_FILE: missing });
    expect(error.variable).toBe('CHANNEL_CONFIG_KEY_FILE');
    expect(error.message).toBe(
      `invalid configuration: CHANNEL_CONFIG_KEY_FILE cannot be read (ENOENT: ${missing})`,
    );
  });

  it('validates a value from a file as any other, saying where it came from, never echoing it', () => {
    const error = refusal({ JWT_SECRET_FILE: file('jwt', 'short-secret\n') });
    expect(error.variable).toBe('JWT_SECRET');
    expect(error.message).toBe(
      'invalid configuration: JWT_SECRET must be at least 32 bytes (got "****") (read from JWT_SECRET_FILE)',
    );
    expect(refusal({ NODE_ENV: 'production', JWT_SECRET_FILE: file('empty', '\n') }).variable).toBe(
      'JWT_SECRET',
    );
  });

  it('puts DATABASE_PASSWORD (or its file) into a PostgreSQL URL that has none', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://paygate@db:5432/paygate',
      DATABASE_PASSWORD_FILE: file('pw', 'p@ss:w/rd%41 é\n'),
    });
    expect(config.env.DATABASE_URL).toBe(
      `postgres://paygate:${encodeURIComponent('p@ss:w/rd%41 é')}@db:5432/paygate`,
    );
    // as node-postgres reads it back
    const url = new URL(config.env.DATABASE_URL);
    expect(decodeURIComponent(url.password)).toBe('p@ss:w/rd%41 é');
    expect(decodeURIComponent(url.username)).toBe('paygate');
  });

  it.each([
    [{ DATABASE_URL: 'sqlite:./data/x.sqlite' }, /applies only to a postgres/],
    [{ DATABASE_URL: 'postgres://u:other@db/pay' }, /has a password too/],
  ])('refuses DATABASE_PASSWORD with %j', (env, problem) => {
    const error = refusal({ ...env, DATABASE_PASSWORD: 'secret-password' });
    expect(error.variable).toBe('DATABASE_PASSWORD');
    expect(error.message).toMatch(problem);
    expect(error.message).not.toContain('secret-password');
    expect(error.message).not.toContain('other');
  });
});
