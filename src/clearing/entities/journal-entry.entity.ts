import { Column, Entity, PrimaryColumn } from 'typeorm';
import { BIGINT } from '../../database/columns';
import { EntryKind, Movement } from '../journal';

/**
 * A journal entry: one money movement (a payment, a refund) or a fix to one (reversal,
 * correction). Rows are only ever inserted: never updated, never deleted.
 */
@Entity('journal_entries')
export class JournalEntryEntity {
  /** `je_…`, time-ordered. */
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id!: string;

  /** `payment:<order_id>`, `refund:<refund_id>`, `reversal:<entry_id>`…: unique, so a movement is posted at most once. */
  @Column({ name: 'movement_key', type: 'varchar', length: 64 })
  movementKey!: string;

  @Column({ type: 'varchar', length: 16 })
  kind!: EntryKind;

  /** The side of the merchant's bill the entry lands on (a reversal keeps its original's). */
  @Column({ type: 'varchar', length: 16 })
  movement!: Movement;

  @Column({ name: 'order_id', type: 'varchar', length: 40 })
  orderId!: string;

  @Column({ name: 'refund_id', type: 'varchar', length: 40, nullable: true })
  refundId!: string | null;

  @Column({ name: 'source_id', type: 'bigint', transformer: BIGINT })
  sourceId!: number;

  @Column({ name: 'channel_id', type: 'varchar', length: 40 })
  channelId!: string;

  @Column({ name: 'channel_code', type: 'varchar', length: 32 })
  channelCode!: string;

  @Column({ type: 'varchar', length: 3 })
  currency!: string;

  /** The day in SETTLEMENT_TZ of `created_at`: the bill the entry is on. */
  @Column({ name: 'settlement_date', type: 'varchar', length: 10 })
  settlementDate!: string;

  /** The entry a reversal undoes or a correction replaces. */
  @Column({ name: 'related_entry_id', type: 'varchar', length: 40, nullable: true })
  relatedEntryId!: string | null;

  /** Why a reversal or correction was made. */
  @Column({ type: 'varchar', length: 256, nullable: true })
  memo!: string | null;

  /** When the gateway recorded the movement (epoch ms). */
  @Column({ name: 'created_at', type: 'bigint', transformer: BIGINT })
  createdAt!: number;
}
