import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { AppConfig } from '../../config/app-config';
import { WebhookDelivery } from '../webhook-delivery.service';

const JOB = 'webhook-delivery';

/**
 * Runs the delivery worker every WEBHOOK_POLL_INTERVAL_MS while JOBS_ENABLED, on every
 * instance, refilling freed slots at once while a backlog lasts: per-event claims, not a
 * lease, keep instances from attempting one event at once, so they share the load.
 */
@Injectable()
export class WebhookJobs implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(WebhookJobs.name);

  constructor(
    private readonly delivery: WebhookDelivery,
    private readonly scheduler: SchedulerRegistry,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.env.JOBS_ENABLED) return;
    this.delivery.deliverContinuously();
    const timer = setInterval(() => {
      this.delivery.poll().catch((error: unknown) => {
        this.logger.warn({ err: error }, 'webhook delivery pass failed; retrying next tick');
      });
    }, this.config.env.WEBHOOK_POLL_INTERVAL_MS);
    this.scheduler.addInterval(JOB, timer);
  }

  beforeApplicationShutdown(): void {
    if (this.scheduler.doesExist('interval', JOB)) this.scheduler.deleteInterval(JOB);
  }
}
