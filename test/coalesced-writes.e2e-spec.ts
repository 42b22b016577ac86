import { IdempotencyClaim } from '../src/common/idempotency/idempotency.repository';
import { newId } from '../src/common/ids';
import { isUniqueViolation } from '../src/database/database-errors';
import { Database } from '../src/database/database.service';
import { OrderEntity } from '../src/payments/entities/order.entity';
import { PaymentAttemptEntity } from '../src/payments/entities/payment-attempt.entity';
import {
  CHANNEL_SUCCESSES,
  NEW_ORDERS,
  OrderCreationRepository,
} from '../src/payments/order-creation.repository';
import { createSandboxChannel, getOrder, Order } from './helpers/payments';
import { testEngine } from './helpers/scratch-database';
import { bearer, createMerchant, startTestApp, TestApp, TestMerchant } from './helpers/test-app';

/**
 * Payment creations that reach the database at the same moment. On PostgreSQL their writes are
 * sent together (one statement for the new orders of one turn of the event loop, one for the
 * channels' answers: src/database/coalesced-writes.ts); each creation must still come out
 * exactly as if it had been alone, including when one of them fails. SQLite writes them one
 * after another, and the same outcomes hold there.
 */
describe(`creations written together on ${testEngine()}`, () => {
  const postgres = testEngine() === 'postgres';
  let t: TestApp;
  let m: TestMerchant;
  let db: Database;
  let creation: OrderCreationRepository;

  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_PER_SECOND: '10000' });
    await createSandboxChannel(t);
    m = await createMerchant(t);
    db = t.app.get(Database);
    creation = t.app.get(OrderCreationRepository);
  });
  afterAll(() => t.close());
  afterEach(() => jest.restoreAllMocks());

  /** Calls of the batch statements, with how many items each carried and how it ended. */
  function watchBatches() {
    const batches: {
      statement: 'new_orders' | 'channel_successes';
      size: number;
      failed: boolean;
    }[] = [];
    const watch = <K extends 'prepared' | 'planned'>(method: K) => {
      const real = Database[method].bind(Database) as (...args: unknown[]) => Promise<unknown>;
      jest.spyOn(Database, method).mockImplementation(((...args: unknown[]) => {
        const [, statement, context] = args;
        const kind: 'new_orders' | 'channel_successes' | undefined =
          statement === NEW_ORDERS
            ? 'new_orders'
            : statement === CHANNEL_SUCCESSES
              ? 'channel_successes'
              : undefined;
        const result = real(...args);
        if (kind) {
          const entry = { statement: kind, size: (context as unknown[]).length, failed: false };
          batches.push(entry);
          result.catch(() => (entry.failed = true));
        }
        return result;
      }) as never);
    };
    watch('prepared');
    watch('planned');
    return batches;
  }

  /** SQLite only: the statements better-sqlite3 compiles from now on. */
  function watchCompiledStatements(): string[] {
    const compiled: string[] = [];
    if (postgres) return compiled;
    const connection = (
      t.dataSource.driver as unknown as {
        databaseConnection: { prepare: (sql: string) => unknown };
      }
    ).databaseConnection;
    const prepare = connection.prepare.bind(connection);
    jest.spyOn(connection, 'prepare').mockImplementation((sql: string) => {
      compiled.push(sql);
      return prepare(sql);
    });
    return compiled;
  }

  it('records creations arriving together each exactly as it would alone', async () => {
    const batches = watchBatches();
    const compiled = watchCompiledStatements();
    // values an array parameter must carry through unchanged: quotes, backslashes, braces,
    // commas, the word NULL, no memo, Chinese and emoji
    const names = ['a "quoted" apple', 'back\\slash', '{braces},commas', 'NULL', '苹果 🍎', "it's"];
    const bodies = Array.from({ length: 40 }, (_, i) => ({
      source_id: m.sourceId,
      product_id: `p${i}`,
      product_name: names[i % names.length],
      amount: 100 + i,
      ...(i % 2 === 0 ? {} : { memo: `备注 ${i} "x" \\ {y}` }),
      merchant_order_no: `together-${i}`,
    }));
    const created = await Promise.all(
      bodies.map((body, i) =>
        t.http
          .post('/v1/payments/create')
          .set(bearer(m.token))
          .set('idempotency-key', `together-key-${i}`)
          .send(body),
      ),
    );
    for (const [i, res] of created.entries()) {
      expect(res.status).toBe(201);
      const order = res.body.data as Order;
      expect(order).toMatchObject({
        status: 'PENDING',
        amount: bodies[i].amount,
        product_name: bodies[i].product_name,
        merchant_order_no: bodies[i].merchant_order_no,
      });
      expect(order.pay_url).toMatch(/^http/);
      // the order as stored is what the creation answered
      expect(await getOrder(t, m.token, order.order_id)).toEqual(order);
      // the stored response is the one sent, byte for byte
      const replay = await t.http
        .post('/v1/payments/create')
        .set(bearer(m.token))
        .set('idempotency-key', `together-key-${i}`)
        .send(bodies[i]);
      expect(replay.status).toBe(201);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.text).toBe(res.text);
    }
    const ids = created.map((res) => res.body.data.order_id as string);
    const attempts = await t.dataSource.query(
      `SELECT order_id, event FROM payment_attempts WHERE order_id IN (${ids.map((id) => `'${id}'`).join(', ')})`,
    );
    for (const id of ids) {
      const events = attempts.filter((a: { order_id: string }) => a.order_id === id);
      expect(events.map((a: { event: string }) => a.event).sort()).toEqual([
        'started',
        'succeeded',
      ]);
    }
    if (postgres) {
      // what makes this test about writing together: several of them went in one statement
      expect(
        batches.filter((b) => b.statement === 'new_orders' && b.size > 1).length,
      ).toBeGreaterThan(0);
      expect(
        batches.filter((b) => b.statement === 'channel_successes' && b.size > 1).length,
      ).toBeGreaterThan(0);
    } else {
      expect(batches).toEqual([]);
      // one after another, on statements compiled once rather than per creation (TypeORM wrote
      // each creation's amounts and timestamps into its SQL text: src/database/sqlite-parameters.ts)
      expect(compiled.length).toBeLessThan(bodies.length);
    }
  });

  const order = (fields: Partial<OrderEntity> = {}): OrderEntity => {
    const now = Date.now();
    return {
      orderId: newId('ord'),
      sourceId: m.sourceId,
      merchantOrderNo: null,
      idempotencyKey: null,
      productId: 'p',
      productName: 'pear',
      amount: 500,
      currency: 'CNY',
      status: 'PENDING',
      channelId: null,
      channelCode: null,
      requestedChannel: null,
      channelTradeNo: null,
      payUrl: null,
      externalExt: null,
      memo: null,
      refundedAmount: 0,
      refundReservedAmount: 0,
      feeAmount: 0,
      feeRefundedAmount: 0,
      latePayment: false,
      routing: '{}',
      expiresAt: now + 900_000,
      paidAt: null,
      closedAt: null,
      nextSyncAt: null,
      createdAt: now,
      updatedAt: now,
      ...fields,
    } as OrderEntity;
  };
  const attempt = (orderId: string, seq: number, event: PaymentAttemptEntity['event']) =>
    ({
      id: newId('att'),
      orderId,
      seq,
      event,
      channelId: 'chn_test',
      channelCode: 'sandbox_main',
      failureReason: null,
      message: null,
      latencyMs: null,
      createdAt: Date.now(),
    }) as PaymentAttemptEntity;
  const claim = (key: string): IdempotencyClaim => {
    const now = Date.now();
    return {
      scope: `merchant:${m.sourceId}`,
      key,
      endpoint: 'POST /v1/payments',
      requestHash: 'h'.repeat(64),
      now,
      lockedUntil: now + 60_000,
      expiresAt: now + 86_400_000,
    };
  };
  /** Records a new order with its first attempt, as a creation does before calling a channel. */
  const recordNew = (o: OrderEntity, key?: IdempotencyClaim) =>
    creation.recordNewOrder(db, o, attempt(o.orderId, 1, 'started'), key);
  const count = async (sql: string) => Number((await t.dataSource.query(sql))[0].n);
  /** A key already claimed by a recorded order, for a later claim to find taken. */
  const heldKey = async (key: string) => {
    const held = claim(key);
    expect(await recordNew(order({ idempotencyKey: key }), held)).toBe(true);
    return held;
  };

  it("keeps one new order's failure its own: the others of its batch are recorded", async () => {
    const existing = order({ merchantOrderNo: 'batch-dup' });
    expect(await recordNew(existing)).toBe(true);
    const taken = await heldKey('batch-taken');

    const batches = watchBatches();
    const plain = order();
    const keyed = order({ idempotencyKey: 'batch-fresh' });
    const duplicate = order({ merchantOrderNo: 'batch-dup' });
    const reclaimed = order({ idempotencyKey: 'batch-taken-2' });
    // all four asked in the same turn of the event loop
    const outcomes = await Promise.allSettled([
      recordNew(plain),
      recordNew(keyed, claim('batch-fresh')),
      recordNew(duplicate),
      recordNew(reclaimed, taken),
    ]);
    expect(outcomes[0]).toEqual({ status: 'fulfilled', value: true });
    expect(outcomes[1]).toEqual({ status: 'fulfilled', value: true });
    expect(outcomes[2].status).toBe('rejected');
    expect(isUniqueViolation((outcomes[2] as PromiseRejectedResult).reason)).toBe(true);
    // the key was claimed already: nothing written for this one, as alone
    expect(outcomes[3]).toEqual({ status: 'fulfilled', value: false });

    const ids = [plain, keyed, duplicate, reclaimed].map((o) => `'${o.orderId}'`).join(', ');
    const rows = await t.dataSource.query(`SELECT order_id FROM orders WHERE order_id IN (${ids})`);
    expect(rows.map((r: { order_id: string }) => r.order_id).sort()).toEqual(
      [plain.orderId, keyed.orderId].sort(),
    );
    expect(
      await count(`SELECT COUNT(*) AS n FROM payment_attempts WHERE order_id IN (${ids})`),
    ).toBe(2);
    const [fresh] = await t.dataSource.query(
      `SELECT status FROM idempotency_keys WHERE idempotency_key = 'batch-fresh'`,
    );
    expect(fresh.status).toBe('in_progress');
    if (postgres) {
      // the four went as one statement, which failed on the duplicate; then each alone
      expect(batches).toEqual([{ statement: 'new_orders', size: 4, failed: true }]);
    }
  });

  it('writes nothing for a new order whose key is taken, in a batch that succeeds', async () => {
    const taken = await heldKey('batch-held');
    const batches = watchBatches();
    const plain = order();
    const late = order({ idempotencyKey: 'batch-held-2' });
    const outcomes = await Promise.all([recordNew(plain), recordNew(late, taken)]);
    expect(outcomes).toEqual([true, false]);
    expect(await count(`SELECT COUNT(*) AS n FROM orders WHERE order_id = '${late.orderId}'`)).toBe(
      0,
    );
    expect(
      await count(`SELECT COUNT(*) AS n FROM payment_attempts WHERE order_id = '${late.orderId}'`),
    ).toBe(0);
    expect(
      await count(`SELECT COUNT(*) AS n FROM payment_attempts WHERE order_id = '${plain.orderId}'`),
    ).toBe(1);
    if (postgres) expect(batches).toEqual([{ statement: 'new_orders', size: 2, failed: false }]);
  });

  it('lets only one of two new orders with the same key claim it, even asked together', async () => {
    const batches = watchBatches();
    const first = order({ idempotencyKey: 'batch-twice' });
    const second = order({ idempotencyKey: 'batch-twice' });
    const outcomes = await Promise.all([
      recordNew(first, claim('batch-twice')),
      recordNew(second, claim('batch-twice')),
    ]);
    // one claims the key, the other finds it claimed and writes nothing, as when sent apart
    expect([...outcomes].sort()).toEqual([false, true]);
    // never in one statement, where the two claims could not be told apart
    expect(batches).toEqual([]);
    expect(
      await count(`SELECT COUNT(*) AS n FROM orders WHERE idempotency_key = 'batch-twice'`),
    ).toBe(1);
  });

  it('stores no response for an order no longer PENDING, in a batch that succeeds', async () => {
    const open = order();
    const closed = order({ status: 'CLOSED' });
    for (const o of [open, closed]) await recordNew(o);
    const batches = watchBatches();
    const answer = {
      channelId: 'chn_test',
      channelCode: 'sandbox_main',
      channelTradeNo: 't',
      payUrl: 'https://pay.example/t',
      feeAmount: 3,
    };
    const response = (key: string) => ({
      claim: claim(key),
      status: 201,
      body: (o: OrderEntity) => JSON.stringify({ id: o.orderId }),
    });
    const outcomes = await Promise.all([
      creation.recordChannelSuccess(
        db,
        open,
        answer,
        attempt(open.orderId, 2, 'succeeded'),
        Date.now(),
        response('batch-open'),
      ),
      creation.recordChannelSuccess(
        db,
        closed,
        answer,
        attempt(closed.orderId, 2, 'succeeded'),
        Date.now(),
        response('batch-closed'),
      ),
    ]);
    expect(outcomes[0]).toMatchObject({ orderId: open.orderId, channelTradeNo: 't', feeAmount: 3 });
    expect(outcomes[1]).toBeNull();
    const stored = await t.dataSource.query(
      `SELECT idempotency_key, status, response_status, response_body FROM idempotency_keys WHERE idempotency_key IN ('batch-open', 'batch-closed')`,
    );
    expect(stored).toEqual([
      {
        idempotency_key: 'batch-open',
        status: 'completed',
        response_status: 201,
        response_body: JSON.stringify({ id: open.orderId }),
      },
    ]);
    const [row] = await t.dataSource.query(
      `SELECT channel_trade_no, status FROM orders WHERE order_id = '${closed.orderId}'`,
    );
    expect(row).toEqual({ channel_trade_no: null, status: 'CLOSED' });
    // the attempt is recorded for both, as alone
    expect(
      await count(
        `SELECT COUNT(*) AS n FROM payment_attempts WHERE event = 'succeeded' AND order_id IN ('${open.orderId}', '${closed.orderId}')`,
      ),
    ).toBe(2);
    if (postgres)
      expect(batches).toEqual([{ statement: 'channel_successes', size: 2, failed: false }]);
  });

  it("keeps one channel answer's failure its own: the others of its batch are recorded", async () => {
    const pending = [order(), order(), order(), order({ status: 'CLOSED' })];
    for (const o of pending) await recordNew(o);
    const batches = watchBatches();
    const now = Date.now();
    const answer = (i: number) => ({
      channelId: 'chn_test',
      channelCode: 'sandbox_main',
      channelTradeNo: `trade-${i} "q" {x}`,
      payUrl: `https://pay.example/${i}?a=1&b="2"`,
      feeAmount: i,
    });
    const broken = {
      ...attempt(pending[2].orderId, 2, 'succeeded'),
      channelId: null as unknown as string,
    };
    const outcomes = await Promise.allSettled([
      creation.recordChannelSuccess(
        db,
        pending[0],
        answer(0),
        attempt(pending[0].orderId, 2, 'succeeded'),
        now,
        {
          claim: claim('batch-answer-0'),
          status: 201,
          body: (o) => JSON.stringify({ stored: o.orderId, trade: o.channelTradeNo }),
        },
      ),
      creation.recordChannelSuccess(
        db,
        pending[1],
        answer(1),
        attempt(pending[1].orderId, 2, 'succeeded'),
        now,
      ),
      // an attempt without its channel: NOT NULL refuses it on both engines
      creation.recordChannelSuccess(db, pending[2], answer(2), broken, now),
      // no longer PENDING: nothing but the attempt is recorded, and no response stored
      creation.recordChannelSuccess(
        db,
        pending[3],
        answer(3),
        attempt(pending[3].orderId, 2, 'succeeded'),
        now,
        {
          claim: claim('batch-answer-3'),
          status: 201,
          body: () => 'never stored',
        },
      ),
    ]);
    expect(outcomes[0]).toMatchObject({
      status: 'fulfilled',
      value: { channelTradeNo: 'trade-0 "q" {x}' },
    });
    expect(outcomes[1]).toMatchObject({ status: 'fulfilled', value: { feeAmount: 1 } });
    expect(outcomes[2].status).toBe('rejected');
    expect(outcomes[3]).toEqual({ status: 'fulfilled', value: null });

    const rows: { order_id: string; channel_trade_no: string | null; pay_url: string | null }[] =
      await t.dataSource.query(
        `SELECT order_id, channel_trade_no, pay_url FROM orders WHERE order_id IN (${pending.map((o) => `'${o.orderId}'`).join(', ')})`,
      );
    const byId = new Map(rows.map((r) => [r.order_id, r]));
    expect(byId.get(pending[0].orderId)).toMatchObject({
      channel_trade_no: 'trade-0 "q" {x}',
      pay_url: 'https://pay.example/0?a=1&b="2"',
    });
    expect(byId.get(pending[1].orderId)).toMatchObject({ channel_trade_no: 'trade-1 "q" {x}' });
    expect(byId.get(pending[2].orderId)).toMatchObject({ channel_trade_no: null, pay_url: null });
    expect(byId.get(pending[3].orderId)).toMatchObject({ channel_trade_no: null });
    const stored = await t.dataSource.query(
      `SELECT idempotency_key, status, response_body FROM idempotency_keys WHERE idempotency_key LIKE 'batch-answer-%'`,
    );
    expect(stored).toEqual([
      {
        idempotency_key: 'batch-answer-0',
        status: 'completed',
        response_body: JSON.stringify({ stored: pending[0].orderId, trade: 'trade-0 "q" {x}' }),
      },
    ]);
    const succeeded = await count(
      `SELECT COUNT(*) AS n FROM payment_attempts WHERE event = 'succeeded' AND order_id IN (${pending.map((o) => `'${o.orderId}'`).join(', ')})`,
    );
    expect(succeeded).toBe(3);
    if (postgres)
      expect(batches).toEqual([{ statement: 'channel_successes', size: 4, failed: true }]);
  });
});
