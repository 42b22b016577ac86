import { Column, Entity, PrimaryColumn } from 'typeorm';
import { BIGINT } from '../../../../database/columns';

export type SandboxPaymentStatus = 'SUCCEEDED' | 'FAILED' | 'CLOSED';

/** The sandbox provider's own record of a trade: the first outcome (pay, fail, close) wins. */
@Entity('sandbox_payments')
export class SandboxPaymentEntity {
  @PrimaryColumn({ name: 'order_id', type: 'varchar', length: 64 })
  orderId!: string;

  @Column({ name: 'channel_id', type: 'varchar', length: 40 })
  channelId!: string;

  @Column({ name: 'trade_no', type: 'varchar', length: 64 })
  tradeNo!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: SandboxPaymentStatus;

  /** Null for a trade closed before the payer acted. */
  @Column({ type: 'bigint', nullable: true, transformer: BIGINT })
  amount!: number | null;

  @Column({ type: 'varchar', length: 3, nullable: true })
  currency!: string | null;

  @Column({ name: 'refunded_amount', type: 'bigint', transformer: BIGINT })
  refundedAmount!: number;

  @Column({ name: 'created_at', type: 'bigint', transformer: BIGINT })
  createdAt!: number;

  @Column({ name: 'paid_at', type: 'bigint', nullable: true, transformer: BIGINT })
  paidAt!: number | null;
}
