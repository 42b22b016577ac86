import { Column, Entity, PrimaryColumn } from 'typeorm';
import { BIGINT } from '../../database/columns';
import { BillStatus } from './bill.entity';

export type RunTrigger = 'manual' | 'scheduled';
export type RunStatus = 'running' | 'succeeded' | 'failed';

/** One clearing of one settlement date, recorded before it starts and updated when it ends. */
@Entity('clearing_runs')
export class ClearingRunEntity {
  @PrimaryColumn({ name: 'run_id', type: 'varchar', length: 40 })
  runId!: string;

  @Column({ name: 'settlement_date', type: 'varchar', length: 10 })
  settlementDate!: string;

  @Column({ name: 'triggered_by', type: 'varchar', length: 16 })
  trigger!: RunTrigger;

  /**
   * The date again for scheduled runs, null for manual ones: unique, so however many
   * instances fire the daily job, one scheduled run per date is claimed.
   */
  @Column({ name: 'scheduled_date', type: 'varchar', length: 10, nullable: true })
  scheduledDate!: string | null;

  @Column({ type: 'varchar', length: 16 })
  status!: RunStatus;

  /** provisional while the date has not ended when the run starts, else final. */
  @Column({ name: 'bill_status', type: 'varchar', length: 16 })
  billStatus!: BillStatus;

  @Column({ name: 'bill_count', type: 'integer', nullable: true })
  billCount!: number | null;

  @Column({ type: 'varchar', length: 512, nullable: true })
  error!: string | null;

  @Column({ name: 'started_at', type: 'bigint', transformer: BIGINT })
  startedAt!: number;

  @Column({ name: 'finished_at', type: 'bigint', nullable: true, transformer: BIGINT })
  finishedAt!: number | null;
}
