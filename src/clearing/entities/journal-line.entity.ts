import { Column, Entity, PrimaryColumn } from 'typeorm';
import { BIGINT } from '../../database/columns';
import { AccountType } from '../journal';

/** One side of a journal entry. Inserted with its entry; never updated or deleted. */
@Entity('journal_lines')
export class JournalLineEntity {
  @PrimaryColumn({ name: 'entry_id', type: 'varchar', length: 40 })
  entryId!: string;

  @PrimaryColumn({ name: 'line_no', type: 'integer' })
  lineNo!: number;

  /** `channel:<channel_id>:receivable`, `merchant:<source_id>:payable` or `fee_income`. */
  @Column({ type: 'varchar', length: 80 })
  account!: string;

  @Column({ name: 'account_type', type: 'varchar', length: 24 })
  accountType!: AccountType;

  @Column({ type: 'varchar', length: 3 })
  currency!: string;

  /** Integer minor units; one of debit and credit is zero. */
  @Column({ type: 'bigint', transformer: BIGINT })
  debit!: number;

  @Column({ type: 'bigint', transformer: BIGINT })
  credit!: number;
}
