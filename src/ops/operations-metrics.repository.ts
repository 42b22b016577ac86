import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { toSafeIntegerOrZero } from '../database/columns';
import { Database } from '../database/database.service';

/** Backlog of a background job: rows it has to handle now, and how long the oldest has waited. */
export interface Backlog {
  count: number;
  oldestDueAt: number | null;
}

/** The whole-system readings /metrics shows, read at scrape time so every instance agrees. */
@Injectable()
export class OperationsMetricsRepository {
  /** When the last clearing run that succeeded finished (epoch ms), null if none has. */
  async lastClearingSuccess(em: EntityManager): Promise<number | null> {
    const { rows } = await Database.sql<{ at: unknown }>(
      em,
      `SELECT MAX(finished_at) AS at FROM clearing_runs WHERE status = 'succeeded'`,
    );
    return rows[0]?.at === null || rows[0]?.at === undefined
      ? null
      : toSafeIntegerOrZero(rows[0].at);
  }

  /** The discrepancies of the latest reconciliation of each channel, as stored (JSON text). */
  async latestDiscrepancies(em: EntityManager): Promise<string[]> {
    const { rows } = await Database.sql<{ discrepancies: string }>(
      em,
      `SELECT r.discrepancies AS discrepancies FROM reconciliations r
       JOIN (SELECT channel_code, MAX(created_at) AS at FROM reconciliations GROUP BY channel_code) l
         ON l.channel_code = r.channel_code AND l.at = r.created_at`,
    );
    return rows.map((r) => r.discrepancies);
  }

  /** Pending orders past their expiry: the expiry sweep's work. */
  async sweepBacklog(em: EntityManager, now: number): Promise<Backlog> {
    return this.backlog(
      em,
      `SELECT COUNT(*) AS n, MIN(expires_at) AS oldest FROM orders
       WHERE status = 'PENDING' AND expires_at < :now`,
      now,
    );
  }

  /** Pending orders whose status query is due: the status sync's work. */
  async syncBacklog(em: EntityManager, now: number): Promise<Backlog> {
    return this.backlog(
      em,
      `SELECT COUNT(*) AS n, MIN(next_sync_at) AS oldest FROM orders
       WHERE status = 'PENDING' AND next_sync_at IS NOT NULL AND next_sync_at <= :now`,
      now,
    );
  }

  private async backlog(em: EntityManager, sql: string, now: number): Promise<Backlog> {
    const { rows } = await Database.sql<{ n: unknown; oldest: unknown }>(em, sql, { now });
    const oldest = rows[0]?.oldest;
    return {
      count: toSafeIntegerOrZero(rows[0]?.n),
      oldestDueAt: oldest === null || oldest === undefined ? null : toSafeIntegerOrZero(oldest),
    };
  }
}
