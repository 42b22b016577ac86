import { Column, Entity, PrimaryColumn } from 'typeorm';
import { BIGINT } from '../../database/columns';
import { EntryKind } from '../journal';

/**
 * One movement on a bill: one journal entry. `entry_id` is unique across all bills, so a
 * movement is on exactly one bill. Signed: refunds and reversals of payments are negative.
 */
@Entity('bill_lines')
export class BillLineEntity {
  @PrimaryColumn({ name: 'bill_id', type: 'varchar', length: 48 })
  billId!: string;

  /** 1, 2, … in the order the movements were recorded. */
  @PrimaryColumn({ name: 'line_no', type: 'integer' })
  lineNo!: number;

  @Column({ name: 'entry_id', type: 'varchar', length: 40 })
  entryId!: string;

  @Column({ type: 'varchar', length: 16 })
  type!: EntryKind;

  @Column({ name: 'order_id', type: 'varchar', length: 40 })
  orderId!: string;

  @Column({ name: 'refund_id', type: 'varchar', length: 40, nullable: true })
  refundId!: string | null;

  @Column({ name: 'merchant_order_no', type: 'varchar', length: 64, nullable: true })
  merchantOrderNo!: string | null;

  @Column({ name: 'channel_code', type: 'varchar', length: 32 })
  channelCode!: string;

  @Column({ type: 'bigint', transformer: BIGINT })
  amount!: number;

  @Column({ type: 'bigint', transformer: BIGINT })
  fee!: number;

  @Column({ type: 'bigint', transformer: BIGINT })
  net!: number;

  @Column({ name: 'occurred_at', type: 'bigint', transformer: BIGINT })
  occurredAt!: number;
}
