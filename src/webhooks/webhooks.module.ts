import { Module } from '@nestjs/common';
import { MerchantsModule } from '../merchants/merchants.module';
import { EventsController } from './events.controller';
import { EventsService } from './events.service';
import { WebhookJobs } from './jobs/webhook-jobs';
import { WebhookAttemptsRepository } from './webhook-attempts.repository';
import { WebhookDelivery } from './webhook-delivery.service';
import { WebhookEventsRepository } from './webhook-events.repository';
import { WebhookMetrics } from './webhook-metrics';

/**
 * Merchant webhooks: the delivery worker over the outbox (which payments writes with
 * `OutboxRepository`), the events API and the metrics.
 */
@Module({
  imports: [MerchantsModule],
  controllers: [EventsController],
  providers: [
    EventsService,
    WebhookDelivery,
    WebhookJobs,
    WebhookMetrics,
    WebhookEventsRepository,
    WebhookAttemptsRepository,
  ],
})
export class WebhooksModule {}
