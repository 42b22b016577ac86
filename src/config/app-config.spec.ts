import { ConfigError, loadConfig } from './app-config';

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
});
