import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { IdempotencyClaim } from '../common/idempotency/idempotency.repository';
import { Database } from '../database/database.service';
import { AttemptsRepository } from './attempts.repository';
import { OrderEntity } from './entities/order.entity';
import { ORDER_COLUMNS } from './order-columns';
import { PaymentAttemptEntity } from './entities/payment-attempt.entity';
import { ChannelResult, OrdersRepository } from './orders.repository';

/** The response to store under an Idempotency-Key, written with the outcome it describes. */
export interface StoredResponse {
  claim: IdempotencyClaim;
  status: number;
  /** The exact response body, sealed, for the order as this write leaves it. */
  body: (order: OrderEntity) => string;
}

const ATTEMPT_COLUMNS: [column: string, property: keyof PaymentAttemptEntity, cast?: string][] = [
  ['id', 'id'],
  ['order_id', 'orderId'],
  ['seq', 'seq', 'integer'],
  ['event', 'event'],
  ['channel_id', 'channelId'],
  ['channel_code', 'channelCode'],
  ['failure_reason', 'failureReason'],
  ['message', 'message'],
  ['latency_ms', 'latencyMs', 'integer'],
  ['created_at', 'createdAt', 'bigint'],
];

/**
 * The two writes of every payment creation, on its hot path: recording the new order (with its
 * first attempt and the Idempotency-Key's claim) before the channel is called, and recording the
 * channel's answer (with the attempt's outcome and the stored response) after.
 *
 * Each is atomic. On PostgreSQL each is ONE statement (data-modifying CTEs run as one atomic
 * statement), so a create costs two round trips instead of ten; SQLite has no data-modifying
 * CTEs, so there each is a transaction of plain statements (in-process, so cheap). Both forms
 * are kept here and exercised by the same tests on both engines.
 */
@Injectable()
export class OrderCreationRepository {
  constructor(
    private readonly orders: OrdersRepository,
    private readonly attempts: AttemptsRepository,
  ) {}

  /**
   * Records the order and its first attempt, and claims the key when there is one. False when
   * the key was already claimed (nothing is written). A duplicate merchant_order_no or
   * idempotency_key throws the unique violation, as a plain insert would.
   */
  async recordNewOrder(
    db: Database,
    order: OrderEntity,
    attempt: PaymentAttemptEntity,
    claim?: IdempotencyClaim,
  ): Promise<boolean> {
    if (db.engine === 'postgres')
      return db.run((em) => this.recordNewOrderInOneStatement(em, order, attempt, claim));
    return db.transaction(async (em) => {
      if (claim && !(await this.claim(em, claim))) return false;
      await this.orders.insert(em, order);
      await this.attempts.insert(em, attempt);
      return true;
    });
  }

  /**
   * Records the channel that took the PENDING order, the attempt's success and, when given, the
   * response under the key. Returns the order as written, or null when it was no longer PENDING
   * (then nothing but the attempt is recorded, and no response is stored).
   */
  async recordChannelSuccess(
    db: Database,
    order: OrderEntity,
    result: ChannelResult,
    attempt: PaymentAttemptEntity,
    now: number,
    response?: StoredResponse,
  ): Promise<OrderEntity | null> {
    if (db.engine === 'postgres') {
      return db.run((em) =>
        this.recordChannelSuccessInOneStatement(em, order, result, attempt, now, response),
      );
    }
    return db.transaction(async (em) => {
      const updated = await this.orders.recordChannelResult(em, order.orderId, result, now);
      await this.attempts.insert(em, attempt);
      if (updated && response) {
        await Database.sql(em, STORE_RESPONSE_SQL, storeParams(response, updated));
      }
      return updated;
    });
  }

  private async recordNewOrderInOneStatement(
    em: EntityManager,
    order: OrderEntity,
    attempt: PaymentAttemptEntity,
    claim?: IdempotencyClaim,
  ): Promise<boolean> {
    const params: Record<string, unknown> = {};
    prefixed(params, ORDER_COLUMNS, order, 'o_');
    prefixed(params, ATTEMPT_COLUMNS, attempt, 'a_');
    if (claim) {
      Object.assign(params, {
        c_scope: claim.scope,
        c_key: claim.key,
        c_endpoint: claim.endpoint,
        c_hash: claim.requestHash,
        c_locked: claim.lockedUntil,
        c_now: claim.now,
        c_expires: claim.expiresAt,
      });
    }
    const { affected } = await Database.sql(
      em,
      claim ? NEW_ORDER_WITH_CLAIM_SQL : NEW_ORDER_SQL,
      params,
      { prepared: true },
    );
    return affected > 0;
  }

  private async recordChannelSuccessInOneStatement(
    em: EntityManager,
    order: OrderEntity,
    result: ChannelResult,
    attempt: PaymentAttemptEntity,
    now: number,
    response?: StoredResponse,
  ): Promise<OrderEntity | null> {
    const params: Record<string, unknown> = { ...result, orderId: order.orderId, now };
    prefixed(params, ATTEMPT_COLUMNS, attempt, 'a_');
    // The order as this statement leaves it, as far as a response shows: while PENDING only
    // this statement changes those fields (every other change moves the order out of PENDING,
    // and then nothing is updated), so it is the order written before plus the channel's
    // answer. The stored response describes exactly this; not reading the row back saves
    // parsing ~30 columns on every create.
    const written: OrderEntity = { ...order, ...result, updatedAt: now };
    if (response) {
      Object.assign(params, {
        r_scope: response.claim.scope,
        r_key: response.claim.key,
        r_endpoint: response.claim.endpoint,
        r_hash: response.claim.requestHash,
        r_status: response.status,
        r_body: response.body(written),
        r_locked: response.claim.lockedUntil,
        r_now: response.claim.now,
        r_expires: response.claim.expiresAt,
      });
    }
    const { rows } = await Database.sql(
      em,
      response ? CHANNEL_SUCCESS_WITH_RESPONSE_SQL : CHANNEL_SUCCESS_SQL,
      params,
      { prepared: true },
    );
    return rows[0] ? written : null;
  }

