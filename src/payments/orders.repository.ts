import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { toSafeIntegerOrZero } from '../database/columns';
import { Database } from '../database/database.service';
import { ORDER_COLUMN_LIST } from './order-columns';
import { OrderEntity } from './entities/order.entity';
import { OrderStatus, TRANSITION_FROM } from './order-state';

/** A claim on due orders for one worker: see OrdersRepository.claimForExpiry. */
export interface OrderClaim {
  token: string;
  now: number;
  leaseMs: number;
  limit: number;
}

export interface OrderListFilter {
  sourceId?: number;
  status?: OrderStatus;
  channelCode?: string;
  createdFrom?: number;
  createdTo?: number;
  beforeOrderId?: string;
  limit: number;
}

/** The console's order search: every filter optional. */
export interface OrderSearch {
  sourceId?: number;
  status?: OrderStatus;
  channelCode?: string;
  createdFrom?: number;
  createdTo?: number;
  /** An order id, a merchant order number or a channel trade number, exactly. */
  text?: string;
  amountMin?: number;
  amountMax?: number;
  currency?: string;
}

export interface ChannelResult {
  channelId: string;
  channelCode: string;
  channelTradeNo: string | null;
  payUrl: string | null;
  feeAmount: number;
}

/**
 * The orders table. State changes are conditional UPDATEs on the states the state machine
 * allows (`TRANSITION_FROM`), returning the changed row; an empty result means another change
 * won the race, and the caller decides what that means.
 */
@Injectable()
export class OrdersRepository {
  async insert(em: EntityManager, order: OrderEntity): Promise<void> {
    await em.insert(OrderEntity, order);
  }

  /** The hot read of 订单查询: plain SQL, no query builder. */
  async findById(em: EntityManager, orderId: string): Promise<OrderEntity | null> {
    const { rows } = await Database.sql(
      em,
      `SELECT ${ORDER_COLUMN_LIST} FROM orders WHERE order_id = :orderId`,
      { orderId },
      { prepared: true },
    );
    return rows[0] ? Database.hydrate(em, OrderEntity, rows[0]) : null;
  }

  /**
   * The order, locked for the rest of the transaction on PostgreSQL (SELECT … FOR UPDATE);
   * SQLite runs one transaction at a time, so the plain SELECT is already exclusive there.
   */
  async findForUpdate(em: EntityManager, orderId: string): Promise<OrderEntity | null> {
    const lock = em.connection.options.type === 'postgres' ? ' FOR UPDATE' : '';
    const { rows } = await Database.sql(
      em,
      `SELECT * FROM orders WHERE order_id = :orderId${lock}`,
      { orderId },
    );
    return rows[0] ? Database.hydrate(em, OrderEntity, rows[0]) : null;
  }

  async findByMerchantOrderNo(
    em: EntityManager,
    sourceId: number,
    merchantOrderNo: string,
  ): Promise<OrderEntity | null> {
    const { rows } = await Database.sql(
      em,
      `SELECT * FROM orders WHERE source_id = :sourceId AND merchant_order_no = :merchantOrderNo`,
      { sourceId, merchantOrderNo },
    );
    return rows[0] ? Database.hydrate(em, OrderEntity, rows[0]) : null;
  }

  async findByIdempotencyKey(
    em: EntityManager,
    sourceId: number,
    idempotencyKey: string,
  ): Promise<OrderEntity | null> {
    const { rows } = await Database.sql(
      em,
      `SELECT * FROM orders WHERE source_id = :sourceId AND idempotency_key = :idempotencyKey`,
      { sourceId, idempotencyKey },
    );
    return rows[0] ? Database.hydrate(em, OrderEntity, rows[0]) : null;
  }

  /** The channel that took the order, its trade number and pay_url; only while PENDING. */
  async recordChannelResult(
    em: EntityManager,
    orderId: string,
    result: ChannelResult,
    now: number,
  ): Promise<OrderEntity | null> {
    return this.updateReturning(
      em,
      `UPDATE orders SET channel_id = :channelId, channel_code = :channelCode, channel_trade_no = :channelTradeNo,
         pay_url = :payUrl, fee_amount = :feeAmount, updated_at = :now
       WHERE order_id = :orderId AND status = 'PENDING'
       RETURNING *`,
      { ...result, orderId, now },
    );
  }

