import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { toSafeIntegerOrZero } from '../database/columns';
import { Database } from '../database/database.service';
import { PAID_STATUSES } from '../payments/order-state';
import { Span } from './stats-range';

/** Orders created in a span, by currency. */
export interface OrderFigures {
  currency: string;
  created: number;
  succeeded: number;
  failed: number;
  closed: number;
  createdAmount: number;
  paidAmount: number;
  failedAmount: number;
  closedAmount: number;
  feeAmount: number;
}

/** Refunds completed in a span, by currency. */
export interface RefundFigures {
  currency: string;
  count: number;
  amount: number;
  feeAmount: number;
}

export interface BucketFigures {
  created: number;
  succeeded: number;
  failed: number;
  closed: number;
  createdAmount: number;
  paidAmount: number;
  feeAmount: number;
  refunds: number;
  refundAmount: number;
}

/** Attempts of one channel with one outcome, failure reason and latency. */
export interface ChannelAttemptCount {
  channelCode: string;
  event: 'started' | 'succeeded' | 'failed';
  reason: string | null;
  latencyMs: number | null;
  count: number;
}

export interface WebhookFigures {
  events: { pending: number; delivered: number; failed: number };
  attempts: { succeeded: number; failed: number };
  dueNow: number;
  oldestDue: { eventId: string; createdAt: number; nextAttemptAt: number } | null;
}

const n = toSafeIntegerOrZero;
const PAID = `o.status IN (${PAID_STATUSES.map((s) => `'${s}'`).join(', ')})`;
/** The figures of a set of orders `o` by outcome, for the overview and for each bucket. */
const ORDER_AGGREGATES = `SUM(CASE WHEN ${PAID} THEN 1 ELSE 0 END) AS succeeded,
  SUM(CASE WHEN o.status = 'FAILED' THEN 1 ELSE 0 END) AS failed,
  SUM(CASE WHEN o.status = 'CLOSED' THEN 1 ELSE 0 END) AS closed,
  SUM(o.amount) AS created_amount,
  SUM(CASE WHEN ${PAID} THEN o.amount ELSE 0 END) AS paid_amount,
  SUM(CASE WHEN o.status = 'FAILED' THEN o.amount ELSE 0 END) AS failed_amount,
  SUM(CASE WHEN o.status = 'CLOSED' THEN o.amount ELSE 0 END) AS closed_amount,
  SUM(CASE WHEN ${PAID} THEN o.fee_amount ELSE 0 END) AS fee_amount`;

/**
 * The dashboards' figures, each one SQL statement of aggregates over a time range, the same on
 * SQLite and PostgreSQL. Time buckets arrive as UTC instants worked out in the settlement time
 * zone (stats-range.ts); the database groups rows into them with a join on the bucket table,
 * each bucket one range scan of an index on the time column. `sourceId` undefined means every
 * merchant.
 */
@Injectable()
export class StatsRepository {
  async orderFigures(em: EntityManager, span: Span, sourceId?: number): Promise<OrderFigures[]> {
    const { rows } = await Database.sql<Record<string, unknown>>(
      em,
      `SELECT o.currency AS currency, COUNT(*) AS created,
         ${ORDER_AGGREGATES}
       FROM orders o
       WHERE o.created_at >= :from AND o.created_at < :to${merchant('o', sourceId)}
       GROUP BY o.currency ORDER BY o.currency`,
      { ...span, sourceId },
    );
    return rows.map((r) => ({
      currency: String(r.currency),
      created: n(r.created),
      succeeded: n(r.succeeded),
      failed: n(r.failed),
      closed: n(r.closed),
      createdAmount: n(r.created_amount),
      paidAmount: n(r.paid_amount),
      failedAmount: n(r.failed_amount),
      closedAmount: n(r.closed_amount),
      feeAmount: n(r.fee_amount),
    }));
  }

