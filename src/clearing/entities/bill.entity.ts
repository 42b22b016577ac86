import { Column, Entity, PrimaryColumn } from 'typeorm';
import { BIGINT } from '../../database/columns';

export type BillStatus = 'provisional' | 'final';

/**
 * A merchant's bill for one settlement date and currency, derived from that date's journal
 * entries. A clearing run replaces the date's bills; the id is derived from (source_id, date,
 * currency), so a re-run keeps it.
 */
@Entity('bills')
export class BillEntity {
  @PrimaryColumn({ name: 'bill_id', type: 'varchar', length: 48 })
  billId!: string;

  @Column({ name: 'source_id', type: 'bigint', transformer: BIGINT })
  sourceId!: number;

  @Column({ name: 'settlement_date', type: 'varchar', length: 10 })
  settlementDate!: string;

  @Column({ type: 'varchar', length: 3 })
  currency!: string;

  @Column({ name: 'payment_count', type: 'integer' })
  paymentCount!: number;

  @Column({ name: 'payment_amount', type: 'bigint', transformer: BIGINT })
  paymentAmount!: number;

  @Column({ name: 'refund_count', type: 'integer' })
  refundCount!: number;

  @Column({ name: 'refund_amount', type: 'bigint', transformer: BIGINT })
  refundAmount!: number;

  @Column({ name: 'fee_amount', type: 'bigint', transformer: BIGINT })
  feeAmount!: number;

  @Column({ name: 'net_amount', type: 'bigint', transformer: BIGINT })
  netAmount!: number;

  @Column({ type: 'varchar', length: 16 })
  status!: BillStatus;

  @Column({ name: 'run_id', type: 'varchar', length: 40 })
  runId!: string;

  @Column({ name: 'generated_at', type: 'bigint', transformer: BIGINT })
  generatedAt!: number;
}
