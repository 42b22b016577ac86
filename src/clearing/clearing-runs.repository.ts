import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Database } from '../database/database.service';
import { ClearingRunEntity, RunStatus } from './entities/clearing-run.entity';

@Injectable()
export class ClearingRunsRepository {
  /**
   * Records a run before it starts. A scheduled run carries its date in `scheduled_date`,
   * which is unique: false when another instance already claimed that date's scheduled run.
   */
  async insert(em: EntityManager, run: ClearingRunEntity): Promise<boolean> {
    const { affected } = await Database.sql(
      em,
      `INSERT INTO clearing_runs (run_id, settlement_date, triggered_by, scheduled_date, status, bill_status,
         bill_count, error, started_at, finished_at)
       VALUES (:runId, :settlementDate, :trigger, :scheduledDate, :status, :billStatus,
         :billCount, :error, :startedAt, :finishedAt)
       ON CONFLICT (scheduled_date) DO NOTHING
       RETURNING run_id`,
      { ...run },
    );
    return affected > 0;
  }

  /** running → succeeded or failed, once. */
  async finish(
    em: EntityManager,
    runId: string,
    outcome: {
      status: Exclude<RunStatus, 'running'>;
      billCount: number | null;
      error: string | null;
    },
    now: number,
  ): Promise<ClearingRunEntity | null> {
    const { rows } = await Database.sql(
      em,
      `UPDATE clearing_runs SET status = :status, bill_count = :billCount, error = :error, finished_at = :now
       WHERE run_id = :runId AND status = 'running'
       RETURNING *`,
      { runId, ...outcome, error: outcome.error?.slice(0, 512) ?? null, now },
    );
    return rows[0] ? Database.hydrate(em, ClearingRunEntity, rows[0]) : null;
  }

  /** Newest first. */
  list(
    em: EntityManager,
    filter: { date?: string; beforeRunId?: string; limit: number },
  ): Promise<ClearingRunEntity[]> {
    const qb = em
      .createQueryBuilder(ClearingRunEntity, 'r')
      .orderBy('r.run_id', 'DESC')
      .take(filter.limit + 1);
    if (filter.date) qb.andWhere('r.settlement_date = :date', { date: filter.date });
    if (filter.beforeRunId) qb.andWhere('r.run_id < :before', { before: filter.beforeRunId });
    return qb.getMany();
  }
}
