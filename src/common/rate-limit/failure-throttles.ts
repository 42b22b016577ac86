import { DynamicModule, Global, Inject, Injectable, Module } from '@nestjs/common';
import Redis from 'ioredis';
import { Counter } from 'prom-client';
import { AppConfig } from '../../config/app-config';
import { MetricsService } from '../../ops/metrics.service';
import {
  FailureCounterStore,
  MemoryFailureCounterStore,
  RedisFailureCounterStore,
} from './failure-counter.store';
import { FailureMetrics, FailureRule, FailureThrottle } from './failure-throttle';

export const FAILURE_COUNTER_STORE = Symbol('paygate.failureCounterStore');

/**
 * Makes the failure throttles of the application (the token endpoint's, a login's), all on one
 * store and one set of metrics, and all off when RATE_LIMIT_ENABLED=false.
 */
@Injectable()
export class FailureThrottles {
  private readonly metrics: FailureMetrics;

  constructor(
    @Inject(FAILURE_COUNTER_STORE) private readonly store: FailureCounterStore,
    private readonly config: AppConfig,
    metrics: MetricsService,
  ) {
    const registers = [metrics.registry];
    const labelNames = ['throttle', 'rule'] as const;
    this.metrics = {
      lockouts: new Counter({
        name: 'paygate_failure_lockouts_total',
        help: 'Lockouts started by failed attempts (wrong secrets), by throttle and rule',
        labelNames,
        registers,
      }),
      refused: new Counter({
        name: 'paygate_failure_lockout_refusals_total',
        help: 'Attempts refused (429) because of a lockout, by throttle and rule',
        labelNames,
        registers,
      }),
      alerts: new Counter({
        name: 'paygate_failure_alerts_total',
        help: 'Alert-only limits of failed attempts reached (nothing refused), by throttle and rule',
        labelNames,
        registers,
      }),
    };
  }

  create<D extends string>(
    name: string,
    rules: readonly FailureRule<D>[],
    options: { privateDimensions?: readonly D[] } = {},
  ): FailureThrottle<D> {
    return new FailureThrottle(name, rules, this.store, this.metrics, {
      enabled: this.config.env.RATE_LIMIT_ENABLED,
      ...options,
    });
  }
}

/**
 * The failure throttles' store: the rate limits' Redis connection when REDIS_URL is set (so
 * every instance counts the same failures), else this process's memory.
 */
@Global()
@Module({})
export class FailureThrottleModule {
  static forRoot(redis: Redis | undefined): DynamicModule {
    return {
      module: FailureThrottleModule,
      providers: [
        {
          provide: FAILURE_COUNTER_STORE,
          useFactory: () =>
            redis ? new RedisFailureCounterStore(redis) : new MemoryFailureCounterStore(),
        },
        FailureThrottles,
      ],
      exports: [FailureThrottles],
    };
  }
}
