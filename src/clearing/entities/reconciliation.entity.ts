import { Column, Entity, PrimaryColumn } from 'typeorm';
import { BIGINT } from '../../database/columns';

/** The result of comparing a channel's statement for a date with the gateway's records. */
@Entity('reconciliations')
export class ReconciliationEntity {
  @PrimaryColumn({ name: 'reconciliation_id', type: 'varchar', length: 40 })
  reconciliationId!: string;

  @Column({ name: 'settlement_date', type: 'varchar', length: 10 })
  settlementDate!: string;

  @Column({ name: 'channel_code', type: 'varchar', length: 32 })
  channelCode!: string;

  @Column({ name: 'statement_line_count', type: 'integer' })
  statementLineCount!: number;

  @Column({ name: 'matched_count', type: 'integer' })
  matchedCount!: number;

  @Column({ name: 'discrepancy_count', type: 'integer' })
  discrepancyCount!: number;

  /** JSON array of discrepancies, as answered. */
  @Column({ type: 'text' })
  discrepancies!: string;

  @Column({ name: 'created_at', type: 'bigint', transformer: BIGINT })
  createdAt!: number;
}