  /**
   * The success, from the states the state machine allows. With `channel`, the channel that was
   * paid takes an order that has none yet (the cashier's), with its fee, in the same update; an
   * order held by another channel is not changed.
   */
  async markSucceeded(
    em: EntityManager,
    orderId: string,
    fields: {
      paidAt: number;
      channelTradeNo: string | null;
      now: number;
      channel?: { channelId: string; channelCode: string; feeAmount: number };
    },
  ): Promise<OrderEntity | null> {
    const { channel, ...paid } = fields;
    const assign = channel
      ? `channel_id = COALESCE(channel_id, :channelId), channel_code = COALESCE(channel_code, :channelCode),
         fee_amount = CASE WHEN channel_id IS NULL THEN :feeAmount ELSE fee_amount END,`
      : '';
    const held = channel ? 'AND (channel_id IS NULL OR channel_id = :channelId)' : '';
    return this.updateReturning(
      em,
      `UPDATE orders SET status = 'SUCCEEDED', ${assign}
         late_payment = CASE WHEN status IN ('FAILED', 'CLOSED') THEN TRUE ELSE FALSE END,
         paid_at = :paidAt, channel_trade_no = COALESCE(:channelTradeNo, channel_trade_no),
         next_sync_at = NULL, updated_at = :now
       WHERE order_id = :orderId AND status IN (:...from) ${held}
       RETURNING *`,
      { ...paid, ...channel, orderId, from: [...TRANSITION_FROM.succeed] },
    );
  }

  async markFailed(em: EntityManager, orderId: string, now: number): Promise<OrderEntity | null> {
    return this.updateReturning(
      em,
      `UPDATE orders SET status = 'FAILED', next_sync_at = NULL, updated_at = :now
       WHERE order_id = :orderId AND status IN (:...from) RETURNING *`,
      { orderId, now, from: [...TRANSITION_FROM.fail] },
    );
  }

  async markClosed(em: EntityManager, orderId: string, now: number): Promise<OrderEntity | null> {
    return this.updateReturning(
      em,
      `UPDATE orders SET status = 'CLOSED', closed_at = :now, next_sync_at = NULL, updated_at = :now
       WHERE order_id = :orderId AND status IN (:...from) RETURNING *`,
      { orderId, now, from: [...TRANSITION_FROM.close] },
    );
  }

  /** markClosed for several orders in one statement; returns those it closed. */
  async markClosedMany(em: EntityManager, orderIds: string[], now: number): Promise<OrderEntity[]> {
    if (orderIds.length === 0) return [];
    const { rows } = await Database.sql(
      em,
      `UPDATE orders SET status = 'CLOSED', closed_at = :now, next_sync_at = NULL, updated_at = :now
       WHERE order_id IN (:...orderIds) AND status IN (:...from) RETURNING ${ORDER_COLUMN_LIST}`,
      { orderIds, now, from: [...TRANSITION_FROM.close] },
    );
    return rows.map((r) => Database.hydrate(em, OrderEntity, r));
  }

  /**
   * Sets aside `amount` of the order for a refund: refused (null) when the order is not in a
   * refundable state or the refunds not failed would pass the paid amount. One statement, so
   * concurrent refunds can never overshoot together.
   */
  async reserveRefund(
    em: EntityManager,
    orderId: string,
    amount: number,
    now: number,
  ): Promise<OrderEntity | null> {
    return this.updateReturning(
      em,
      `UPDATE orders SET refund_reserved_amount = refund_reserved_amount + :amount, updated_at = :now
       WHERE order_id = :orderId AND status IN (:...from) AND refund_reserved_amount + :amount <= amount
       RETURNING *`,
      { orderId, amount, now, from: [...TRANSITION_FROM.refund] },
    );
  }

  async releaseRefund(
    em: EntityManager,
    orderId: string,
    amount: number,
    now: number,
  ): Promise<void> {
    await Database.sql(
      em,
      `UPDATE orders SET refund_reserved_amount = refund_reserved_amount - :amount, updated_at = :now WHERE order_id = :orderId`,
      { orderId, amount, now },
    );
  }