  async refundFigures(em: EntityManager, span: Span, sourceId?: number): Promise<RefundFigures[]> {
    const { rows } = await Database.sql<Record<string, unknown>>(
      em,
      `SELECT r.currency AS currency, COUNT(*) AS count, SUM(r.amount) AS amount,
         SUM(r.fee_amount) AS fee_amount
       FROM refunds r
       WHERE r.status = 'SUCCEEDED' AND r.completed_at >= :from AND r.completed_at < :to${merchant('r', sourceId)}
       GROUP BY r.currency ORDER BY r.currency`,
      { ...span, sourceId },
    );
    return rows.map((r) => ({
      currency: String(r.currency),
      count: n(r.count),
      amount: n(r.amount),
      feeAmount: n(r.fee_amount),
    }));
  }

  /** Every figure of a time series, per bucket, in bucket order (zero where nothing happened). */
  async bucketFigures(
    em: EntityManager,
    spans: Span[],
    options: { sourceId?: number; currency?: string },
  ): Promise<BucketFigures[]> {
    const { table, params } = bucketTable(spans);
    const currency = options.currency === undefined ? '' : ` AND o.currency = :currency`;
    const refundCurrency = options.currency === undefined ? '' : ` AND r.currency = :currency`;
    const common = { ...params, sourceId: options.sourceId, currency: options.currency };
    const orders = await Database.sql<Record<string, unknown>>(
      em,
      `WITH buckets (i, lo, hi) AS (${table})
       SELECT b.i AS i, COUNT(o.order_id) AS created,
         ${ORDER_AGGREGATES}
       FROM buckets b LEFT JOIN orders o
         ON o.created_at >= b.lo AND o.created_at < b.hi${merchant('o', options.sourceId)}${currency}
       GROUP BY b.i ORDER BY b.i`,
      common,
    );
    const refunds = await Database.sql<Record<string, unknown>>(
      em,
      `WITH buckets (i, lo, hi) AS (${table})
       SELECT b.i AS i, COUNT(r.refund_id) AS refunds, SUM(r.amount) AS refund_amount
       FROM buckets b LEFT JOIN refunds r
         ON r.status = 'SUCCEEDED' AND r.completed_at >= b.lo AND r.completed_at < b.hi${merchant('r', options.sourceId)}${refundCurrency}
       GROUP BY b.i ORDER BY b.i`,
      common,
    );
    return orders.rows.map((o, i) => ({
      created: n(o.created),
      succeeded: n(o.succeeded),
      failed: n(o.failed),
      closed: n(o.closed),
      createdAmount: n(o.created_amount),
      paidAmount: n(o.paid_amount),
      feeAmount: n(o.fee_amount),
      refunds: n(refunds.rows[i]?.refunds),
      refundAmount: n(refunds.rows[i]?.refund_amount),
    }));
  }

  /**
   * Provider attempts per channel in one pass: counted by channel, outcome, failure reason and
   * latency, so the percentiles come from the latency histogram (a hash aggregate) rather than
   * from sorting every attempt.
   */
  async channelAttempts(
    em: EntityManager,
    span: Span,
    sourceId?: number,
  ): Promise<ChannelAttemptCount[]> {
    const { rows } = await Database.sql<Record<string, unknown>>(
      em,
      `SELECT a.channel_code AS channel_code, a.event AS event, a.failure_reason AS reason,
         a.latency_ms AS latency_ms, COUNT(*) AS count
       FROM payment_attempts a${attemptsOfMerchant(sourceId)}
       WHERE a.created_at >= :from AND a.created_at < :to
       GROUP BY a.channel_code, a.event, a.failure_reason, a.latency_ms`,
      { ...span, sourceId },
    );
    return rows.map((r) => ({
      channelCode: String(r.channel_code),
      event: String(r.event) as ChannelAttemptCount['event'],
      reason: r.reason === null ? null : String(r.reason),
      latencyMs: r.latency_ms === null ? null : n(r.latency_ms),
      count: n(r.count),
    }));
  }

