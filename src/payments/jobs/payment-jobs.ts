import { BeforeApplicationShutdown, Injectable } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { AppConfig } from '../../config/app-config';
import { JobLeaseService } from '../../database/job-lease.service';
import { PaymentSync } from '../payment-sync.service';

const EVERY_MS = 5000;

/**
 * The expiry sweep and the status sync, every few seconds on every instance: each pass claims
 * its own batch of orders, so instances share the work. While a claim finds orders the next
 * one starts at once (the sweep and the sync taking turns), so a backlog drains at the speed
 * of the channels rather than a batch per tick. Refunds are few: their sync runs on one
 * instance at a time under a lease, which a crashed holder's expiry frees.
 */
@Injectable()
export class PaymentJobs implements BeforeApplicationShutdown {
  private running?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly sync: PaymentSync,
    private readonly leases: JobLeaseService,
    private readonly config: AppConfig,
  ) {}

  @Interval(EVERY_MS)
  async tick(): Promise<void> {
    if (!this.config.env.JOBS_ENABLED || this.running || this.stopped) return;
    this.running = this.drain().finally(() => (this.running = undefined));
    return this.running;
  }

  /** A pass in progress finishes its batch (each call bounded by CHANNEL_TIMEOUT_MS). */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await this.running?.catch(() => undefined);
  }

  private async drain(): Promise<void> {
    for (let more = true; more && !this.stopped;) {
      const expired = await this.sync.expireBatch();
      const synced = this.stopped ? expired : await this.sync.syncOrdersDue();
      // a batch can come back short while orders remain (rows another instance was claiming
      // at that instant are skipped, not waited for): go on until a claim finds nothing
      more = expired.claimed > 0 || synced.claimed > 0;
    }
    if (this.stopped) return;
    if (await this.leases.tryAcquire('payments-refund-sync', 60_000)) {
      await this.sync.syncRefundsDue();
      await this.leases.release('payments-refund-sync');
    }
  }
}
