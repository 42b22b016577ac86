import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { toSafeInteger, toSafeIntegerOrZero } from '../../database/columns';
import { Database } from '../../database/database.service';
import { CircuitRow } from './circuit-breaker';

interface CircuitRecord {
  channel_id: string;
  consecutive_failures: unknown;
  open_until: unknown;
  trial_until: unknown;
}

const CIRCUIT_COLUMNS = 'channel_id, consecutive_failures, open_until, trial_until';

function toCircuit(row: CircuitRecord): CircuitRow {
  return {
    consecutiveFailures: toSafeInteger(row.consecutive_failures),
    openUntil: row.open_until === null ? null : toSafeInteger(row.open_until),
    trialUntil: row.trial_until === null ? null : toSafeInteger(row.trial_until),
  };
}

export interface DailyCounts {
  channelId: string;
  settlementDate: string;
  successes: number;
  failures: number;
}

export interface DailyVolume {
  channelId: string;
  settlementDate: string;
  currency: string;
  amount: number;
}

/**
 * Circuit state, daily counters and volumes. Every write is one statement whose condition
 * makes it safe when several instances write at once: increments are additive, state changes
 * are conditional and RETURNING says whether they applied.
 */
@Injectable()
export class ChannelHealthRepository {
  async insertClosed(em: EntityManager, channelId: string, now: number): Promise<void> {
    await Database.sql(
      em,
      `INSERT INTO channel_health (channel_id, consecutive_failures, open_until, trial_until, updated_at)
       VALUES (:channelId, 0, NULL, NULL, :now)`,
      { channelId, now },
    );
  }

  /** Circuits of the live channels. */
  async liveCircuits(em: EntityManager): Promise<Map<string, CircuitRow>> {
    const { rows } = await Database.sql<CircuitRecord>(
      em,
      `SELECT h.channel_id, h.consecutive_failures, h.open_until, h.trial_until
       FROM channel_health h JOIN channels c ON c.id = h.channel_id
       WHERE c.deleted_at IS NULL`,
    );
    return new Map(rows.map((r) => [r.channel_id, toCircuit(r)]));
  }

  async circuitsOf(em: EntityManager, channelIds: string[]): Promise<Map<string, CircuitRow>> {
    if (channelIds.length === 0) return new Map();
    const { rows } = await Database.sql<CircuitRecord>(
      em,
      `SELECT ${CIRCUIT_COLUMNS} FROM channel_health WHERE channel_id IN (:...channelIds)`,
      { channelIds },
    );
    return new Map(rows.map((r) => [r.channel_id, toCircuit(r)]));
  }

  /**
   * One more consecutive failure; the threshold-th (and any after it, such as a failed
   * half-open trial) opens the circuit until `reopenUntil`.
   */
  async recordFailure(
    em: EntityManager,
    channelId: string,
    threshold: number,
    now: number,
    reopenUntil: number,
  ): Promise<CircuitRow | null> {
    const { rows } = await Database.sql<CircuitRecord>(
      em,
      `UPDATE channel_health SET
         consecutive_failures = consecutive_failures + 1,
         open_until = CASE WHEN consecutive_failures + 1 >= :threshold THEN :reopenUntil ELSE open_until END,
         trial_until = NULL,
         updated_at = :now
       WHERE channel_id = :channelId
       RETURNING ${CIRCUIT_COLUMNS}`,
      { channelId, threshold, now, reopenUntil },
    );
    return rows[0] ? toCircuit(rows[0]) : null;
  }

  /** A success closes the circuit and clears the failure run. */
  async close(em: EntityManager, channelId: string, now: number): Promise<CircuitRow | null> {
    const { rows } = await Database.sql<CircuitRecord>(
      em,
      `UPDATE channel_health SET consecutive_failures = 0, open_until = NULL, trial_until = NULL,
         updated_at = :now
       WHERE channel_id = :channelId
       RETURNING ${CIRCUIT_COLUMNS}`,
      { channelId, now },
    );
    return rows[0] ? toCircuit(rows[0]) : null;
  }

  /** Claims the one half-open trial: only when the open period is over and no trial is in flight. */
  async claimTrial(
    em: EntityManager,
    channelId: string,
    now: number,
    trialUntil: number,
  ): Promise<CircuitRow | null> {
    const { rows } = await Database.sql<CircuitRecord>(
      em,
      `UPDATE channel_health SET trial_until = :trialUntil, updated_at = :now
       WHERE channel_id = :channelId AND open_until IS NOT NULL AND open_until <= :now
         AND (trial_until IS NULL OR trial_until <= :now)
       RETURNING ${CIRCUIT_COLUMNS}`,
      { channelId, now, trialUntil },
    );
    return rows[0] ? toCircuit(rows[0]) : null;
  }

