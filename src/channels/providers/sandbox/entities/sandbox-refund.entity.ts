import { Column, Entity, PrimaryColumn } from 'typeorm';
import { BIGINT } from '../../../../database/columns';

/** A refund the sandbox accepted; it completes at `completes_at` (notify_delay_ms later). */
@Entity('sandbox_refunds')
export class SandboxRefundEntity {
  @PrimaryColumn({ name: 'refund_id', type: 'varchar', length: 64 })
  refundId!: string;

  @Column({ name: 'order_id', type: 'varchar', length: 64 })
  orderId!: string;

  @Column({ name: 'channel_id', type: 'varchar', length: 40 })
  channelId!: string;

  @Column({ name: 'refund_no', type: 'varchar', length: 64 })
  refundNo!: string;

  @Column({ type: 'bigint', transformer: BIGINT })
  amount!: number;

  @Column({ type: 'varchar', length: 3 })
  currency!: string;

  @Column({ name: 'created_at', type: 'bigint', transformer: BIGINT })
  createdAt!: number;

  @Column({ name: 'completes_at', type: 'bigint', transformer: BIGINT })
  completesAt!: number;
}
