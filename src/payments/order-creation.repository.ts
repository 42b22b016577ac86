import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { IdempotencyClaim } from '../common/idempotency/idempotency.repository';
import { Database } from '../database/database.service';
import { positionalStatement } from '../database/positional-statement';
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
    const statement = claim ? NEW_ORDER_WITH_CLAIM : NEW_ORDER;
    const { affected } = await Database.prepared(em, statement, { order, attempt, claim });
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
    // The order as this statement leaves it, as far as a response shows: while PENDING only
    // this statement changes those fields (every other change moves the order out of PENDING,
    // and then nothing is updated), so it is the order written before plus the channel's
    // answer. The stored response describes exactly this; not reading the row back saves
    // parsing ~30 columns on every create.
    const written: OrderEntity = {
      ...order,
      channelId: result.channelId,
      channelCode: result.channelCode,
      channelTradeNo: result.channelTradeNo,
      payUrl: result.payUrl,
      feeAmount: result.feeAmount,
      updatedAt: now,
    };
    const context: SuccessContext = {
      orderId: order.orderId,
      result,
      now,
      attempt,
      response,
      body: response ? response.body(written) : null,
    };
    const statement = response ? CHANNEL_SUCCESS_WITH_RESPONSE : CHANNEL_SUCCESS;
    const { rows } = await Database.prepared(em, statement, context);
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

interface NewOrderContext {
  order: OrderEntity;
  attempt: PaymentAttemptEntity;
  claim?: IdempotencyClaim;
}

interface SuccessContext {
  orderId: string;
  result: ChannelResult;
  now: number;
  attempt: PaymentAttemptEntity;
  response?: StoredResponse;
  body: string | null;
}

const ORDER_COLUMN_NAMES = ORDER_COLUMNS.map(([c]) => c).join(', ');
const ATTEMPT_COLUMN_NAMES = ATTEMPT_COLUMNS.map(([c]) => c).join(', ');

// PostgreSQL's one-statement forms, built once and run as prepared statements. Parameters in a
// SELECT list have no type of their own, hence the casts. `(status = 'PENDING') IS TRUE` is
// `status = 'PENDING'` (status is NOT NULL) in a form no index matches: PostgreSQL settles on a
// generic plan after five calls, and one costed while the table was new and without statistics
// found the order through the status index (every new order is PENDING), reading thousands of
// rows per call; the primary key is now the only way in.
const newOrder = (claimed: boolean) =>
  positionalStatement<NewOrderContext>((p) => {
    const claim = claimed
      ? `claim AS (
    INSERT INTO idempotency_keys (scope, idempotency_key, endpoint, request_hash, status, locked_until, created_at, expires_at)
    VALUES (${p.param((c) => c.claim!.scope)}, ${p.param((c) => c.claim!.key)}, ${p.param((c) => c.claim!.endpoint)},
      ${p.param((c) => c.claim!.requestHash)}, 'in_progress', ${p.param((c) => c.claim!.lockedUntil, 'bigint')},
      ${p.param((c) => c.claim!.now, 'bigint')}, ${p.param((c) => c.claim!.expiresAt, 'bigint')})
    ON CONFLICT (scope, idempotency_key) DO NOTHING
    RETURNING 1
  ),
  `
      : '';
    return `WITH ${claim}ord AS (
    INSERT INTO orders (${ORDER_COLUMN_NAMES})
    SELECT ${p.columns(ORDER_COLUMNS, (c) => c.order)}
    ${claimed ? 'WHERE EXISTS (SELECT 1 FROM claim)' : ''}
    RETURNING order_id
  )
  INSERT INTO payment_attempts (${ATTEMPT_COLUMN_NAMES})
  SELECT ${p.columns(ATTEMPT_COLUMNS, (c) => c.attempt)} FROM ord RETURNING id`;
  });

const NEW_ORDER = newOrder(false);
const NEW_ORDER_WITH_CLAIM = newOrder(true);

const channelSuccess = (storing: boolean) =>
  positionalStatement<SuccessContext>((p) => {
    const stored = storing
      ? `,
  stored AS (
    INSERT INTO idempotency_keys (scope, idempotency_key, endpoint, request_hash, status, response_status, response_body, locked_until, created_at, expires_at)
    SELECT ${p.param((c) => c.response!.claim.scope)}, ${p.param((c) => c.response!.claim.key)},
      ${p.param((c) => c.response!.claim.endpoint)}, ${p.param((c) => c.response!.claim.requestHash)}, 'completed',
      ${p.param((c) => c.response!.status, 'integer')}, ${p.param((c) => c.body)},
      ${p.param((c) => c.response!.claim.lockedUntil, 'bigint')}, ${p.param((c) => c.response!.claim.now, 'bigint')},
      ${p.param((c) => c.response!.claim.expiresAt, 'bigint')}
    FROM upd
    ON CONFLICT (scope, idempotency_key) DO UPDATE
      SET status = 'completed', response_status = excluded.response_status, response_body = excluded.response_body
    RETURNING 1
  )`
      : '';
    return `WITH upd AS (
    UPDATE orders SET channel_id = ${p.param((c) => c.result.channelId)}, channel_code = ${p.param((c) => c.result.channelCode)},
      channel_trade_no = ${p.param((c) => c.result.channelTradeNo)}, pay_url = ${p.param((c) => c.result.payUrl)},
      fee_amount = ${p.param((c) => c.result.feeAmount, 'bigint')}, updated_at = ${p.param((c) => c.now, 'bigint')}
    WHERE order_id = ${p.param((c) => c.orderId)} AND (status = 'PENDING') IS TRUE
    RETURNING order_id
  ),
  att AS (
    INSERT INTO payment_attempts (${ATTEMPT_COLUMN_NAMES})
    SELECT ${p.columns(ATTEMPT_COLUMNS, (c) => c.attempt)}
    RETURNING id
  )${stored}
  SELECT order_id FROM upd`;
  });

const CHANNEL_SUCCESS = channelSuccess(false);
const CHANNEL_SUCCESS_WITH_RESPONSE = channelSuccess(true);
