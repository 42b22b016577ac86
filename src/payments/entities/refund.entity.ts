import { Column, Entity, PrimaryColumn } from 'typeorm';
import { BIGINT } from '../../database/columns';

export const REFUND_STATUSES = ['PENDING', 'SUCCEEDED', 'FAILED'] as const;
export type RefundStatus = (typeof REFUND_STATUSES)[number];

/** One refund of an order; the order's refunded amount is the sum of these. */
@Entity('refunds')
export class RefundEntity {
  @PrimaryColumn({ name: 'refund_id', type: 'varchar', length: 40 })
  refundId!: string;

  @Column({ name: 'order_id', type: 'varchar', length: 40 })
  orderId!: string;

  @Column({ name: 'source_id', type: 'bigint', transformer: BIGINT })
  sourceId!: number;

  @Column({ name: 'merchant_refund_no', type: 'varchar', length: 64, nullable: true })
  merchantRefundNo!: string | null;

  @Column({ type: 'bigint', transformer: BIGINT })
  amount!: number;

  @Column({ type: 'varchar', length: 3 })
  currency!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: RefundStatus;

  @Column({ type: 'varchar', length: 256, nullable: true })
  reason!: string | null;

  /** The share of the payment's fee this refund gave back (set when it succeeds). */
  @Column({ name: 'fee_amount', type: 'bigint', transformer: BIGINT })
  feeAmount!: number;

  @Column({ name: 'channel_id', type: 'varchar', length: 40 })
  channelId!: string;

  @Column({ name: 'channel_refund_no', type: 'varchar', length: 128, nullable: true })
  channelRefundNo!: string | null;

  @Column({ name: 'failure_reason', type: 'varchar', length: 256, nullable: true })
  failureReason!: string | null;

  @Column({ name: 'next_sync_at', type: 'bigint', nullable: true, transformer: BIGINT })
  nextSyncAt!: number | null;

  @Column({ name: 'created_at', type: 'bigint', transformer: BIGINT })
  createdAt!: number;

  @Column({ name: 'completed_at', type: 'bigint', nullable: true, transformer: BIGINT })
  completedAt!: number | null;
}