  async applyRefund(
    em: EntityManager,
    orderId: string,
    change: { amount: number; fee: number; status: OrderStatus; now: number },
  ): Promise<OrderEntity | null> {
    return this.updateReturning(
      em,
      `UPDATE orders SET refunded_amount = refunded_amount + :amount, fee_refunded_amount = fee_refunded_amount + :fee,
         status = :status, updated_at = :now
       WHERE order_id = :orderId AND status IN ('SUCCEEDED', 'PARTIALLY_REFUNDED')
       RETURNING *`,
      { orderId, ...change },
    );
  }

  /** Schedules (or, with null, stops) the status sync of a PENDING order. */
  async setNextSync(em: EntityManager, orderId: string, nextSyncAt: number | null): Promise<void> {
    await Database.sql(
      em,
      `UPDATE orders SET next_sync_at = :nextSyncAt, claim_until = NULL, claimed_by = NULL
       WHERE order_id = :orderId AND status = 'PENDING'`,
      {
        orderId,
        nextSyncAt,
      },
    );
  }

  /** Newest first; order ids sort by creation time. */
  async list(em: EntityManager, filter: OrderListFilter): Promise<OrderEntity[]> {
    const qb = em
      .createQueryBuilder(OrderEntity, 'o')
      .orderBy('o.order_id', 'DESC')
      .take(filter.limit + 1);
    if (filter.sourceId !== undefined)
      qb.andWhere('o.source_id = :sourceId', { sourceId: filter.sourceId });
    if (filter.status) qb.andWhere('o.status = :status', { status: filter.status });
    if (filter.channelCode)
      qb.andWhere('o.channel_code = :channelCode', { channelCode: filter.channelCode });
    if (filter.createdFrom !== undefined)
      qb.andWhere('o.created_at >= :createdFrom', { createdFrom: filter.createdFrom });
    if (filter.createdTo !== undefined)
      qb.andWhere('o.created_at < :createdTo', { createdTo: filter.createdTo });
    if (filter.beforeOrderId) qb.andWhere('o.order_id < :before', { before: filter.beforeOrderId });
    return qb.getMany();
  }

  /** A page of the orders matching `search`, newest first, after the order id `before`. */
  async search(
    em: EntityManager,
    search: OrderSearch,
    before: string | undefined,
    limit: number,
  ): Promise<OrderEntity[]> {
    const { where, params } = searchWhere(search);
    const { rows } = await Database.sql(
      em,
      `SELECT ${ORDER_COLUMN_LIST} FROM orders WHERE ${where}${
        before === undefined ? '' : ' AND order_id < :before'
      } ORDER BY order_id DESC LIMIT :limit`,
      { ...params, before, limit },
    );
    return rows.map((r) => Database.hydrate(em, OrderEntity, r));
  }

  /** How many orders match, counting at most `cap` (then `cap` is answered). */
  async countMatching(em: EntityManager, search: OrderSearch, cap?: number): Promise<number> {
    const { where, params } = searchWhere(search);
    const inner = `SELECT 1 AS one FROM orders WHERE ${where}${cap === undefined ? '' : ' LIMIT :cap'}`;
    const { rows } = await Database.sql<{ n: number | string }>(
      em,
      `SELECT COUNT(*) AS n FROM (${inner}) matching`,
      { ...params, cap },
    );
    return toSafeIntegerOrZero(rows[0]?.n);
  }

  /** PostgreSQL's estimate of the matching rows, from the planner (no rows are read). */
  async estimateMatching(em: EntityManager, search: OrderSearch): Promise<number> {
    const { where, params } = searchWhere(search);
    const { rows } = await Database.sql<{ 'QUERY PLAN': unknown }>(
      em,
      `EXPLAIN (FORMAT JSON) SELECT 1 FROM orders WHERE ${where}`,
      params,
    );
    const plan = rows[0]?.['QUERY PLAN'];
    const parsed = (typeof plan === 'string' ? JSON.parse(plan) : plan) as {
      Plan: { 'Plan Rows': number };
    }[];
    return Math.round(parsed[0]?.Plan['Plan Rows'] ?? 0);
  }

  /**
   * Claims up to `limit` PENDING orders past expires_at, oldest first, for the expiry sweep of
   * the worker `token` until the database's clock passes `leaseMs` from now; none claimed by
   * another worker in force. One statement: on PostgreSQL the rows are picked with FOR UPDATE
   * SKIP LOCKED, so concurrent claims take disjoint batches without waiting; SQLite runs one
   * write at a time, so the re-checked condition is enough.
   */
  async claimForExpiry(em: EntityManager, claim: OrderClaim): Promise<OrderEntity[]> {
    return this.claim(em, claim, 'expires_at < :now', 'expires_at');
  }

