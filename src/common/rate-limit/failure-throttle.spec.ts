import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { Counter, Registry } from 'prom-client';
import {
  FailureCounterStore,
  MemoryFailureCounterStore,
  RedisFailureCounterStore,
} from './failure-counter.store';
import { FailureMetrics, FailureRule, FailureThrottle } from './failure-throttle';

/** The machine's Redis, as the scale-out tests use it; each run under a prefix of its own. */
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

type Dimension = 'client_id' | 'address';

const RULES: FailureRule<Dimension>[] = [
  {
    name: 'client_address',
    by: ['client_id', 'address'],
    failures: 3,
    windowSeconds: 60,
    lockoutSeconds: 120,
    clearedBySuccess: true,
  },
  { name: 'address', by: ['address'], failures: 5, windowSeconds: 60, lockoutSeconds: 300 },
  {
    name: 'client',
    by: ['client_id'],
    failures: 4,
    windowSeconds: 60,
    lockoutSeconds: 60,
    alertOnly: true,
  },
];

function metrics(): { registry: Registry; metrics: FailureMetrics } {
  const registry = new Registry();
  const make = (name: string) =>
    new Counter({ name, help: name, labelNames: ['throttle', 'rule'], registers: [registry] });
  return {
    registry,
    metrics: { lockouts: make('lockouts'), refused: make('refused'), alerts: make('alerts') },
  };
}

async function counterValue(registry: Registry, name: string, rule: string): Promise<number> {
  const metric = await registry.getSingleMetric(name)?.get();
  return metric?.values.find((v) => v.labels.rule === rule)?.value ?? 0;
}

// lockouts are logged at warn; the last test checks what such a line holds
beforeAll(() => Logger.overrideLogger(false));

const redisClients: Redis[] = [];
function redisStore(): FailureCounterStore {
  const redis = new Redis(REDIS_URL, {
    keyPrefix: `paygate-test:${randomBytes(6).toString('hex')}:`,
    maxRetriesPerRequest: 0,
  });
  redisClients.push(redis);
  return new RedisFailureCounterStore(redis);
}
afterAll(() => redisClients.forEach((r) => r.disconnect()));

describe.each([
  ['memory', () => new MemoryFailureCounterStore()],
  ['Redis', redisStore],
])('failure throttle on the %s store', (_name, makeStore) => {
  let store: FailureCounterStore;
  let registry: Registry;
  let throttle: FailureThrottle<Dimension>;
  beforeEach(() => {
    store = makeStore();
    const m = metrics();
    registry = m.registry;
    throttle = new FailureThrottle('token', RULES, store, m.metrics, { enabled: true });
  });

  const from = (address: string, clientId = 'cli_victim') => ({ client_id: clientId, address });

  it('locks a client id out from the failing address only, never the holder elsewhere', async () => {
    for (let i = 0; i < 3; i++) {
      expect(await throttle.check(from('203.0.113.1'))).toBeNull();
      await throttle.failed(from('203.0.113.1'));
    }
    const lockout = await throttle.check(from('203.0.113.1'));
    expect(lockout).toEqual({ rule: 'client_address', failures: 3, retryAfterSeconds: 120 });
    // the real holder, anywhere else, is not refused
    expect(await throttle.check(from('198.51.100.9'))).toBeNull();
    expect(await counterValue(registry, 'lockouts', 'client_address')).toBe(1);
    expect(await counterValue(registry, 'refused', 'client_address')).toBe(1);
  });

  it('never locks a client id out when failures come from many addresses (alert only)', async () => {
    for (let i = 1; i <= 30; i++) await throttle.failed(from(`198.51.100.${i}`));
    expect(await throttle.check(from('192.0.2.200'))).toBeNull();
    expect(await counterValue(registry, 'alerts', 'client')).toBe(1);
    expect(await counterValue(registry, 'lockouts', 'client_address')).toBe(0);
  });

  it('locks an address out that fails for many client ids, for its own lockout time', async () => {
    for (let i = 0; i < 5; i++) await throttle.failed(from('203.0.113.5', `cli_guess_${i}`));
    expect(await throttle.check(from('203.0.113.5', 'cli_fresh'))).toEqual({
      rule: 'address',
      failures: 5,
      retryAfterSeconds: 300,
    });
    expect(await throttle.check(from('203.0.113.6', 'cli_fresh'))).toBeNull();
  });

  it("clears the client id's count from that address on success, never the address's", async () => {
    for (let i = 0; i < 2; i++) await throttle.failed(from('203.0.113.7'));
    await throttle.succeeded(from('203.0.113.7'));
    for (let i = 0; i < 2; i++) await throttle.failed(from('203.0.113.7'));
    expect(await throttle.check(from('203.0.113.7'))).toBeNull();
    // 4 failures so far from the address: one more (for any id) locks it
    await throttle.failed(from('203.0.113.7', 'cli_other'));
    expect((await throttle.check(from('203.0.113.7')))?.rule).toBe('address');
  });

  it('refuses with 429 rate_limited, Retry-After and RateLimit-* of the rule', () => {
    const error = throttle.refusal({ rule: 'client_address', failures: 3, retryAfterSeconds: 42 });
    expect(error.reason).toBe('rate_limited');
    expect(error.headers).toEqual({
      'retry-after': '42',
      'ratelimit-limit': '3',
      'ratelimit-remaining': '0',
      'ratelimit-reset': '42',
    });
  });

  it('forgets failures when the window ends, and a lockout when it ends', async () => {
    const short = new FailureThrottle(
      'short',
      [
        {
          name: 'pair',
          by: ['client_id', 'address'],
          failures: 2,
          windowSeconds: 1,
          lockoutSeconds: 1,
        },
      ],
      store,
      metrics().metrics,
      { enabled: true },
    );
    await short.failed(from('203.0.113.8'));
    await short.failed(from('203.0.113.8'));
    expect((await short.check(from('203.0.113.8')))?.retryAfterSeconds).toBe(1);
    await new Promise((r) => setTimeout(r, 1100));
    expect(await short.check(from('203.0.113.8'))).toBeNull();
  });

  it('counts nothing and refuses nothing when turned off', async () => {
    const off = new FailureThrottle('off', RULES, store, metrics().metrics, { enabled: false });
    for (let i = 0; i < 10; i++) await off.failed(from('203.0.113.9'));
    expect(await off.check(from('203.0.113.9'))).toBeNull();
    expect(await throttle.check(from('203.0.113.9'))).toBeNull();
  });
});

