import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { IdempotencyClaim } from '../common/idempotency/idempotency.repository';
import { CoalescedWriteForms, CoalescedWrites } from '../database/coalesced-writes';
import { Database } from '../database/database.service';
import { ParameterList, positionalStatement } from '../database/positional-statement';
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
  ['product', 'product'],
  ['pay_url', 'payUrl'],
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
 *
 * On PostgreSQL the creations that reach one of these writes in the same turn of the event loop
 * are written together, by one statement (see CoalescedWrites): under load that is one round
 * trip and one commit for several creations instead of one each. Each creation still resolves
 * only once its own write has committed, with the outcome it would have had alone.
 */
@Injectable()
export class OrderCreationRepository {
  private readonly newOrderWrites = perDatabase<NewOrderContext>((db) => ({
    one: (context) =>
      db.run(async (em) => {
        const statement = context.claim ? NEW_ORDER_WITH_CLAIM : NEW_ORDER;
        return (await Database.prepared(em, statement, context)).affected > 0;
      }),
    many: (contexts) =>
      db.run(async (em) =>
        writtenOf(
          contexts,
          (c) => c.order.orderId,
          await Database.prepared(em, NEW_ORDERS, contexts),
        ),
      ),
    conflictKey: (context) =>
      context.claim && JSON.stringify([context.claim.scope, context.claim.key]),
  }));