  /** Claims PENDING orders whose status sync is due, as claimForExpiry does. */
  async claimForSync(em: EntityManager, claim: OrderClaim): Promise<OrderEntity[]> {
    return this.claim(
      em,
      claim,
      'next_sync_at IS NOT NULL AND next_sync_at <= :now',
      'next_sync_at',
    );
  }

  /** Gives up a claim early (its work is done or abandoned); someone else's claim stays. */
  async releaseClaim(em: EntityManager, orderId: string, token: string): Promise<void> {
    await Database.sql(
      em,
      `UPDATE orders SET claim_until = NULL, claimed_by = NULL
       WHERE order_id = :orderId AND claimed_by = :token`,
      { orderId, token },
    );
  }

  /**
   * Keeps the order claimed for `holdMs` more from now and no longer: a channel that did not
   * answer is asked again after that, not at once by the next batch.
   */
  async holdClaim(
    em: EntityManager,
    orderId: string,
    token: string,
    holdMs: number,
  ): Promise<void> {
    await Database.sql(
      em,
      `UPDATE orders SET claim_until = ${Database.nowSql(em)} + :holdMs
       WHERE order_id = :orderId AND claimed_by = :token`,
      { orderId, token, holdMs },
    );
  }

  private async claim(
    em: EntityManager,
    claim: OrderClaim,
    due: string,
    orderBy: string,
  ): Promise<OrderEntity[]> {
    const dbNow = Database.nowSql(em);
    const free = `status = 'PENDING' AND ${due} AND (claim_until IS NULL OR claim_until < ${dbNow})`;
    const set = `claim_until = ${dbNow} + :leaseMs, claimed_by = :token`;
    // PostgreSQL: the picked rows are materialized once; as `IN (subquery)` the planner may
    // run the subquery again per row, each run skipping other rows, past the LIMIT
    const sql =
      em.connection.options.type === 'postgres'
        ? `WITH picked AS MATERIALIZED (
             SELECT order_id AS picked_id FROM orders WHERE ${free}
             ORDER BY ${orderBy} LIMIT :limit FOR UPDATE SKIP LOCKED)
           UPDATE orders SET ${set} FROM picked
           WHERE order_id = picked.picked_id AND ${free}
           RETURNING ${ORDER_COLUMN_LIST}`
        : `UPDATE orders SET ${set}
           WHERE order_id IN (SELECT order_id FROM orders WHERE ${free} ORDER BY ${orderBy} LIMIT :limit)
             AND ${free}
           RETURNING ${ORDER_COLUMN_LIST}`;
    const { rows } = await Database.sql(em, sql, { ...claim });
    return rows.map((r) => Database.hydrate(em, OrderEntity, r));
  }

  private async updateReturning(
    em: EntityManager,
    sql: string,
    params: Record<string, unknown>,
  ): Promise<OrderEntity | null> {
    const { rows } = await Database.sql(em, sql, params);
    return rows[0] ? Database.hydrate(em, OrderEntity, rows[0]) : null;
  }
}

/** The WHERE clause of an order search, with its parameters (`TRUE` when nothing filters). */
function searchWhere(search: OrderSearch): { where: string; params: Record<string, unknown> } {
  const conditions: string[] = [];
  if (search.sourceId !== undefined) conditions.push('source_id = :sourceId');
  if (search.status !== undefined) conditions.push('status = :status');
  if (search.channelCode !== undefined) conditions.push('channel_code = :channelCode');
  if (search.createdFrom !== undefined) conditions.push('created_at >= :createdFrom');
  if (search.createdTo !== undefined) conditions.push('created_at < :createdTo');
  if (search.amountMin !== undefined) conditions.push('amount >= :amountMin');
  if (search.amountMax !== undefined) conditions.push('amount <= :amountMax');
  if (search.currency !== undefined) conditions.push('currency = :currency');
  if (search.text !== undefined) {
    // each alternative has an index of its own (primary key, merchant order number, trade number)
    conditions.push('(order_id = :text OR merchant_order_no = :text OR channel_trade_no = :text)');
  }
  return {
    where: conditions.length > 0 ? conditions.join(' AND ') : '1 = 1',
    params: { ...search },
  };
}
