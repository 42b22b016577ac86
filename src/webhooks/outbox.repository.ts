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

  /**
   * append for several events of different orders (each order at most once), with two
   * statements whatever their number: one numbers them all, one inserts them all.
   */
  async appendMany(em: EntityManager, events: OutboxEvent[], now: number): Promise<string[]> {
    if (events.length === 0) return [];
    const orderIds = events.map((e) => e.orderId);
    if (new Set(orderIds).size !== orderIds.length)
      throw new Error('appendMany: one event per order');
    const params: Record<string, unknown> = {};
    const tuples = orderIds.map((orderId, i) => {
      params[`o${i}`] = orderId;
      return `(:o${i}, 1)`;
    });
    const { rows } = await Database.sql<{ order_id: string; last_sequence: number | string }>(
      em,
      `INSERT INTO order_event_sequences (order_id, last_sequence) VALUES ${tuples.join(', ')}
       ON CONFLICT (order_id) DO UPDATE SET last_sequence = order_event_sequences.last_sequence + 1
       RETURNING order_id, last_sequence`,
      params,
    );
    const sequence = new Map(rows.map((r) => [r.order_id, Number(r.last_sequence)]));
    const ids = events.map(() => newId('evt'));
    await em.insert(
      WebhookEventEntity,
      events.map((event, i) => ({
        id: ids[i],
        sourceId: event.sourceId,
        type: event.type,
        orderId: event.orderId,
        refundId: event.refundId ?? null,
        sequence: sequence.get(event.orderId)!,
        data: JSON.stringify(event.data),
        deliveryStatus: 'pending' as const,
        attemptCount: 0,
        nextAttemptAt: now,
        createdAt: now,
      })),
    );
    return ids;
  }
}
