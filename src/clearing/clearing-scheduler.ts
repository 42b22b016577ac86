import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob, validateCronExpression } from 'cron';
import { Counter } from 'prom-client';
import { AppConfig } from '../config/app-config';
import { MetricsService } from '../ops/metrics.service';
import { ClearingRunsService } from './clearing-runs.service';
import { previousSettlementDate } from './settlement-dates';

export const CLEARING_JOB = 'clearing-daily';

/**
 * The daily clearing run: CLEARING_CRON in SETTLEMENT_TZ (00:30 by default) clears the day
 * before. Every instance with JOBS_ENABLED fires it; the run's unique claim per date makes one
 * of them do the work. A run that fails is tried again by that instance after each delay of
 * CLEARING_RETRY_SCHEDULE; when the last try fails too, it is reported (an error log line and
 * paygate_clearing_scheduled_failures_total{gave_up="true"}), and
 * paygate_clearing_last_success_timestamp_seconds stops moving.
 */
@Injectable()
export class ClearingScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ClearingScheduler.name);
  private job?: CronJob;
  private running?: Promise<void>;
  private stopping = false;
  private wake?: () => void;
  private readonly failures: Counter<'gave_up'>;

  constructor(
    private readonly runs: ClearingRunsService,
    private readonly registry: SchedulerRegistry,
    private readonly config: AppConfig,
    metrics: MetricsService,
  ) {
    this.failures = new Counter({
      name: 'paygate_clearing_scheduled_failures_total',
      help: 'Failed tries of the daily clearing run; gave_up="true" when it was the last try of CLEARING_RETRY_SCHEDULE',
      labelNames: ['gave_up'],
      registers: [metrics.registry],
    });
    for (const gaveUp of ['false', 'true']) this.failures.inc({ gave_up: gaveUp }, 0);
  }

  onApplicationBootstrap(): void {
    if (!this.config.env.JOBS_ENABLED) return;
    const cronTime = this.config.env.CLEARING_CRON;
    const check = validateCronExpression(cronTime);
    if (!check.valid)
      throw new Error(`invalid configuration: CLEARING_CRON ${check.error?.message ?? ''}`);
    this.job = CronJob.from({
      cronTime,
      timeZone: this.config.env.SETTLEMENT_TZ,
      onTick: () => this.tick(),
      waitForCompletion: true,
      start: true,
    });
    this.registry.addCronJob(CLEARING_JOB, this.job);
  }

  /** A run in progress finishes before the database closes; a wait for a retry ends. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.job?.stop();
    await this.running;
  }

  private tick(): Promise<void> {
    this.running = this.runWithRetries(Date.now());
    return this.running;
  }

  /** The scheduled run of the day before `now`, retried along CLEARING_RETRY_SCHEDULE. */
  async runWithRetries(now: number): Promise<void> {
    const date = previousSettlementDate(now, this.config.env.SETTLEMENT_TZ);
    const delays = this.config.env.CLEARING_RETRY_SCHEDULE;
    for (let attempt = 0; ; attempt++) {
      try {
        if (attempt === 0) await this.runs.runScheduled(now);
        else await this.runs.retryScheduled(date);
        return;
      } catch (error) {
        const gaveUp = attempt >= delays.length || this.stopping;
        this.failures.inc({ gave_up: String(gaveUp) });
        if (gaveUp) {
          this.logger.error(
            { err: error, date, tries: attempt + 1 },
            'the daily clearing run failed on every try; run it by hand (POST /v1/clearing/runs)',
          );
          return;
        }
        this.logger.warn(
          { err: error, date, retry_in_seconds: delays[attempt] },
          'the daily clearing run failed; trying again',
        );
        await this.pause(delays[attempt] * 1000);
        if (this.stopping) {
          this.logger.error({ date }, 'shut down before the daily clearing run could be retried');
          return;
        }
      }
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
