import { Column, Entity, PrimaryColumn } from 'typeorm';
import { BIGINT } from '../../database/columns';

export const WEBHOOK_EVENT_TYPES = [
  'payment.succeeded',
  'payment.failed',
  'payment.closed',
  'refund.succeeded',
  'refund.failed',
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;

export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

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

  /**
   * 1, 2, 3… over every event of the order (payment.* and refund.*), in the order of the
   * changes they describe: a merchant drops an event whose sequence is below one it has seen.
   */
  @Column({ type: 'integer', default: 0 })
  sequence!: number;

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

  /** The claim of the worker attempting it now; null when nobody is. */
  @Column({ name: 'claimed_by', type: 'varchar', length: 64, nullable: true })
  claimedBy!: string | null;

  /** A claim past this time belongs to a worker that died: another one may take the event. */
  @Column({ name: 'claim_until', type: 'bigint', nullable: true, transformer: BIGINT })
  claimUntil!: number | null;

  @Column({ name: 'delivered_at', type: 'bigint', nullable: true, transformer: BIGINT })
  deliveredAt!: number | null;

  /** Attempts since the event was written or last redelivered: the position in the retry schedule. */
  @Column({ name: 'schedule_step', type: 'integer', default: 0 })
  scheduleStep!: number;

  /** Bumped by each redelivery, so an attempt in flight meanwhile does not undo it. */
  @Column({ name: 'redelivery_count', type: 'integer', default: 0 })
  redeliveryCount!: number;
}
