import { Injectable, Logger } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { AppConfig } from '../../config/app-config';
import { JobLeaseService } from '../../database/job-lease.service';
import { IdempotencyService } from './idempotency.service';

const EVERY_MS = 10 * 60 * 1000;

/** Forgets keys older than 24 h, on one instance at a time, in bounded batches. */
@Injectable()
export class IdempotencyCleanupJob {
  private readonly logger = new Logger(IdempotencyCleanupJob.name);

  constructor(
    private readonly idempotency: IdempotencyService,
    private readonly leases: JobLeaseService,
    private readonly config: AppConfig,
  ) {}

  @Interval(EVERY_MS)
  async run(): Promise<void> {
    if (!this.config.env.JOBS_ENABLED) return;
    if (!(await this.leases.tryAcquire('idempotency-cleanup', EVERY_MS / 2))) return;
    let deleted = 0;
    for (
      let batch = await this.idempotency.deleteExpired();
      batch > 0;
      batch = await this.idempotency.deleteExpired()
    ) {
      deleted += batch;
    }
    if (deleted > 0) this.logger.log(`forgot ${deleted} expired idempotency keys`);
  }
}
