import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { toSafeIntegerOrZero } from '../database/columns';
import { Database } from '../database/database.service';
import {
  DeliveryStatus,
  WebhookEventEntity,
  WebhookEventType,
} from './entities/webhook-event.entity';

export interface EventListFilter {
  sourceId?: number;
  orderId?: string;
  type?: WebhookEventType;
  deliveryStatus?: DeliveryStatus;
  beforeId?: string;
  limit: number;
}

/** Where an attempt leaves its event, decided by the worker from the outcome and the schedule. */
export interface AttemptResult {
  deliveryStatus: DeliveryStatus;
  nextAttemptAt: number | null;
  deliveredAt: number | null;
}

/**
 * Due: pending, its time has come, and nobody holds a live claim on it. Claims are timed by the
 * database's clock (`dbNow`), so instances whose clocks disagree or jump never overlap.
 */
const due = (dbNow: string) => `delivery_status = 'pending' AND next_attempt_at <= :now
  AND (claim_until IS NULL OR claim_until < ${dbNow})`;

/**
 * The outbox as the delivery worker and the events API see it. The worker's claim and its
 * result are conditional UPDATEs, so instances sharing the database never attempt one event at
 * the same time, and an instance that lost its claim (it stalled past the lease) changes
 * nothing.
 */
@Injectable()
export class WebhookEventsRepository {
  /**
   * Claims up to `limit` due events, oldest due first, in one statement. On PostgreSQL
   * concurrent claimers skip each other's rows (FOR UPDATE SKIP LOCKED, picked once) and the
   * outer WHERE is re-checked on the row each one finally updates; SQLite runs one writer at a
   * time.
   */
  async claimDue(
    em: EntityManager,
    claim: { token: string; now: number; leaseMs: number; limit: number },
  ): Promise<WebhookEventEntity[]> {
    const dbNow = Database.nowSql(em);
    const set = `claimed_by = :token, claim_until = ${dbNow} + :leaseMs`;
    // PostgreSQL: the picked rows are materialized once; as `IN (subquery)` the planner may run
    // the subquery again while updating, each run skipping other claimers' rows, and one claim
    // then takes far more than `limit`
    const sql =
      em.connection.options.type === 'postgres'
        ? `WITH picked AS MATERIALIZED (
             SELECT id AS picked_id FROM webhook_events WHERE ${due(dbNow)}
             ORDER BY next_attempt_at, id LIMIT :limit FOR UPDATE SKIP LOCKED)
           UPDATE webhook_events SET ${set} FROM picked
           WHERE id = picked.picked_id AND ${due(dbNow)}
           RETURNING webhook_events.*`
        : `UPDATE webhook_events SET ${set}
           WHERE id IN (SELECT id FROM webhook_events WHERE ${due(dbNow)}
                        ORDER BY next_attempt_at, id LIMIT :limit)
             AND ${due(dbNow)}
           RETURNING *`;
    const { rows } = await Database.sql(em, sql, claim);
    return rows.map((row) => Database.hydrate(em, WebhookEventEntity, row));
  }

  /**
   * Counts the attempt and, if the event was not redelivered meanwhile, applies its result; in
   * both cases the claim is released. False when the claim is no longer this worker's.
   */
  async finishAttempt(
    em: EntityManager,
    attempt: { id: string; token: string; redeliveryCount: number } & AttemptResult,
  ): Promise<boolean> {
    const unchanged = 'redelivery_count = :redeliveryCount';
    const { affected } = await Database.sql(
      em,
      `UPDATE webhook_events SET
         attempt_count = attempt_count + 1,
         schedule_step = CASE WHEN ${unchanged} THEN schedule_step + 1 ELSE schedule_step END,
         delivery_status = CASE WHEN ${unchanged} THEN :deliveryStatus ELSE delivery_status END,
         next_attempt_at = CASE WHEN ${unchanged} THEN :nextAttemptAt ELSE next_attempt_at END,
         delivered_at = CASE WHEN ${unchanged} THEN :deliveredAt ELSE delivered_at END,
         claimed_by = NULL, claim_until = NULL
       WHERE id = :id AND claimed_by = :token
       RETURNING id`,
      { ...attempt },
    );
    return affected > 0;
  }

  /**
   * Due again now with a fresh retry schedule. A claim in force stays (the attempt in flight
   * finishes alone); bumping `redelivery_count` keeps its result from undoing this.
   */
  async redeliver(em: EntityManager, id: string, now: number): Promise<WebhookEventEntity | null> {
    const { rows } = await Database.sql(
      em,
      `UPDATE webhook_events SET delivery_status = 'pending', next_attempt_at = :now,
         delivered_at = NULL, schedule_step = 0, redelivery_count = redelivery_count + 1
       WHERE id = :id
       RETURNING *`,
      { id, now },
    );
    return rows[0] ? Database.hydrate(em, WebhookEventEntity, rows[0]) : null;
  }

  findById(em: EntityManager, id: string): Promise<WebhookEventEntity | null> {
    return em.findOneBy(WebhookEventEntity, { id });
  }

  /** Newest first; event ids sort by creation time. */
  list(em: EntityManager, filter: EventListFilter): Promise<WebhookEventEntity[]> {
    const qb = em
      .createQueryBuilder(WebhookEventEntity, 'e')
      .orderBy('e.id', 'DESC')
      .take(filter.limit + 1);
    if (filter.sourceId !== undefined)
      qb.andWhere('e.source_id = :sourceId', { sourceId: filter.sourceId });
    if (filter.orderId !== undefined)
      qb.andWhere('e.order_id = :orderId', { orderId: filter.orderId });
    if (filter.type !== undefined) qb.andWhere('e.type = :type', { type: filter.type });
    if (filter.deliveryStatus !== undefined)
      qb.andWhere('e.delivery_status = :deliveryStatus', { deliveryStatus: filter.deliveryStatus });
    if (filter.beforeId !== undefined) qb.andWhere('e.id < :before', { before: filter.beforeId });
    return qb.getMany();
  }

  /** How many events are due now and since when the longest-waiting one has been due. */
  async dueQueue(
    em: EntityManager,
    now: number,
  ): Promise<{ depth: number; oldestDueAt: number | null }> {
    const { rows } = await Database.sql<{ depth: unknown; oldest: unknown }>(
      em,
      `SELECT COUNT(*) AS depth, MIN(next_attempt_at) AS oldest FROM webhook_events
       WHERE delivery_status = 'pending' AND next_attempt_at <= :now`,
      { now },
    );
    const oldest = rows[0]?.oldest;
    return {
      depth: toSafeIntegerOrZero(rows[0]?.depth),
      oldestDueAt: oldest === null || oldest === undefined ? null : toSafeIntegerOrZero(oldest),
    };
  }
}