  /** Gives a trial back unused (the provider refused the request, which says nothing of health). */
  async releaseTrial(em: EntityManager, channelId: string, now: number): Promise<void> {
    await Database.sql(
      em,
      `UPDATE channel_health SET trial_until = NULL, updated_at = :now
       WHERE channel_id = :channelId AND open_until IS NOT NULL`,
      { channelId, now },
    );
  }

  async addCounts(em: EntityManager, counts: DailyCounts): Promise<void> {
    await Database.sql(
      em,
      `INSERT INTO channel_daily_stats (channel_id, settlement_date, successes, failures)
       VALUES (:channelId, :settlementDate, :successes, :failures)
       ON CONFLICT (channel_id, settlement_date) DO UPDATE SET
         successes = channel_daily_stats.successes + excluded.successes,
         failures = channel_daily_stats.failures + excluded.failures`,
      { ...counts },
    );
  }

  async countsOn(
    em: EntityManager,
    channelIds: string[],
    settlementDate: string,
  ): Promise<DailyCounts[]> {
    if (channelIds.length === 0) return [];
    const { rows } = await Database.sql<Record<string, unknown>>(
      em,
      `SELECT channel_id, successes, failures FROM channel_daily_stats
       WHERE settlement_date = :settlementDate AND channel_id IN (:...channelIds)`,
      { channelIds, settlementDate },
    );
    return rows.map((r) => ({
      channelId: String(r.channel_id),
      settlementDate,
      successes: toSafeIntegerOrZero(r.successes),
      failures: toSafeIntegerOrZero(r.failures),
    }));
  }

  async addVolume(em: EntityManager, volume: DailyVolume): Promise<void> {
    await Database.sql(
      em,
      `INSERT INTO channel_daily_volume (channel_id, settlement_date, currency, amount)
       VALUES (:channelId, :settlementDate, :currency, :amount)
       ON CONFLICT (channel_id, settlement_date, currency) DO UPDATE SET
         amount = channel_daily_volume.amount + excluded.amount`,
      { ...volume },
    );
  }

  /**
   * Reserves `amount` of a channel's daily limit in one conditional statement: the new total,
   * or null when it would pass `limit`. Row locking (PostgreSQL) or the single writer (SQLite)
   * makes concurrent reservations queue, so the total never overshoots.
   */
  async reserve(em: EntityManager, volume: DailyVolume, limit: number): Promise<number | null> {
    const { rows } = await Database.sql<{ amount: unknown }>(
      em,
      `INSERT INTO channel_daily_volume (channel_id, settlement_date, currency, amount)
       VALUES (:channelId, :settlementDate, :currency, :amount)
       ON CONFLICT (channel_id, settlement_date, currency) DO UPDATE SET
         amount = channel_daily_volume.amount + excluded.amount
       WHERE channel_daily_volume.amount + excluded.amount <= :limit
       RETURNING amount`,
      { ...volume, limit },
    );
    return rows[0] ? toSafeInteger(rows[0].amount) : null;
  }

  /** Gives back a reservation whose payment was not created; the new total. */
  async release(em: EntityManager, volume: DailyVolume): Promise<number | null> {
    const { rows } = await Database.sql<{ amount: unknown }>(
      em,
      `UPDATE channel_daily_volume SET amount = amount - :amount
       WHERE channel_id = :channelId AND settlement_date = :settlementDate AND currency = :currency
       RETURNING amount`,
      { ...volume },
    );
    return rows[0] ? toSafeInteger(rows[0].amount) : null;
  }

  /** Volumes of a settlement date; of the given channels, or of every channel. */
  async volumesOn(
    em: EntityManager,
    settlementDate: string,
    channelIds?: string[],
  ): Promise<DailyVolume[]> {
    if (channelIds?.length === 0) return [];
    const { rows } = await Database.sql<Record<string, unknown>>(
      em,
      `SELECT channel_id, currency, amount FROM channel_daily_volume
       WHERE settlement_date = :settlementDate
       ${channelIds ? 'AND channel_id IN (:...channelIds)' : ''}
       ORDER BY channel_id, currency`,
      { settlementDate, channelIds },
    );
    return rows.map((r) => ({
      channelId: String(r.channel_id),
      settlementDate,
      currency: String(r.currency),
      amount: toSafeIntegerOrZero(r.amount),
    }));
  }
}
