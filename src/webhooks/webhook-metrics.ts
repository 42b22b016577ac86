import { Injectable, Logger } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { Database } from '../database/database.service';
import { MetricsService } from '../ops/metrics.service';
import { WebhookEventsRepository } from './webhook-events.repository';

/** What an attempt came to: delivered, failed with another attempt scheduled, or failed for good. */
export type DeliveryOutcome = 'delivered' | 'retrying' | 'failed';

interface QueueReading {
  depth: number;
  oldestDueSeconds: number;
}

/**
 * Webhook metrics on the shared registry. Attempts are counted by this instance as they end;
 * the queue is read from the database at scrape time, so every instance reports the same,
 * whole-system figures.
 */
@Injectable()
export class WebhookMetrics {
  private readonly logger = new Logger(WebhookMetrics.name);
  private readonly deliveries: Counter<'outcome'>;
  private reading?: Promise<QueueReading | null>;

  constructor(
    metrics: MetricsService,
    private readonly db: Database,
    private readonly events: WebhookEventsRepository,
  ) {
    this.deliveries = new Counter({
      name: 'paygate_webhook_deliveries_total',
      help: 'Webhook delivery attempts by outcome: delivered, retrying (failed, another attempt scheduled) or failed (the last attempt failed)',
      labelNames: ['outcome'],
      registers: [metrics.registry],
    });
    for (const outcome of ['delivered', 'retrying', 'failed'] as const)
      this.deliveries.inc({ outcome }, 0);
    const read = () => this.readQueue();
    new Gauge({
      name: 'paygate_webhook_queue_depth',
      help: 'Webhook events due for an attempt now, across all instances',
      registers: [metrics.registry],
      async collect() {
        const reading = await read();
        if (reading) this.set(reading.depth);
      },
    });
    new Gauge({
      name: 'paygate_webhook_oldest_due_event_age_seconds',
      help: 'How long the longest-waiting due webhook event has been due (0 when none is)',
      registers: [metrics.registry],
      async collect() {
        const reading = await read();
        if (reading) this.set(reading.oldestDueSeconds);
      },
    });
  }

  countAttempt(outcome: DeliveryOutcome): void {
    this.deliveries.inc({ outcome });
  }

  /** One query per scrape, shared by both gauges; an unreachable database keeps the last values. */
  private readQueue(): Promise<QueueReading | null> {
    this.reading ??= this.queryQueue().finally(() => (this.reading = undefined));
    return this.reading;
  }

  private async queryQueue(): Promise<QueueReading | null> {
    try {
      const now = Date.now();
      const { depth, oldestDueAt } = await this.db.run((em) => this.events.dueQueue(em, now));
      return {
        depth,
        oldestDueSeconds: oldestDueAt === null ? 0 : Math.max(0, now - oldestDueAt) / 1000,
      };
    } catch (error) {
      this.logger.warn({ err: error }, 'webhook queue metrics could not be read');
      return null;
    }
  }
}
