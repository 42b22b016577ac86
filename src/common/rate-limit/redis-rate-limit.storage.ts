import { Logger, OnModuleDestroy } from '@nestjs/common';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { ThrottlerStorage } from '@nestjs/throttler';
import Redis from 'ioredis';

/** A rate-limit check never waits longer than this on Redis. */
const COMMAND_TIMEOUT_MS = 500;

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * Rate-limit counters in Redis, shared by every instance that names the same REDIS_URL and
 * REDIS_KEY_PREFIX (@nest-lab/throttler-storage-redis: one Lua script per check, so concurrent
 * hits on several instances count exactly).
 *
 * When Redis cannot answer (down, restarting, slow) requests are let through rather than
 * refused or held: the limits protect the service, the payments are what it is for. Commands
 * are not queued while disconnected and each is bounded, so an outage costs a request at most
 * COMMAND_TIMEOUT_MS. The outage and the recovery are logged once each.
 */
export class RedisRateLimitStorage implements ThrottlerStorage, OnModuleDestroy {
  private readonly logger = new Logger('RateLimit');
  /** The connection, shared with the failure throttles' counts. */
  readonly redis: Redis;
  private readonly store: ThrottlerStorageRedisService;
  private reachable = true;

  constructor(url: string, keyPrefix: string) {
    this.redis = new Redis(url, {
      keyPrefix,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: COMMAND_TIMEOUT_MS,
      connectTimeout: 2000,
      // a shutdown does not wait on a connection that is already gone
      disconnectTimeout: 200,
      connectionName: 'paygate-rate-limit',
    });
    this.redis.on('error', (error: Error) => this.unreachable(error));
    this.redis.on('ready', () => {
      if (this.reachable) return;
      this.reachable = true;
      this.logger.log('rate-limit store reachable again; limits apply');
    });
    this.store = new ThrottlerStorageRedisService(this.redis);
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    try {
      return await this.store.increment(key, ttl, limit, blockDuration, throttlerName);
    } catch (error) {
      this.unreachable(error as Error);
      return {
        totalHits: 0,
        timeToExpire: Math.ceil(ttl / 1000),
        isBlocked: false,
        timeToBlockExpire: 0,
      };
    }
  }

  onModuleDestroy(): void {
    this.redis.disconnect(false);
  }

  private unreachable(error: Error): void {
    if (!this.reachable) return;
    this.reachable = false;
    this.logger.warn(
      { err: error.message },
      'rate-limit store (Redis) unreachable; requests are not rate limited until it is back',
    );
  }
}
