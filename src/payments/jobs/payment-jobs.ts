import { Injectable } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { AppConfig } from '../../config/app-config';
import { JobLeaseService } from '../../database/job-lease.service';
import { PaymentSync } from '../payment-sync.service';

const EVERY_MS = 5000;

/**
 * The status sync and the expiry sweep, every few seconds, each on one instance at a time: the
 * lease outlives a pass, and a crashed holder's lease simply expires.
 */
@Injectable()
export class PaymentJobs {
  private running = false;

  constructor(
    private readonly sync: PaymentSync,
    private readonly leases: JobLeaseService,
    private readonly config: AppConfig,
  ) {}

  @Interval(EVERY_MS)
  async tick(): Promise<void> {
    if (!this.config.env.JOBS_ENABLED || this.running) return;
    this.running = true;
    try {
      if (await this.leases.tryAcquire('payments-status-sync', 60_000)) {
        await this.sync.syncDue();
        await this.leases.release('payments-status-sync');
      }
      if (await this.leases.tryAcquire('payments-expiry-sweep', 60_000)) {
        await this.sync.expireDue();
        await this.leases.release('payments-expiry-sweep');
      }
    } finally {
      this.running = false;
    }
  }
}
