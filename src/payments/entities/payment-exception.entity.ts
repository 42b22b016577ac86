import { Column, Entity, PrimaryColumn } from 'typeorm';
import { BIGINT } from '../../database/columns';

export type PaymentExceptionKind =
  'amount_mismatch' | 'currency_mismatch' | 'unknown_order' | 'unknown_refund' | 'channel_mismatch';

/**
 * A provider notification that could not be applied as sent (the amount differs from the
 * order, an order the gateway does not know…). Kept for reconciliation; never applied.
 */
@Entity('payment_exceptions')
export class PaymentExceptionEntity {
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id!: string;

  @Column({ type: 'varchar', length: 32 })
  kind!: PaymentExceptionKind;

  @Column({ name: 'channel_id', type: 'varchar', length: 40 })
  channelId!: string;

  @Column({ name: 'order_id', type: 'varchar', length: 64, nullable: true })
  orderId!: string | null;

  @Column({ name: 'refund_id', type: 'varchar', length: 64, nullable: true })
  refundId!: string | null;

  @Column({ name: 'channel_trade_no', type: 'varchar', length: 128, nullable: true })
  channelTradeNo!: string | null;

  @Column({ name: 'expected_amount', type: 'bigint', nullable: true, transformer: BIGINT })
  expectedAmount!: number | null;

  @Column({ name: 'reported_amount', type: 'bigint', nullable: true, transformer: BIGINT })
  reportedAmount!: number | null;

  @Column({ name: 'expected_currency', type: 'varchar', length: 3, nullable: true })
  expectedCurrency!: string | null;

  @Column({ name: 'reported_currency', type: 'varchar', length: 3, nullable: true })
  reportedCurrency!: string | null;

  @Column({ name: 'reported_status', type: 'varchar', length: 24, nullable: true })
  reportedStatus!: string | null;

  @Column({ name: 'settlement_date', type: 'varchar', length: 10 })
  settlementDate!: string;

  @Column({ name: 'created_at', type: 'bigint', transformer: BIGINT })
  createdAt!: number;
}
