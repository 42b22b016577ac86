import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { newId } from '../common/ids';
import { Database } from '../database/database.service';
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
    // the order's next number; the counter row stays locked until this transaction ends, so
    // another change of the same order numbers its event after this one's
    const { rows } = await Database.sql<{ last_sequence: number | string }>(
      em,
      `INSERT INTO order_event_sequences (order_id, last_sequence) VALUES (:orderId, 1)
       ON CONFLICT (order_id) DO UPDATE SET last_sequence = order_event_sequences.last_sequence + 1
       RETURNING last_sequence`,
      { orderId: event.orderId },
    );
    await em.insert(WebhookEventEntity, {
      id,
      sourceId: event.sourceId,
      type: event.type,
      orderId: event.orderId,
      refundId: event.refundId ?? null,
      sequence: Number(rows[0].last_sequence),
      data: JSON.stringify(event.data),
      deliveryStatus: 'pending',
      attemptCount: 0,
      nextAttemptAt: now,
      createdAt: now,
    });
    return id;
  }
}
