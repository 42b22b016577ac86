import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import Redis from 'ioredis';
import { AppConfig } from '../../config/app-config';

/** How many failures a key may have within its window before it is locked out. */
export interface FailureLimit {
  /** e.g. `login:email:ops@example.com`. */
  key: string;
  max: number;
  windowMs: number;
}

interface FailureCount {
  count: number;
  /** Until the window ends, ms. */
  resetInMs: number;
}

interface FailureStore {
  get(key: string): Promise<FailureCount>;
  add(key: string, windowMs: number): Promise<FailureCount>;
  reset(key: string): Promise<void>;
  close(): void;
}

/**
 * Counts failures (wrong passwords, wrong codes) per key in a fixed window, and locks a key out
 * once it reaches its limit, until the window ends. Unlike the request rate limits it counts
 * only what failed, and it is read before the attempt is even checked, so a locked-out key
 * costs no password hashing. Counters are shared through Redis when REDIS_URL is set (one
 * lockout for every instance), else kept in this process. While Redis cannot answer, attempts
 * are let through, as the request rate limits do.
 */
@Injectable()
export class FailureThrottle implements OnModuleDestroy {
  private readonly store: FailureStore;
  private readonly enabled: boolean;

  constructor(config: AppConfig) {
    this.enabled = config.env.RATE_LIMIT_ENABLED;
    this.store = config.env.REDIS_URL
      ? new RedisFailureStore(config.env.REDIS_URL, `${config.env.REDIS_KEY_PREFIX}failures:`)
      : new MemoryFailureStore();
  }

  /** Seconds until every one of `limits` allows an attempt again; 0 when none is locked. */
  async lockedFor(limits: FailureLimit[]): Promise<number> {
    if (!this.enabled) return 0;
    let wait = 0;
    for (const limit of limits) {
      const { count, resetInMs } = await this.store.get(limit.key);
      if (count >= limit.max) wait = Math.max(wait, Math.ceil(resetInMs / 1000));
    }
    return wait;
  }

  /** Counts a failure against every key. */
  async failed(limits: FailureLimit[]): Promise<void> {
    if (!this.enabled) return;
    for (const limit of limits) await this.store.add(limit.key, limit.windowMs);
  }

  /** Forgets a key's failures (a success). */
  async reset(key: string): Promise<void> {
    if (!this.enabled) return;
    await this.store.reset(key);
  }

  onModuleDestroy(): void {
    this.store.close();
  }
}

/** Per-process counters; the oldest are dropped past MAX_KEYS so a flood of keys stays bounded. */
class MemoryFailureStore implements FailureStore {
  private static readonly MAX_KEYS = 100_000;
  private readonly counts = new Map<string, { count: number; resetAt: number }>();

  get(key: string): Promise<FailureCount> {
    const now = Date.now();
    const entry = this.counts.get(key);
    if (!entry || entry.resetAt <= now) return Promise.resolve({ count: 0, resetInMs: 0 });
    return Promise.resolve({ count: entry.count, resetInMs: entry.resetAt - now });
  }

  add(key: string, windowMs: number): Promise<FailureCount> {
    const now = Date.now();
    let entry = this.counts.get(key);
    if (!entry || entry.resetAt <= now) {
      this.counts.delete(key);
      if (this.counts.size >= MemoryFailureStore.MAX_KEYS) {
        this.counts.delete(this.counts.keys().next().value as string);
      }
      entry = { count: 0, resetAt: now + windowMs };
      this.counts.set(key, entry);
    }
    entry.count++;
    return Promise.resolve({ count: entry.count, resetInMs: entry.resetAt - now });
  }

  reset(key: string): Promise<void> {
    this.counts.delete(key);
    return Promise.resolve();
  }

  close(): void {
    this.counts.clear();
  }
}

/** Counters in Redis: the window starts with the first failure (SET NX PX), INCR counts. */
class RedisFailureStore implements FailureStore {
  private readonly logger = new Logger('FailureThrottle');
  private readonly redis: Redis;
  private reachable = true;

  constructor(url: string, keyPrefix: string) {
    this.redis = new Redis(url, {
      keyPrefix,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: 500,
      connectTimeout: 2000,
      disconnectTimeout: 200,
      connectionName: 'paygate-failure-throttle',
    });
    this.redis.on('error', (error: Error) => this.unreachable(error));
    this.redis.on('ready', () => {
      if (this.reachable) return;
      this.reachable = true;
      this.logger.log('failure counters reachable again; lockouts apply');
    });
  }

  async get(key: string): Promise<FailureCount> {
    try {
      const results = (await this.redis.multi().get(key).pttl(key).exec()) ?? [];
      const count = Number(results[0]?.[1] ?? 0);
      return { count, resetInMs: Math.max(0, Number(results[1]?.[1] ?? 0)) };
    } catch (error) {
      this.unreachable(error as Error);
      return { count: 0, resetInMs: 0 };
    }
  }

  async add(key: string, windowMs: number): Promise<FailureCount> {
    try {
      const results = (await this.redis
        .multi()
        .set(key, 0, 'PX', windowMs, 'NX')
        .incr(key)
        .pttl(key)
        .exec()) as [unknown, unknown][];
      return { count: Number(results[1][1]), resetInMs: Math.max(0, Number(results[2][1])) };
    } catch (error) {
      this.unreachable(error as Error);
      return { count: 0, resetInMs: 0 };
    }
  }

  async reset(key: string): Promise<void> {
    try {
      await this.redis.del(key);
    } catch (error) {
      this.unreachable(error as Error);
    }
  }

  close(): void {
    this.redis.disconnect(false);
  }

  private unreachable(error: Error): void {
    if (!this.reachable) return;
    this.reachable = false;
    this.logger.warn(
      { err: error.message },
      'failure counters (Redis) unreachable; logins are not locked out until it is back',
    );
  }
}
