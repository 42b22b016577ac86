import 'reflect-metadata';
import { DataSource, EntityManager, Logger } from 'typeorm';
import { loadConfig } from '../src/config/app-config';
import { buildDataSourceOptions } from '../src/database/data-source-options';
import { Database } from '../src/database/database.service';
import { bindNamedParameters } from '../src/database/named-parameters';
import { BillsRepository } from '../src/clearing/bills.repository';
import { OrdersRepository } from '../src/payments/orders.repository';
import { RefundsRepository } from '../src/payments/refunds.repository';
import { createScratchDatabase, ScratchDatabase, testEngine } from './helpers/scratch-database';

/**
 * The hot statements on orders, as the repository sends them, keep using the index meant for
 * them on a table large enough that a full scan would show: a later migration (a dropped or
 * reshaped index) or a reworded statement that loses its index fails here. PostgreSQL: no
 * sequential scan of orders and the named index in the plan; SQLite: no full SCAN of orders and
 * a SEARCH through the named index. Plans, not timings.
 */
const ORDERS = 20_000;
/** Merchant 0 has half the orders; the others share the rest, as a few large shops and many small. */
const MERCHANTS = 100;

interface Captured {
  sql: string;
  values: unknown[];
}

describe(`query plans of the hot statements on orders and refunds (${testEngine()})`, () => {
  let scratch: ScratchDatabase;
  let dataSource: DataSource;
  let engine: 'sqlite' | 'postgres';
  const captured: Captured[] = [];
  const orders = new OrdersRepository();
  const refunds = new RefundsRepository();

  beforeAll(async () => {
    scratch = await createScratchDatabase();
    engine = scratch.engine;
    // every statement TypeORM runs, with its bound values (prepared statements on PostgreSQL
    // bypass TypeORM and are caught at Database.sql below)
    const logger: Logger = {
      logQuery: (sql, values) => void captured.push({ sql, values: (values as unknown[]) ?? [] }),
      logQueryError: () => undefined,
      logQuerySlow: () => undefined,
      logSchemaBuild: () => undefined,
      logMigration: () => undefined,
      log: () => undefined,
    };
    dataSource = new DataSource({
      ...buildDataSourceOptions(loadConfig({ DATABASE_URL: scratch.url })),
      logging: ['query'],
      logger,
    });
    await dataSource.initialize();
    await dataSource.runMigrations();
    await seed(dataSource);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await scratch?.drop();
  });

  /**
   * Runs `work` and returns the one statement on `table` it sent (or the one matching `match`),
   * bound as it was sent.
   */
  async function statementOf(
    work: (em: EntityManager) => Promise<unknown>,
    table: Table,
    match = new RegExp(`\\b(FROM|UPDATE) "?${table}"?(\\s|$)`, 'i'),
  ): Promise<Captured> {
    captured.length = 0;
    const spy = jest.spyOn(Database, 'sql');
    try {
      await work(dataSource.manager);
      for (const [, sql, params, options] of spy.mock.calls) {
        if (!options?.prepared || engine !== 'postgres') continue;
        const [text, values] = bindNamedParameters(sql, params ?? {}, engine);
        captured.push({ sql: text, values });
      }
    } finally {
      spy.mockRestore();
    }
    const onTable = captured.filter((c) => match.test(c.sql));
    if (onTable.length !== 1)
      throw new Error(`expected one statement on ${table}, got ${JSON.stringify(onTable)}`);
    return onTable[0];
  }

  /** The plan's lines: PostgreSQL's nodes, or SQLite's EXPLAIN QUERY PLAN details. */
  async function planOf(statement: Captured): Promise<string[]> {
    if (engine === 'postgres') {
      const [row] = await dataSource.query(
        `EXPLAIN (FORMAT JSON) ${statement.sql}`,
        statement.values,
      );
      const lines: string[] = [];
      const walk = (node: Record<string, unknown>) => {
        lines.push(
          [node['Node Type'], node['Relation Name'], node['Index Name']].filter(Boolean).join(' '),
        );
        for (const child of (node.Plans as Record<string, unknown>[] | undefined) ?? [])
          walk(child);
      };
      walk((row['QUERY PLAN'] as { Plan: Record<string, unknown> }[])[0].Plan);
      return lines;
    }
    const rows = (await dataSource.query(
      `EXPLAIN QUERY PLAN ${statement.sql}`,
      statement.values,
    )) as { detail: string }[];
    return rows.map((r) => r.detail);
  }

  async function expectIndex(
    work: (em: EntityManager) => Promise<unknown>,
    index: { postgres: RegExp; sqlite: RegExp },
    table: Table = 'orders',
    match?: RegExp,
  ): Promise<void> {
    const plan = await planOf(await statementOf(work, table, match));
    // the statement may name its table by an alias: orders "o", refunds "r"
    const names = `(${table}|${table[0]})`;
    // no full scan of any table the statement reads (a join's other table included); a
    // statement picked by `match` reads a whole day's rows of another table by design, and
    // must only not scan `table`
    const scan = match ? new RegExp(`^(Seq Scan|SCAN) ${names}\\b`) : /^(Seq Scan|SCAN) /;
    expect(plan.filter((line) => scan.test(line))).toEqual([]);
    if (engine === 'postgres') {
      // the plan itself is in the failure message
      expect({
        plan,
        uses:
          plan.some(
            (line) =>
              new RegExp(`^(Index|Index Only|Bitmap Heap) Scan ${table} `).test(line) ||
              /^Bitmap Index Scan /.test(line),
          ) && plan.some((line) => index.postgres.test(line)),
      }).toEqual({
        plan,
        uses: true,
      });
    } else {
      const uses = plan.some(
        (line) => new RegExp(`^SEARCH ${names} USING`).test(line) && index.sqlite.test(line),
      );
      expect({ plan, uses }).toEqual({ plan, uses: true });
    }
  }

  // TypeORM names the primary key PK_<hash> on PostgreSQL
  const PRIMARY_KEY = {
    postgres: / (PK_[0-9a-f]+|orders_pkey)$/,
    sqlite: /PRIMARY KEY|sqlite_autoindex_orders_1/,
  };

  it('reads an order by id through the primary key', async () => {
    await expectIndex((em) => orders.findById(em, orderId(123)), PRIMARY_KEY);
  });

  it("reads a merchant's order by merchant order no through (source_id, merchant_order_no)", async () => {
    await expectIndex((em) => orders.findByMerchantOrderNo(em, 23, 'mo-23-123'), {
      // either index is a lookup of the one row; the single-column one is the console's
      postgres: / (uq_orders_merchant_order_no|idx_orders_merchant_order_no)$/,
      sqlite: /uq_orders_merchant_order_no \(source_id=\? AND merchant_order_no=\?\)/,
    });
  });

  it('finds a creation by its Idempotency-Key through (source_id, idempotency_key)', async () => {
    await expectIndex((em) => orders.findByIdempotencyKey(em, 23, 'key-23-123'), {
      postgres: / uq_orders_idempotency_key$/,
      sqlite: /uq_orders_idempotency_key \(source_id=\? AND idempotency_key=\?\)/,
    });
  });

  it("pages a merchant's orders by cursor through (source_id, order_id), first page and deep", async () => {
    const index = {
      postgres: / idx_orders_source_id_order_id$/,
      sqlite: /idx_orders_source_id_order_id \(source_id=\?/,
    };
    await expectIndex((em) => orders.list(em, { sourceId: 5, limit: 20 }), index);
    await expectIndex(
      (em) => orders.list(em, { sourceId: 5, limit: 20, beforeOrderId: orderId(10_000) }),
      index,
    );
    await expectIndex(
      (em) =>
        orders.list(em, {
          sourceId: 5,
          status: 'SUCCEEDED',
          limit: 20,
          beforeOrderId: orderId(15_000),
        }),
      index,
    );
  });

  const claim = () => ({ token: 'plan/1', now: Date.now(), leaseMs: 60_000, limit: 100 });

  it('claims expired PENDING orders for the sweep through (status, expires_at)', async () => {
    await expectIndex((em) => orders.claimForExpiry(em, claim()), {
      postgres: / idx_orders_status_expires_at$/,
      sqlite: /idx_orders_status_expires_at \(status=\? AND expires_at<\?\)/,
    });
  });

  it('claims PENDING orders due a status query through (status, next_sync_at)', async () => {
    await expectIndex((em) => orders.claimForSync(em, claim()), {
      postgres: / idx_orders_status_next_sync_at$/,
      sqlite: /idx_orders_status_next_sync_at \(status=\? AND next_sync_at/,
    });
  });

  // (merchant 0, with half the refunds, is better served walking the primary key backwards,
  // and PostgreSQL does so: that is no full scan either)
  it("pages a merchant's refunds by cursor through (source_id, refund_id), with the order's merchant order no by primary key", async () => {
    const index = {
      postgres: / idx_refunds_source_id_refund_id$/,
      sqlite: /idx_refunds_source_id_refund_id \(source_id=\?/,
    };
    await expectIndex((em) => refunds.list(em, { sourceId: 5, limit: 21 }), index, 'refunds');
    await expectIndex(
      (em) =>
        refunds.list(em, {
          sourceId: 5,
          status: 'SUCCEEDED',
          beforeRefundId: refundId(12_000),
          limit: 21,
        }),
      index,
      'refunds',
    );
  });

  it("lists an order's refunds through (order_id, refund_id)", async () => {
    await expectIndex(
      (em) => refunds.list(em, { orderId: orderId(12), limit: 21 }),
      { postgres: / idx_refunds_order_id$/, sqlite: /idx_refunds_order_id \(order_id=\?/ },
      'refunds',
    );
  });

  it("clearing reads each line's merchant order no through the orders primary key", async () => {
    // a day of entries for a tenth of the orders, as the ledger posts them
    await dataSource.query(
      `INSERT INTO journal_entries (id, movement_key, kind, movement, order_id, refund_id,
         source_id, channel_id, channel_code, currency, settlement_date, related_entry_id, memo,
         created_at)
       SELECT 'je_' || order_id, 'payment:' || order_id, 'payment', 'payment', order_id, NULL,
         source_id, 'chn_x', 'sandbox_x', 'CNY', '2026-11-26', NULL, NULL, created_at
       FROM orders WHERE amount % 10 = 0`,
    );
    await dataSource.query(
      `INSERT INTO journal_lines (entry_id, line_no, account, account_type, currency, debit, credit)
       SELECT id, 1, 'channel:chn_x:receivable', 'channel_receivable', 'CNY', 100, 0
       FROM journal_entries`,
    );
    await dataSource.query(
      `INSERT INTO journal_lines (entry_id, line_no, account, account_type, currency, debit, credit)
       SELECT id, 2, 'merchant:' || source_id || ':payable', 'merchant_payable', 'CNY', 0, 100
       FROM journal_entries`,
    );
    await dataSource.query('ANALYZE');
    await expectIndex(
      (em) =>
        new BillsRepository().replaceBills(em, '2026-11-26', {
          runId: 'clr_plan',
          status: 'provisional',
          generatedAt: Date.now(),
        }),
      PRIMARY_KEY,
      'orders',
      /\bFROM orders o WHERE o\.order_id = f\.order_id\b/,
    );
  });

  it("records the channel's answer by primary key only", async () => {
    await expectIndex(
      (em) =>
        orders.recordChannelResult(
          em,
          orderId(7),
          {
            channelId: 'chn_x',
            channelCode: 'sandbox_x',
            channelTradeNo: 'sbx_7',
            payUrl: null,
            feeAmount: 6,
          },
          Date.now(),
        ),
      PRIMARY_KEY,
    );
  });
});

type Table = 'orders' | 'refunds';

function refundId(i: number): string {
  return `re_${String(i).padStart(32, '0')}`;
}

function orderId(i: number): string {
  return `ord_${String(i).padStart(32, '0')}`;
}

/**
 * ORDERS orders over MERCHANTS merchants and 90 days, most of them paid, a few hundred PENDING
 * (some expired, some due a status query), in one INSERT … SELECT; then the planner's statistics.
 */
async function seed(ds: DataSource): Promise<void> {
  const now = Date.now();
  const day = 86_400_000;
  const merchant = `(CASE WHEN i % 2 = 0 THEN 0 ELSE i % ${MERCHANTS} END)`;
  const at = `${now - 90 * day} + CAST(i AS bigint) * ${Math.floor((90 * day) / ORDERS)}`;
  await ds.query(
    `INSERT INTO orders (order_id, source_id, merchant_order_no, idempotency_key, product_id, product_name,
       amount, currency, status, routing, expires_at, next_sync_at, created_at, updated_at)
     WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${ORDERS})
     SELECT 'ord_' || substr('${'0'.repeat(32)}' || i, length('${'0'.repeat(32)}' || i) - 31),
       ${merchant}, 'mo-' || ${merchant} || '-' || i, 'key-' || ${merchant} || '-' || i,
       'p', 'apple', 1000 + i % 1000, 'CNY',
       CASE WHEN i % 50 = 0 THEN 'PENDING' WHEN i % 7 = 0 THEN 'CLOSED' ELSE 'SUCCEEDED' END,
       '{}', ${at} + 1800000,
       CASE WHEN i % 100 = 0 THEN ${now} - 1000 ELSE NULL END,
       ${at}, ${at}
     FROM n`,
  );
  // a refund of every third order, its merchant's
  await ds.query(
    `INSERT INTO refunds (refund_id, order_id, source_id, amount, currency, status, fee_amount, channel_id, created_at)
     SELECT 're_' || substr(order_id, 5), order_id, source_id, 100, 'CNY', 'SUCCEEDED', 0, 'chn_x', created_at + 60000
     FROM orders WHERE status = 'SUCCEEDED' AND CAST(substr(order_id, 5) AS integer) % 3 = 0`,
  );
  await ds.query(ds.options.type === 'postgres' ? 'ANALYZE orders, refunds' : 'ANALYZE');
}
