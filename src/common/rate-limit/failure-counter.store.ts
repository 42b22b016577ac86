import Redis from 'ioredis';

/** A failure count and how long until it is forgotten (0 when there is none). */
export interface FailureCount {
  count: number;
  ttlMs: number;
}

/**
 * Where failure counts live: this process's memory, or Redis shared by every instance. A count
 * starts at the first failure and is forgotten `windowMs` later; the failure that reaches
 * `limit` restarts that clock at `lockoutMs`, which is then how long the lockout lasts.
 */
export interface FailureCounterStore {
  read(keys: readonly string[]): Promise<FailureCount[]>;
  hit(key: string, windowMs: number, limit: number, lockoutMs: number): Promise<FailureCount>;
  clear(keys: readonly string[]): Promise<void>;
}

const NONE: FailureCount = { count: 0, ttlMs: 0 };

/** Counts past this many keys drop the expired ones first, then the oldest. */
const MEMORY_MAX_KEYS = 100_000;

export class MemoryFailureCounterStore implements FailureCounterStore {
  private readonly counts = new Map<string, { count: number; expiresAt: number }>();

  constructor(private readonly maxKeys = MEMORY_MAX_KEYS) {}

  read(keys: readonly string[]): Promise<FailureCount[]> {
    const now = Date.now();
    return Promise.resolve(keys.map((key) => this.current(key, now)));
  }

  hit(key: string, windowMs: number, limit: number, lockoutMs: number): Promise<FailureCount> {
    const now = Date.now();
    const { count: previous } = this.current(key, now);
    const count = previous + 1;
    const entry = this.counts.get(key);
    let expiresAt = previous === 0 || !entry ? now + windowMs : entry.expiresAt;
    if (count === limit) expiresAt = now + lockoutMs;
    // re-inserted, so that the map's order is the order of last failure for eviction
    this.counts.delete(key);
    this.counts.set(key, { count, expiresAt });
    if (this.counts.size > this.maxKeys) this.evict(now);
    return Promise.resolve({ count, ttlMs: expiresAt - now });
  }

  clear(keys: readonly string[]): Promise<void> {
    for (const key of keys) this.counts.delete(key);
    return Promise.resolve();
  }

  private current(key: string, now: number): FailureCount {
    const entry = this.counts.get(key);
    if (!entry) return NONE;
    if (entry.expiresAt <= now) {
      this.counts.delete(key);
      return NONE;
    }
    return { count: entry.count, ttlMs: entry.expiresAt - now };
  }

  private evict(now: number): void {
    for (const [key, entry] of this.counts) if (entry.expiresAt <= now) this.counts.delete(key);
    for (const key of this.counts.keys()) {
      if (this.counts.size <= this.maxKeys) break;
      this.counts.delete(key);
    }
  }
}

/**
 * One failure, atomically: count it, start the window on the first, restart the clock at the
 * lockout on the failure that reaches the limit; answer the count and what is left of it.
 */
const HIT_SCRIPT = `
local n = redis.call('INCR', KEYS[1])
local limit = tonumber(ARGV[2])
if n == limit then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
elseif n == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return {n, redis.call('PTTL', KEYS[1])}
`;

type FailureRedis = Redis & {
  paygateFailureHit(
    key: string,
    windowMs: number,
    limit: number,
    lockoutMs: number,
  ): Promise<[number, number]>;
};

/**
 * Failure counts in Redis, shared by every instance with the same REDIS_URL and
 * REDIS_KEY_PREFIX (the connection of the rate limits). While Redis cannot answer, counts are
 * kept in this process instead: each instance then counts alone, as the rate limits do without
 * Redis, rather than not at all.
 */
export class RedisFailureCounterStore implements FailureCounterStore {
  private readonly redis: FailureRedis;
  private readonly fallback = new MemoryFailureCounterStore();

  constructor(redis: Redis) {
    if (!('paygateFailureHit' in redis)) {
      redis.defineCommand('paygateFailureHit', { numberOfKeys: 1, lua: HIT_SCRIPT });
    }
    this.redis = redis as FailureRedis;
  }

  async read(keys: readonly string[]): Promise<FailureCount[]> {
    try {
      const pipeline = this.redis.pipeline();
      for (const key of keys) pipeline.get(key).pttl(key);
      const results = (await pipeline.exec()) ?? [];
      const failed = results.find(([error]) => error);
      if (failed) throw failed[0];
      return keys.map((_key, i) => {
        const count = Number(results[2 * i][1] ?? 0);
        const ttlMs = Number(results[2 * i + 1][1]);
        return count > 0 && ttlMs > 0 ? { count, ttlMs } : NONE;
      });
    } catch {
      return this.fallback.read(keys);
    }
  }

  async hit(
    key: string,
    windowMs: number,
    limit: number,
    lockoutMs: number,
  ): Promise<FailureCount> {
    try {
      const [count, ttlMs] = await this.redis.paygateFailureHit(key, windowMs, limit, lockoutMs);
      return { count, ttlMs: Math.max(0, ttlMs) };
    } catch {
      return this.fallback.hit(key, windowMs, limit, lockoutMs);
    }
  }

  async clear(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.fallback.clear(keys);
    try {
      await this.redis.del(...keys);
    } catch {
      // counted in this process meanwhile, cleared above
    }
  }
}