  /** The circuit rows of the live channels, by code. */
  async liveCircuits(
    em: EntityManager,
  ): Promise<
    { code: string; openUntil: number | null; trialUntil: number | null; failures: number }[]
  > {
    const { rows } = await Database.sql<Record<string, unknown>>(
      em,
      `SELECT c.code AS code, h.open_until AS open_until, h.trial_until AS trial_until,
         h.consecutive_failures AS failures
       FROM channels c LEFT JOIN channel_health h ON h.channel_id = c.id
       WHERE c.deleted_at IS NULL`,
    );
    return rows.map((r) => ({
      code: String(r.code),
      openUntil: r.open_until === null ? null : n(r.open_until),
      trialUntil: r.trial_until === null ? null : n(r.trial_until),
      failures: n(r.failures),
    }));
  }

  async webhookFigures(
    em: EntityManager,
    span: Span,
    now: number,
    sourceId?: number,
  ): Promise<WebhookFigures> {
    const params = { ...span, now, sourceId };
    const events = await Database.sql<Record<string, unknown>>(
      em,
      `SELECT e.delivery_status AS status, COUNT(*) AS count FROM webhook_events e
       WHERE e.created_at >= :from AND e.created_at < :to${merchant('e', sourceId)}
       GROUP BY e.delivery_status`,
      params,
    );
    const attempts = await Database.sql<Record<string, unknown>>(
      em,
      `SELECT SUM(CASE WHEN w.status_code BETWEEN 200 AND 299 THEN 1 ELSE 0 END) AS succeeded,
         SUM(CASE WHEN w.status_code BETWEEN 200 AND 299 THEN 0 ELSE 1 END) AS failed
       FROM webhook_attempts w${
         sourceId === undefined
           ? ''
           : ' JOIN webhook_events e ON e.id = w.event_id AND e.source_id = :sourceId'
       }
       WHERE w.attempted_at >= :from AND w.attempted_at < :to`,
      params,
    );
    const due = await Database.sql<Record<string, unknown>>(
      em,
      `SELECT COUNT(*) AS count, MIN(e.next_attempt_at) AS oldest FROM webhook_events e
       WHERE e.delivery_status = 'pending' AND e.next_attempt_at <= :now${merchant('e', sourceId)}`,
      params,
    );
    const oldestAt = due.rows[0]?.oldest;
    const oldest =
      oldestAt === null || oldestAt === undefined
        ? []
        : (
            await Database.sql<Record<string, unknown>>(
              em,
              `SELECT e.id AS id, e.created_at AS created_at, e.next_attempt_at AS next_attempt_at
               FROM webhook_events e
               WHERE e.delivery_status = 'pending' AND e.next_attempt_at = :oldest${merchant('e', sourceId)}
               ORDER BY e.created_at LIMIT 1`,
              { oldest: n(oldestAt), sourceId },
            )
          ).rows;
    const byStatus = new Map(events.rows.map((r) => [String(r.status), n(r.count)]));
    return {
      events: {
        pending: byStatus.get('pending') ?? 0,
        delivered: byStatus.get('delivered') ?? 0,
        failed: byStatus.get('failed') ?? 0,
      },
      attempts: { succeeded: n(attempts.rows[0]?.succeeded), failed: n(attempts.rows[0]?.failed) },
      dueNow: n(due.rows[0]?.count),
      oldestDue: oldest[0]
        ? {
            eventId: String(oldest[0].id),
            createdAt: n(oldest[0].created_at),
            nextAttemptAt: n(oldest[0].next_attempt_at),
          }
        : null,
    };
  }
}

function merchant(alias: string, sourceId: number | undefined): string {
  return sourceId === undefined ? '' : ` AND ${alias}.source_id = :sourceId`;
}

function attemptsOfMerchant(sourceId: number | undefined): string {
  return sourceId === undefined
    ? ''
    : ' JOIN orders o ON o.order_id = a.order_id AND o.source_id = :sourceId';
}

/** The buckets as a VALUES table (i, lo, hi) of bound integers. */
function bucketTable(spans: Span[]): { table: string; params: Record<string, number> } {
  const params: Record<string, number> = {};
  const rows = spans.map((span, i) => {
    params[`lo${i}`] = span.from;
    params[`hi${i}`] = span.to;
    return `(${i}, CAST(:lo${i} AS BIGINT), CAST(:hi${i} AS BIGINT))`;
  });
  return { table: `VALUES ${rows.join(', ')}`, params };
}