  private readonly successWrites = perDatabase<SuccessContext>((db) => ({
    one: (context) =>
      db.run(async (em) => {
        const statement = context.response ? CHANNEL_SUCCESS_WITH_RESPONSE : CHANNEL_SUCCESS;
        return (await Database.prepared(em, statement, context)).rows.length > 0;
      }),
    many: (contexts) =>
      db.run(async (em) =>
        writtenOf(
          contexts,
          (c) => c.orderId,
          await Database.planned(em, CHANNEL_SUCCESSES, contexts),
        ),
      ),
  }));

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
    if (db.engine === 'postgres') return this.newOrderWrites(db).write({ order, attempt, claim });
    return db.transaction(async (em) => {
      if (claim && !(await this.claim(em, claim))) return false;
      await this.orders.insert(em, order);
      await this.attempts.insert(em, attempt);
      return true;
    });
  }

  /**
   * Records an order that has no channel yet (the cashier's: attempts come when the payer picks
   * a wallet), claiming the key when there is one. False when the key was already claimed.
   */
  async recordOrderWithoutAttempt(
    db: Database,
    order: OrderEntity,
    claim?: IdempotencyClaim,
  ): Promise<boolean> {
    return db.transaction(async (em) => {
      if (claim && !(await this.claim(em, claim))) return false;
      await this.orders.insert(em, order);
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
      return this.recordChannelSuccessInOneStatement(db, order, result, attempt, now, response);
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

  private async recordChannelSuccessInOneStatement(
    db: Database,
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
    return (await this.successWrites(db).write(context)) ? written : null;
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

/** The coalesced writes of one kind for each Database (an application has one), made on first use. */
function perDatabase<Item>(
  forms: (db: Database) => CoalescedWriteForms<Item, boolean>,
): (db: Database) => CoalescedWrites<Item, boolean> {
  const writes = new WeakMap<Database, CoalescedWrites<Item, boolean>>();
  return (db) => {
    let found = writes.get(db);
    if (!found) writes.set(db, (found = new CoalescedWrites(forms(db))));
    return found;
  };
}

/** Which items of a batch its statement wrote: those whose order it returned. */
function writtenOf<Item>(
  items: Item[],
  orderId: (item: Item) => string,
  result: { rows: Record<string, unknown>[] },
): boolean[] {
  const written = new Set(result.rows.map((row) => row.order_id));
  return items.map((item) => written.has(orderId(item)));
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

/** A value of each item of a batch: its column name, SQL type and where it comes from. */
type Field<C> = [name: string, type: string, value: (context: C) => unknown];

/** An entity's columns as fields of a batch, named with a prefix. */
function fieldsOf<C, T>(
  columns: [string, keyof T, string?][],
  prefix: string,
  entity: (context: C) => T | undefined,
): Field<C>[] {
  return columns.map(([column, property, cast]) => [
    `${prefix}${column}`,
    cast ?? 'text',
    (context) => entity(context)?.[property],
  ]);
}

/**
 * The items of a batch as rows: ONE json parameter, an array with an array of values per item,
 * read back with a cast per column. One native JSON.stringify per batch costs a fraction of
 * `pg` writing an array literal per column (quoting and escaping every element in JavaScript,
 * the largest allocation of a batched create).
 */
function rowsOf<C>(p: ParameterList<C[]>, fields: Field<C>[]): string {
  const json = p.param(
    (contexts) =>
      JSON.stringify(contexts.map((c) => fields.map(([, , value]) => value(c) ?? null))),
    'jsonb',
  );
  const columns = fields.map(([name, type], i) =>
    type === 'text' ? `r.e->>${i} AS ${name}` : `CAST(r.e->>${i} AS ${type}) AS ${name}`,
  );
  return `SELECT ${columns.join(', ')} FROM jsonb_array_elements(${json}) AS r(e)`;
}

const ATTEMPT_FIELDS_OF_SUCCESS = fieldsOf<SuccessContext, PaymentAttemptEntity>(
  ATTEMPT_COLUMNS,
  'a_',
  (c) => c.attempt,
);
const ATTEMPT_FIELD_NAMES = ATTEMPT_COLUMNS.map(([column]) => `a_${column}`).join(', ');

/**
 * The channel's answers of several creations in one statement: the same three writes as
 * CHANNEL_SUCCESS_WITH_RESPONSE, for every row of the batch; a response is stored only for an
 * order this statement updated, as in the single form. It is sent unnamed (Database.planned),
 * planned for each batch: joined with a table, the best plan depends on the table's size, and a
 * prepared statement's generic plan costed while the table was small (a fresh database) scans
 * the whole table on every batch. With the few rows of a batch, PostgreSQL finds each order by
 * its primary key.
 */
export const CHANNEL_SUCCESSES = positionalStatement<SuccessContext[]>(
  (p) => `WITH r AS (
    ${rowsOf(p, [
      ['order_id', 'text', (c) => c.orderId],
      ['channel_id', 'text', (c) => c.result.channelId],
      ['channel_code', 'text', (c) => c.result.channelCode],
      ['channel_trade_no', 'text', (c) => c.result.channelTradeNo],
      ['pay_url', 'text', (c) => c.result.payUrl],
      ['fee_amount', 'bigint', (c) => c.result.feeAmount],
      ['updated_at', 'bigint', (c) => c.now],
      ...ATTEMPT_FIELDS_OF_SUCCESS,
      ['s_scope', 'text', (c) => c.response?.claim.scope],
      ['s_key', 'text', (c) => c.response?.claim.key],
      ['s_endpoint', 'text', (c) => c.response?.claim.endpoint],
      ['s_request_hash', 'text', (c) => c.response?.claim.requestHash],
      ['s_status', 'integer', (c) => c.response?.status],
      ['s_body', 'text', (c) => c.body],
      ['s_locked_until', 'bigint', (c) => c.response?.claim.lockedUntil],
      ['s_now', 'bigint', (c) => c.response?.claim.now],
      ['s_expires_at', 'bigint', (c) => c.response?.claim.expiresAt],
    ])}
  ),
  upd AS (
    UPDATE orders SET channel_id = r.channel_id, channel_code = r.channel_code,
      channel_trade_no = r.channel_trade_no, pay_url = r.pay_url, fee_amount = r.fee_amount,
      updated_at = r.updated_at
    FROM r WHERE orders.order_id = r.order_id AND (orders.status = 'PENDING') IS TRUE
    RETURNING orders.order_id
  ),
  att AS (
    INSERT INTO payment_attempts (${ATTEMPT_COLUMN_NAMES})
    SELECT ${ATTEMPT_FIELD_NAMES} FROM r
    RETURNING id
  ),
  stored AS (
    INSERT INTO idempotency_keys (scope, idempotency_key, endpoint, request_hash, status, response_status, response_body, locked_until, created_at, expires_at)
    SELECT r.s_scope, r.s_key, r.s_endpoint, r.s_request_hash, 'completed', r.s_status, r.s_body,
      r.s_locked_until, r.s_now, r.s_expires_at
    FROM r JOIN upd ON upd.order_id = r.order_id
    WHERE r.s_key IS NOT NULL
    ON CONFLICT (scope, idempotency_key) DO UPDATE
      SET status = 'completed', response_status = excluded.response_status, response_body = excluded.response_body
    RETURNING 1
  )
  SELECT order_id FROM upd`,
);

/**
 * Several new orders in one statement: the same writes as NEW_ORDER_WITH_CLAIM, for every row of
 * the batch. An order is inserted only when it has no key or its own claim was inserted (no two
 * orders of a batch claim the same key: see `conflictKey`), and its attempt only with it; the
 * answer lists the orders recorded. Nothing here scans a table (the claims' conflicts are found
 * by the primary key), so it runs prepared.
 */
export const NEW_ORDERS = positionalStatement<NewOrderContext[]>(
  (p) => `WITH r AS (
    ${rowsOf(p, [
      ...fieldsOf<NewOrderContext, OrderEntity>(ORDER_COLUMNS, '', (c) => c.order),
      ...fieldsOf<NewOrderContext, PaymentAttemptEntity>(ATTEMPT_COLUMNS, 'a_', (c) => c.attempt),
      ['k_scope', 'text', (c) => c.claim?.scope],
      ['k_key', 'text', (c) => c.claim?.key],
      ['k_endpoint', 'text', (c) => c.claim?.endpoint],
      ['k_request_hash', 'text', (c) => c.claim?.requestHash],
      ['k_locked_until', 'bigint', (c) => c.claim?.lockedUntil],
      ['k_now', 'bigint', (c) => c.claim?.now],
      ['k_expires_at', 'bigint', (c) => c.claim?.expiresAt],
    ])}
  ),
  claim AS (
    INSERT INTO idempotency_keys (scope, idempotency_key, endpoint, request_hash, status, locked_until, created_at, expires_at)
    SELECT r.k_scope, r.k_key, r.k_endpoint, r.k_request_hash, 'in_progress', r.k_locked_until, r.k_now, r.k_expires_at
    FROM r WHERE r.k_key IS NOT NULL
    ON CONFLICT (scope, idempotency_key) DO NOTHING
    RETURNING scope, idempotency_key
  ),
  ord AS (
    INSERT INTO orders (${ORDER_COLUMN_NAMES})
    SELECT ${ORDER_COLUMN_NAMES} FROM r
    WHERE r.k_key IS NULL
      OR EXISTS (SELECT 1 FROM claim WHERE claim.scope = r.k_scope AND claim.idempotency_key = r.k_key)
    RETURNING order_id
  )
  INSERT INTO payment_attempts (${ATTEMPT_COLUMN_NAMES})
  SELECT ${ATTEMPT_FIELD_NAMES} FROM r JOIN ord ON ord.order_id = r.a_order_id
  RETURNING order_id`,
);