describe('failure throttle store', () => {
  it('keeps counting in memory while Redis cannot be reached', async () => {
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port: p } = server.address() as { port: number };
        server.close(() => resolve(p));
      });
    });
    const redis = new Redis(`redis://127.0.0.1:${port}`, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      lazyConnect: true,
    });
    redis.on('error', () => undefined);
    try {
      const store = new RedisFailureCounterStore(redis);
      const throttle = new FailureThrottle('down', RULES, store, metrics().metrics, {
        enabled: true,
      });
      for (let i = 0; i < 3; i++) await throttle.failed({ client_id: 'c', address: 'a' });
      expect((await throttle.check({ client_id: 'c', address: 'a' }))?.rule).toBe('client_address');
    } finally {
      redis.disconnect();
    }
  });

  it('holds at most its bound of keys in memory, dropping the oldest', async () => {
    const store = new MemoryFailureCounterStore(100);
    for (let i = 0; i < 1000; i++) await store.hit(`k${i}`, 60_000, 5, 60_000);
    const counts = await store.read(['k0', 'k899', 'k999']);
    expect(counts.map((c) => c.count)).toEqual([0, 0, 1]);
  });

  it('logs a lockout with the private dimensions hashed', async () => {
    const throttle = new FailureThrottle<'email' | 'address'>(
      'login',
      [
        {
          name: 'email_address',
          by: ['email', 'address'],
          failures: 1,
          windowSeconds: 60,
          lockoutSeconds: 60,
        },
      ],
      new MemoryFailureCounterStore(),
      metrics().metrics,
      { enabled: true, privateDimensions: ['email'] },
    );
    const warn = jest
      .spyOn((throttle as unknown as { logger: { warn: jest.Mock } }).logger, 'warn')
      .mockImplementation(() => undefined);
    await throttle.failed({ email: 'ops@shop.example', address: '203.0.113.1' });
    expect(warn).toHaveBeenCalledTimes(1);
    const [fields] = warn.mock.calls[0] as [Record<string, unknown>];
    expect(fields).toEqual(
      expect.objectContaining({
        throttle: 'login',
        rule: 'email_address',
        address: '203.0.113.1',
        email: expect.stringMatching(/^sha256:[0-9a-f]{16}$/),
      }),
    );
    expect(JSON.stringify(fields)).not.toContain('ops@shop.example');
  });
});
