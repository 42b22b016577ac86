import { createHash } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { Counter } from 'prom-client';
import { AppError } from '../errors/app-error';
import { FailureCounterStore } from './failure-counter.store';

/**
 * One way of counting failed attempts: by some of the attempt's dimensions together (e.g. the
 * client id and the address), so many failures within a window lock that combination out.
 */
export interface FailureRule<D extends string> {
  /** Names the rule in logs, metrics and the store's keys, e.g. `client_address`. */
  name: string;
  /** The dimensions counted together, e.g. `['client_id', 'address']`. */
  by: readonly D[];
  /** Failures within the window that lock the combination out. */
  failures: number;
  windowSeconds: number;
  /** How long the lockout lasts, from the failure that reached the limit. */
  lockoutSeconds: number;
  /**
   * A success clears this rule's count: right for the identity and the address together (the
   * holder of the secret, from there), wrong for the address alone (an attacker with one good
   * secret of their own would clear their count between guesses at others).
   */
  clearedBySuccess?: boolean;
  /**
   * Counted, logged and metered when the limit is reached, but nothing is refused: for
   * failures spread over many addresses, which locking would turn into a way to lock the real
   * holder out.
   */
  alertOnly?: boolean;
}

/** The attempt as the caller sees it: one value per dimension (e.g. client id and address). */
export type Attempt<D extends string> = Readonly<Record<D, string>>;

/** Why an attempt is refused: which rule locked it out, and for how long still. */
export interface Lockout {
  rule: string;
  failures: number;
  retryAfterSeconds: number;
}

export interface FailureThrottleOptions<D extends string> {
  /** Off: nothing is counted or refused (RATE_LIMIT_ENABLED=false). */
  enabled: boolean;
  /** Dimensions logged as a short hash rather than as they are (e.g. an email address). */
  privateDimensions?: readonly D[];
}

/** The counters every failure throttle reports to, labelled by throttle and rule. */
export interface FailureMetrics {
  lockouts: Counter<'throttle' | 'rule'>;
  refused: Counter<'throttle' | 'rule'>;
  alerts: Counter<'throttle' | 'rule'>;
}

/**
 * Failure-based throttling of a secret check (the token endpoint's client secrets; the same
 * class serves any login): failed attempts are counted per rule, and an attempt matching a
 * combination that reached its limit is refused before the secret is even looked at, until the
 * lockout ends. Only failures count, and the count does not depend on whether the identity
 * exists, so a refusal says nothing about it; a correct secret from an address with no failures
 * of its own is never refused, whatever others did with the same identity elsewhere.
 *
 * Usage, around the check:
 * ```
 * const lockout = await throttle.check(attempt);
 * if (lockout) throw throttle.refusal(lockout);
 * if (!correct) { await throttle.failed(attempt); throw invalid(); }
 * await throttle.succeeded(attempt);
 * ```
 * Concurrent attempts may all pass `check` before their failures are counted; the per-address
 * request limit in front bounds how many that can be.
 */
export class FailureThrottle<D extends string> {
  private readonly logger: Logger;
  private readonly rules: readonly FailureRule<D>[];

  constructor(
    readonly name: string,
    rules: readonly FailureRule<D>[],
    private readonly store: FailureCounterStore,
    private readonly metrics: FailureMetrics,
    private readonly options: FailureThrottleOptions<D>,
  ) {
    for (const rule of rules) {
      if (rule.failures < 1 || rule.windowSeconds < 1 || rule.lockoutSeconds < 1) {
        throw new Error(`failure throttle ${name}.${rule.name}: limits must be positive`);
      }
    }
    this.rules = rules;
    this.logger = new Logger(`FailureThrottle:${name}`);
    for (const rule of rules) {
      const labels = { throttle: name, rule: rule.name };
      metrics.lockouts.inc(labels, 0);
      if (!rule.alertOnly) metrics.refused.inc(labels, 0);
    }
  }

  /** The lockout that refuses this attempt, if any (the longest, when several apply). */
  async check(attempt: Attempt<D>): Promise<Lockout | null> {
    if (!this.options.enabled) return null;
    const locking = this.rules.filter((rule) => !rule.alertOnly);
    const counts = await this.store.read(locking.map((rule) => this.key(rule, attempt)));
    let lockout: Lockout | null = null;
    locking.forEach((rule, i) => {
      const { count, ttlMs } = counts[i];
      if (count < rule.failures) return;
      const retryAfterSeconds = Math.max(1, Math.ceil(ttlMs / 1000));
      if (!lockout || retryAfterSeconds > lockout.retryAfterSeconds) {
        lockout = { rule: rule.name, failures: rule.failures, retryAfterSeconds };
      }
    });
    if (lockout) this.metrics.refused.inc({ throttle: this.name, rule: (lockout as Lockout).rule });
    return lockout;
  }

  /** Counts a failed attempt; logs and meters each lockout (or alert) it starts. */
  async failed(attempt: Attempt<D>): Promise<void> {
    if (!this.options.enabled) return;
    await Promise.all(
      this.rules.map(async (rule) => {
        const { count } = await this.store.hit(
          this.key(rule, attempt),
          rule.windowSeconds * 1000,
          rule.failures,
          rule.lockoutSeconds * 1000,
        );
        if (count !== rule.failures) return;
        this.metrics[rule.alertOnly ? 'alerts' : 'lockouts'].inc({
          throttle: this.name,
          rule: rule.name,
        });
        this.logger.warn(
          {
            throttle: this.name,
            rule: rule.name,
            ...this.describe(rule, attempt),
            failures: rule.failures,
            window_seconds: rule.windowSeconds,
            ...(rule.alertOnly ? {} : { lockout_seconds: rule.lockoutSeconds }),
          },
          rule.alertOnly
            ? 'many failed attempts (alert only, nothing refused)'
            : 'failed attempts reached the limit; locked out',
        );
      }),
    );
  }

  /** A correct secret: clears the counts of the rules that a success clears. */
  async succeeded(attempt: Attempt<D>): Promise<void> {
    if (!this.options.enabled) return;
    const cleared = this.rules.filter((rule) => rule.clearedBySuccess);
    await this.store.clear(cleared.map((rule) => this.key(rule, attempt)));
  }

  /**
   * The error a locked-out attempt is answered with: 429 `rate_limited`, `Retry-After` and the
   * `RateLimit-*` headers of the rule, the same whether or not the identity exists.
   */
  refusal(lockout: Lockout): AppError {
    const retryAfter = String(lockout.retryAfterSeconds);
    return new AppError('rate_limited', { retry_after: lockout.retryAfterSeconds }, undefined, {
      'retry-after': retryAfter,
      'ratelimit-limit': String(lockout.failures),
      'ratelimit-remaining': '0',
      'ratelimit-reset': retryAfter,
    });
  }

  private key(rule: FailureRule<D>, attempt: Attempt<D>): string {
    // hashed: the values come from the caller (any length, any characters)
    const values = rule.by.map((dimension) => attempt[dimension] ?? '').join('\u0000');
    const digest = createHash('sha256').update(values).digest('base64url').slice(0, 32);
    return `failures:${this.name}:${rule.name}:${digest}`;
  }

  private describe(rule: FailureRule<D>, attempt: Attempt<D>): Record<string, string> {
    const hidden = new Set<D>(this.options.privateDimensions ?? []);
    return Object.fromEntries(
      rule.by.map((dimension) => {
        const value = attempt[dimension] ?? '';
        return [
          dimension,
          hidden.has(dimension)
            ? `sha256:${createHash('sha256').update(value).digest('hex').slice(0, 16)}`
            : value.slice(0, 128),
        ];
      }),
    );
  }
}
