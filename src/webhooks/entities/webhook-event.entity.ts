import { Column, Entity, PrimaryColumn } from 'typeorm';
import { BIGINT } from '../../database/columns';

export type WebhookEventType =
  'payment.succeeded' | 'payment.failed' | 'payment.closed' | 'refund.succeeded' | 'refund.failed';

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/**
 * The transactional outbox: an event is inserted in the same transaction as the state change
 * it describes, and the delivery worker sends it to the merchant's notify_url afterwards.
 */
@Entity('webhook_events')
export class WebhookEventEntity {
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id!: string;

  @Column({ name: 'source_id', type: 'bigint', transformer: BIGINT })
  sourceId!: number;

  @Column({ type: 'varchar', length: 32 })
  type!: WebhookEventType;

  @Column({ name: 'order_id', type: 'varchar', length: 40 })
  orderId!: string;

  @Column({ name: 'refund_id', type: 'varchar', length: 40, nullable: true })
  refundId!: string | null;

  /** The `data` of the webhook body (JSON): the order or refund as it was at the change. */
  @Column({ type: 'text' })
  data!: string;

  @Column({ name: 'delivery_status', type: 'varchar', length: 16 })
  deliveryStatus!: DeliveryStatus;

  @Column({ name: 'attempt_count', type: 'integer' })
  attemptCount!: number;

  @Column({ name: 'next_attempt_at', type: 'bigint', nullable: true, transformer: BIGINT })
  nextAttemptAt!: number | null;

  @Column({ name: 'created_at', type: 'bigint', transformer: BIGINT })
  createdAt!: number;
}
