import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob, validateCronExpression } from 'cron';
import { AppConfig } from '../config/app-config';
import { ClearingRunsService } from './clearing-runs.service';

export const CLEARING_JOB = 'clearing-daily';

/**
 * The daily clearing run: CLEARING_CRON in SETTLEMENT_TZ (00:30 by default) clears the day
 * before. Every instance with JOBS_ENABLED fires it; the run's unique claim per date makes one
 * of them do the work.
 */
@Injectable()
export class ClearingScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ClearingScheduler.name);
  private job?: CronJob;
  private running?: Promise<void>;

  constructor(
    private readonly runs: ClearingRunsService,
    private readonly registry: SchedulerRegistry,
    private readonly config: AppConfig,
  ) {}

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

  /** A run in progress finishes before the database closes. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.job?.stop();
    await this.running;
  }

  private tick(): Promise<void> {
    this.running = this.runs
      .runScheduled()
      .then(() => undefined)
      .catch((error: unknown) =>
        this.logger.error({ err: error }, 'the daily clearing run failed; run it by hand'),
      );
    return this.running;
  }
}
