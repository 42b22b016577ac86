import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { newId } from '../common/ids';
import { WebhookEventEntity, WebhookEventType } from './entities/webhook-event.entity';

export interface OutboxEvent {
  sourceId: number;
  type: WebhookEventType;
  orderId: string;
  refundId?: string | null;
  data: unknown;
}

/**
 * Writes merchant webhook events into the outbox. Always called with the EntityManager of the
 * transaction that makes the change the event describes: the event exists if and only if the
 * change committed.
 */
@Injectable()
export class OutboxRepository {
  async append(em: EntityManager, event: OutboxEvent, now: number): Promise<string> {
    const id = newId('evt');
    await em.insert(WebhookEventEntity, {
      id,
      sourceId: event.sourceId,
      type: event.type,
      orderId: event.orderId,
      refundId: event.refundId ?? null,
      data: JSON.stringify(event.data),
      deliveryStatus: 'pending',
      attemptCount: 0,
      nextAttemptAt: now,
      createdAt: now,
    });
    return id;
  }
}