  private async claim(em: EntityManager, claim: IdempotencyClaim): Promise<boolean> {
    const { affected } = await Database.sql(
      em,
      `INSERT INTO idempotency_keys (scope, idempotency_key, endpoint, request_hash, status, locked_until, created_at, expires_at)
       VALUES (:scope, :key, :endpoint, :requestHash, 'in_progress', :lockedUntil, :now, :expiresAt)
       ON CONFLICT (scope, idempotency_key) DO NOTHING
       RETURNING idempotency_key`,
      { ...claim },
    );
    return affected > 0;
  }
}

const STORE_RESPONSE_SQL = `INSERT INTO idempotency_keys
    (scope, idempotency_key, endpoint, request_hash, status, response_status, response_body, locked_until, created_at, expires_at)
  VALUES (:scope, :key, :endpoint, :requestHash, 'completed', :responseStatus, :responseBody, :lockedUntil, :now, :expiresAt)
  ON CONFLICT (scope, idempotency_key) DO UPDATE
    SET status = 'completed', response_status = excluded.response_status, response_body = excluded.response_body`;

function storeParams(response: StoredResponse, order: OrderEntity): Record<string, unknown> {
  return { ...response.claim, responseStatus: response.status, responseBody: response.body(order) };
}

function selectList(columns: [string, string, string?][], prefix: string): string {
  return columns
    .map(([column, , cast]) =>
      cast ? `CAST(:${prefix}${column} AS ${cast})` : `:${prefix}${column}`,
    )
    .join(', ');
}

/** Adds the entity's columns to `params` as `<prefix><column>`. */
function prefixed<T>(
  params: Record<string, unknown>,
  columns: [string, keyof T, string?][],
  entity: T,
  prefix: string,
): void {
  for (const [column, property] of columns) params[prefix + column] = entity[property] ?? null;
}

// PostgreSQL's one-statement forms, built once and run as prepared statements. Parameters in a
// SELECT list have no type of their own, hence the casts. `(status = 'PENDING') IS TRUE` is
// `status = 'PENDING'` (status is NOT NULL) in a form no index matches: PostgreSQL settles on a
// generic plan after five calls, and one costed while the table was new and without statistics
// found the order through the status index (every new order is PENDING), reading thousands of
// rows per call; the primary key is now the only way in.
const ORDER_INSERT = `INSERT INTO orders (${ORDER_COLUMNS.map(([c]) => c).join(', ')})
  SELECT ${selectList(ORDER_COLUMNS, 'o_')}`;
const ATTEMPT_INSERT = `INSERT INTO payment_attempts (${ATTEMPT_COLUMNS.map(([c]) => c).join(', ')})
  SELECT ${selectList(ATTEMPT_COLUMNS, 'a_')}`;

const NEW_ORDER_SQL = `WITH ord AS (${ORDER_INSERT} RETURNING order_id)
  ${ATTEMPT_INSERT} FROM ord RETURNING id`;

const NEW_ORDER_WITH_CLAIM_SQL = `WITH claim AS (
    INSERT INTO idempotency_keys (scope, idempotency_key, endpoint, request_hash, status, locked_until, created_at, expires_at)
    VALUES (:c_scope, :c_key, :c_endpoint, :c_hash, 'in_progress', CAST(:c_locked AS bigint), CAST(:c_now AS bigint), CAST(:c_expires AS bigint))
    ON CONFLICT (scope, idempotency_key) DO NOTHING
    RETURNING 1
  ),
  ord AS (${ORDER_INSERT} WHERE EXISTS (SELECT 1 FROM claim) RETURNING order_id)
  ${ATTEMPT_INSERT} FROM ord RETURNING id`;

const CHANNEL_UPDATE = `upd AS (
    UPDATE orders SET channel_id = :channelId, channel_code = :channelCode, channel_trade_no = :channelTradeNo,
      pay_url = :payUrl, fee_amount = CAST(:feeAmount AS bigint), updated_at = CAST(:now AS bigint)
    WHERE order_id = :orderId AND (status = 'PENDING') IS TRUE
    RETURNING order_id
  ),
  att AS (${ATTEMPT_INSERT} RETURNING id)`;

const CHANNEL_SUCCESS_SQL = `WITH ${CHANNEL_UPDATE} SELECT order_id FROM upd`;

const CHANNEL_SUCCESS_WITH_RESPONSE_SQL = `WITH ${CHANNEL_UPDATE},
  stored AS (
    INSERT INTO idempotency_keys (scope, idempotency_key, endpoint, request_hash, status, response_status, response_body, locked_until, created_at, expires_at)
    SELECT :r_scope, :r_key, :r_endpoint, :r_hash, 'completed', CAST(:r_status AS integer), :r_body,
           CAST(:r_locked AS bigint), CAST(:r_now AS bigint), CAST(:r_expires AS bigint)
    FROM upd
    ON CONFLICT (scope, idempotency_key) DO UPDATE
      SET status = 'completed', response_status = excluded.response_status, response_body = excluded.response_body
    RETURNING 1
  )
  SELECT order_id FROM upd`;
