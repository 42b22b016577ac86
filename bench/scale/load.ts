/**
 * The scale bench's data set, written straight into a migrated database (never through the
 * API): N orders over 90 days for the merchants given, a tenth as many refunds, and the rows
 * paygate writes with them (journal entries and lines, webhook events and their per-order
 * sequence, the sandbox's own payment and refund records for its statement), with the same
 * conventions as the app (time-ordered prefixed ids, epoch-millisecond times, money in integer
 * minor units, fees from the channel's rate).
 *
 * A fifth of the orders are paid on one settlement date (`heavyDate`), nine in ten of those by
 * one merchant (`heavySourceId`), and a fifth of the refunds complete on that date against that
 * merchant's orders: the day the clearing, bill CSV and reconciliation measurements use.
 *
 * PostgreSQL: COPY FROM STDIN (pg-copy-streams), a chunk of orders at a time. SQLite: prepared
 * multi-row INSERTs, one transaction per chunk, WAL. On both, the secondary indexes of the
 * loaded tables are dropped first and built again after the load (faster than keeping them up
 * to date row by row), then ANALYZE. After loading, the ledger is checked against what the
 * generator computed.
 */
import Database from 'better-sqlite3';
import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { channelFee, proportionalShare } from '../../src/common/money/money';
import { settlementDate } from '../../src/common/time';
import { movementLines } from '../../src/clearing/journal';
import type { ScaleEngine } from './result';

export interface LoadOptions {
  engine: ScaleEngine;
  /** `postgres://…` or `sqlite:/path/file.sqlite`, already migrated. */
  databaseUrl: string;
  orders: number;
  /** Merchants' source ids (created through the API beforehand); the first is the heavy one. */
  sourceIds: number[];
  channel: { id: string; code: string; secret: string; feeRateBps: number; fixedFee: number };
  timeZone: string;
  /** The end of the 90 days (exclusive): the data set's "now". */
  now: number;
  days?: number;
  seed?: number;
  log?: (message: string) => void;
}

export interface LoadSummary {
  seconds: number;
  counts: Record<string, number>;
  heavyDate: string;
  heavySourceId: number;
  /** First and last settlement dates that hold orders. */
  firstDate: string;
  lastDate: string;
  /** The ledger check: entries whose debits and credits differ, accounts that differ. */
  ledger: {
    entries: number;
    unbalancedEntries: number;
    accounts: number;
    mismatchedAccounts: number;
  };
  /** Balances (debit − credit) per `account|currency` as the generator computed them. */
  expectedBalances: Record<string, number>;
}

const DAY = 86_400_000;
const CHUNK = 20_000;
const LOADED_TABLES = [
  'orders',
  'refunds',
  'journal_entries',
  'journal_lines',
  'webhook_events',
  'order_event_sequences',
  'sandbox_payments',
  'sandbox_refunds',
] as const;
type Table = (typeof LOADED_TABLES)[number];

const COLUMNS: Record<Table, string[]> = {
  orders: [
    'order_id',
    'source_id',
    'merchant_order_no',
    'product_id',
    'product_name',
    'amount',
    'currency',
    'status',
    'channel_id',
    'channel_code',
    'channel_trade_no',
    'refunded_amount',
    'refund_reserved_amount',
    'fee_amount',
    'fee_refunded_amount',
    'late_payment',
    'routing',
    'expires_at',
    'paid_at',
    'closed_at',
    'next_sync_at',
    'created_at',
    'updated_at',
  ],
  refunds: [
    'refund_id',
    'order_id',
    'source_id',
    'merchant_refund_no',
    'amount',
    'currency',
    'status',
    'reason',
    'fee_amount',
    'channel_id',
    'channel_refund_no',
    'created_at',
    'completed_at',
  ],
  journal_entries: [
    'id',
    'movement_key',
    'kind',
    'movement',
    'order_id',
    'refund_id',
    'source_id',
    'channel_id',
    'channel_code',
    'currency',
    'settlement_date',
    'created_at',
  ],
  journal_lines: ['entry_id', 'line_no', 'account', 'account_type', 'currency', 'debit', 'credit'],
  webhook_events: [
    'id',
    'source_id',
    'type',
    'order_id',
    'refund_id',
    'data',
    'delivery_status',
    'attempt_count',
    'next_attempt_at',
    'created_at',
    'delivered_at',
    'sequence',
  ],
  order_event_sequences: ['order_id', 'last_sequence'],
  sandbox_payments: [
    'order_id',
    'channel_id',
    'trade_no',
    'status',
    'amount',
    'currency',
    'refunded_amount',
    'created_at',
    'paid_at',
  ],
  sandbox_refunds: [
    'refund_id',
    'order_id',
    'channel_id',
    'refund_no',
    'amount',
    'currency',
    'created_at',
    'completes_at',
  ],
};

type Value = string | number | boolean | null;
type Rows = Record<Table, Value[][]>;

/** A small seeded generator (mulberry32): the same options give the same data set. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `prefix_` + a UUIDv7 without dashes for the time given, as newId() makes (src/common/ids.ts). */
function idAt(prefix: string, ms: number, rand: () => number): string {
  const hex = (width: number) =>
    Math.floor(rand() * 16 ** width)
      .toString(16)
      .padStart(width, '0');
  const variant = (8 + Math.floor(rand() * 4)).toString(16);
  return `${prefix}_${ms.toString(16).padStart(12, '0')}7${hex(3)}${variant}${hex(3)}${hex(6)}${hex(6)}`;
}

const hmacHex = (secret: string, text: string) =>
  createHmac('sha256', secret).update(text).digest('hex').slice(0, 28);

/** Generates the data set in chunks and writes it; then checks the ledger. */
export async function loadDataSet(options: LoadOptions): Promise<LoadSummary> {
  const started = Date.now();
  const log = options.log ?? (() => undefined);
  const writer =
    options.engine === 'postgres'
      ? await PgWriter.open(options.databaseUrl)
      : SqliteWriter.open(options.databaseUrl);
  try {
    const indexes = await writer.dropIndexes();
    const generator = new DataSetGenerator(options);
    let chunkNo = 0;
    for (const rows of generator.chunks()) {
      await writer.write(rows);
      chunkNo++;
      if (chunkNo % 10 === 0)
        log(`loaded ${Math.min(chunkNo * CHUNK, options.orders)} of ${options.orders} orders`);
    }
    log(`building ${indexes.length} indexes`);
    await writer.createIndexes(indexes);
    await writer.analyze();
    const ledger = await checkLedger(writer, generator.balances);
    const counts: Record<string, number> = {};
    for (const table of LOADED_TABLES) counts[table] = await writer.count(table);
    return {
      seconds: Math.round((Date.now() - started) / 100) / 10,
      counts,
      heavyDate: generator.heavyDate,
      heavySourceId: options.sourceIds[0],
      firstDate: generator.firstDate,
      lastDate: generator.lastDate,
      ledger,
      expectedBalances: Object.fromEntries(generator.balances),
    };
  } finally {
    await writer.close();
  }
}

/**
 * Debits equal credits in every entry, and each account's balance equals what the generator
 * computed while writing the lines.
 */
async function checkLedger(
  writer: Writer,
  expected: Map<string, number>,
): Promise<LoadSummary['ledger']> {
  const [unbalanced] = await writer.query(
    `SELECT COUNT(*) AS n FROM (SELECT entry_id FROM journal_lines GROUP BY entry_id
       HAVING SUM(debit) <> SUM(credit)) u`,
  );
  const [entries] = await writer.query('SELECT COUNT(*) AS n FROM journal_entries');
  const balances = await writer.query(
    `SELECT account, currency, SUM(debit) - SUM(credit) AS balance FROM journal_lines
     GROUP BY account, currency`,
  );
  let mismatched = 0;
  const seen = new Set<string>();
  for (const row of balances) {
    const key = `${String(row.account)}|${String(row.currency)}`;
    seen.add(key);
    if (Number(row.balance) !== (expected.get(key) ?? 0)) mismatched++;
  }
  for (const key of expected.keys()) if (!seen.has(key)) mismatched++;
  return {
    entries: Number(entries.n),
    unbalancedEntries: Number(unbalanced.n),
    accounts: balances.length,
    mismatchedAccounts: mismatched,
  };
}

class DataSetGenerator {
  readonly balances = new Map<string, number>();
  readonly heavyDate: string;
  readonly firstDate: string;
  readonly lastDate: string;
  private readonly rand: () => number;
  private readonly start: number;
  private readonly heavyStart: number;
  private readonly days: number;
  private readonly heavyOrders: number;
  private readonly heavyRefunds: number;
  private readonly otherRefunds: number;
  private readonly otherPaid: number;

  constructor(private readonly o: LoadOptions) {
    this.rand = random(o.seed ?? 20261203);
    this.days = o.days ?? 90;
    // whole settlement days: the last one ends at or before `now`
    const lastDay = settlementDate(o.now - DAY, o.timeZone);
    this.lastDate = lastDay;
    this.start = dayStart(o.now - this.days * DAY, o.timeZone);
    this.firstDate = settlementDate(this.start, o.timeZone);
    this.heavyStart = dayStart(o.now - 10 * DAY, o.timeZone);
    this.heavyDate = settlementDate(this.heavyStart, o.timeZone);
    this.heavyOrders = Math.round(o.orders * 0.2);
    this.heavyRefunds = Math.round(o.orders * 0.02);
    this.otherRefunds = Math.round(o.orders * 0.1) - this.heavyRefunds;
    let paid = 0;
    for (let i = this.heavyOrders; i < o.orders; i++) if (statusOf(i) === 'SUCCEEDED') paid++;
    this.otherPaid = paid;
  }

  *chunks(): Generator<Rows> {
    // the heavy day's orders first, the others spread over the rest of the 90 days; each chunk
    // is generated in its own time order so ids and created_at agree within a merchant
    let otherPaidSeen = 0;
    let otherRefunded = 0;
    let heavyMerchantOrders = 0;
    for (let from = 0; from < this.o.orders; from += CHUNK) {
      const rows = emptyRows();
      const to = Math.min(from + CHUNK, this.o.orders);
      for (let i = from; i < to; i++) {
        const heavy = i < this.heavyOrders;
        let sourceId: number;
        let createdAt: number;
        let status: OrderStatusLite;
        let refund = false;
        if (heavy) {
          // 9 in 10 for the heavy merchant; spread over the day, ascending
          const share = i % 10 !== 9;
          sourceId = share ? this.o.sourceIds[0] : this.pickOther();
          createdAt = this.heavyStart + Math.floor((i / this.heavyOrders) * (DAY - 120_000));
          status = 'SUCCEEDED';
          if (share) {
            heavyMerchantOrders++;
            // every k-th of the heavy merchant's orders, exactly heavyRefunds of them
            const heavyShare = Math.ceil(this.heavyOrders * 0.9);
            refund =
              Math.floor((heavyMerchantOrders * this.heavyRefunds) / heavyShare) >
              Math.floor(((heavyMerchantOrders - 1) * this.heavyRefunds) / heavyShare);
          }
        } else {
          sourceId = this.o.sourceIds[Math.floor(this.rand() * this.o.sourceIds.length)];
          createdAt = this.otherTime(i);
          status = statusOf(i);
          if (status === 'SUCCEEDED') {
            otherPaidSeen++;
            const before = Math.floor(((otherPaidSeen - 1) * this.otherRefunds) / this.otherPaid);
            const after = Math.floor((otherPaidSeen * this.otherRefunds) / this.otherPaid);
            refund = after > before;
            if (refund) otherRefunded++;
          }
        }
        this.order(rows, i, sourceId, createdAt, status, refund, heavy);
      }
      yield rows;
    }
    if (otherRefunded !== this.otherRefunds)
      throw new Error(`generator: ${otherRefunded} refunds, expected ${this.otherRefunds}`);
  }

  private pickOther(): number {
    const ids = this.o.sourceIds;
    return ids.length === 1 ? ids[0] : ids[1 + Math.floor(this.rand() * (ids.length - 1))];
  }

  /** A time in the 90 days outside the heavy day, rising with i. */
  private otherTime(i: number): number {
    const span = this.days * DAY - DAY - 600_000;
    const at =
      this.start + Math.floor(((i - this.heavyOrders) / (this.o.orders - this.heavyOrders)) * span);
    // skip over the heavy day
    return at >= this.heavyStart ? at + DAY : at;
  }

  private order(
    rows: Rows,
    i: number,
    sourceId: number,
    createdAt: number,
    status: OrderStatusLite,
    refund: boolean,
    heavy: boolean,
  ): void {
    const { channel } = this.o;
    const orderId = idAt('ord', createdAt, this.rand);
    const amount = 100 + Math.floor(this.rand() * 99_900);
    const paid = status === 'SUCCEEDED';
    const paidAt = paid ? createdAt + 5_000 + Math.floor(this.rand() * 55_000) : null;
    const expiresAt = createdAt + 15 * 60_000;
    const fee = paid ? channelFee(amount, channel.feeRateBps, channel.fixedFee) : 0;
    const tradeNo = `sbx_${hmacHex(channel.secret, `trade|${orderId}`)}`;
    let refundAmount = 0;
    let refundFee = 0;
    let refundAt = 0;
    let refundId = '';
    if (refund && paidAt !== null) {
      refundAmount = i % 2 === 0 ? amount : Math.max(1, Math.floor(amount / 2));
      refundFee = proportionalShare(fee, refundAmount, amount);
      // on the heavy day the refund completes the same day; otherwise within a day
      refundAt = heavy
        ? paidAt +
          2000 +
          Math.floor(this.rand() * Math.max(1, this.heavyStart + DAY - paidAt - 3000))
        : paidAt + 60_000 + Math.floor(this.rand() * (DAY - 120_000));
      refundId = idAt('rfd', refundAt - 1000, this.rand);
    }
    const finalStatus =
      refundAmount === 0 ? status : refundAmount === amount ? 'REFUNDED' : 'PARTIALLY_REFUNDED';
    const closedAt = status === 'CLOSED' || status === 'FAILED' ? expiresAt : null;
    const updatedAt = refundAt || paidAt || closedAt || createdAt;
    rows.orders.push([
      orderId,
      sourceId,
      `SO${String(i).padStart(9, '0')}`,
      `sku-${i % 500}`,
      `Item ${i % 500}`,
      amount,
      'CNY',
      finalStatus,
      channel.id,
      channel.code,
      tradeNo,
      refundAmount,
      refundAmount,
      fee,
      refundFee,
      false,
      '{"candidates":[],"excluded":[]}',
      expiresAt,
      paidAt,
      closedAt,
      status === 'PENDING' ? createdAt + 60_000 : null,
      createdAt,
      updatedAt,
    ]);
    if (paidAt === null) return;
    rows.sandbox_payments.push([
      orderId,
      channel.id,
      tradeNo,
      'SUCCEEDED',
      amount,
      'CNY',
      refundAmount,
      createdAt,
      paidAt,
    ]);
    this.entry(rows, 'payment', orderId, null, sourceId, amount, fee, paidAt);
    const orderDto = {
      order_id: orderId,
      source_id: sourceId,
      merchant_order_no: `SO${String(i).padStart(9, '0')}`,
      amount,
      currency: 'CNY',
      status: 'SUCCEEDED',
      channel: channel.code,
      fee_amount: fee,
      paid_at: new Date(paidAt).toISOString(),
    };
    rows.webhook_events.push([
      idAt('evt', paidAt, this.rand),
      sourceId,
      'payment.succeeded',
      orderId,
      null,
      JSON.stringify(orderDto),
      'delivered',
      1,
      null,
      paidAt,
      paidAt + 200,
      1,
    ]);
    if (!refundId) {
      rows.order_event_sequences.push([orderId, 1]);
      return;
    }
    rows.order_event_sequences.push([orderId, 2]);
    rows.refunds.push([
      refundId,
      orderId,
      sourceId,
      `RF${String(i).padStart(9, '0')}`,
      refundAmount,
      'CNY',
      'SUCCEEDED',
      'bench',
      refundFee,
      channel.id,
      `sbr_${hmacHex(channel.secret, `refund|${refundId}`)}`,
      refundAt - 1000,
      refundAt,
    ]);
    rows.sandbox_refunds.push([
      refundId,
      orderId,
      channel.id,
      `sbr_${hmacHex(channel.secret, `refund|${refundId}`)}`,
      refundAmount,
      'CNY',
      refundAt - 1000,
      refundAt,
    ]);
    this.entry(rows, 'refund', orderId, refundId, sourceId, refundAmount, refundFee, refundAt);
    rows.webhook_events.push([
      idAt('evt', refundAt, this.rand),
      sourceId,
      'refund.succeeded',
      orderId,
      refundId,
      JSON.stringify({ refund_id: refundId, order_id: orderId, amount: refundAmount }),
      'delivered',
      1,
      null,
      refundAt,
      refundAt + 200,
      2,
    ]);
  }

  private entry(
    rows: Rows,
    movement: 'payment' | 'refund',
    orderId: string,
    refundId: string | null,
    sourceId: number,
    amount: number,
    fee: number,
    at: number,
  ): void {
    const { channel } = this.o;
    const id = idAt('je', at, this.rand);
    rows.journal_entries.push([
      id,
      movement === 'payment' ? `payment:${orderId}` : `refund:${refundId}`,
      movement,
      movement,
      orderId,
      refundId,
      sourceId,
      channel.id,
      channel.code,
      'CNY',
      settlementDate(at, this.o.timeZone),
      at,
    ]);
    const lines = movementLines(movement, {
      channelId: channel.id,
      sourceId,
      currency: 'CNY',
      amount,
      fee,
    });
    lines.forEach((l, n) => {
      rows.journal_lines.push([id, n + 1, l.account, l.accountType, l.currency, l.debit, l.credit]);
      const key = `${l.account}|${l.currency}`;
      this.balances.set(key, (this.balances.get(key) ?? 0) + l.debit - l.credit);
    });
  }
}

type OrderStatusLite = 'SUCCEEDED' | 'CLOSED' | 'FAILED' | 'PENDING';

/** 85 % paid, 8 % closed, 5 % failed, 2 % still pending (expired, due for a status sync). */
function statusOf(i: number): OrderStatusLite {
  const r = (i * 37) % 100;
  return r < 85 ? 'SUCCEEDED' : r < 93 ? 'CLOSED' : r < 98 ? 'FAILED' : 'PENDING';
}

function dayStart(at: number, timeZone: string): number {
  // the first instant whose settlement date is that of `at`
  const date = settlementDate(at, timeZone);
  let lo = at - DAY - 3_600_000;
  let hi = at;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (settlementDate(mid, timeZone) === date) hi = mid;
    else lo = mid;
  }
  return hi;
}

function emptyRows(): Rows {
  return Object.fromEntries(LOADED_TABLES.map((t) => [t, []])) as unknown as Rows;
}

interface IndexDef {
  name: string;
  sql: string;
}

interface Writer {
  dropIndexes(): Promise<IndexDef[]>;
  write(rows: Rows): Promise<void>;
  createIndexes(indexes: IndexDef[]): Promise<void>;
  analyze(): Promise<void>;
  count(table: Table): Promise<number>;
  query(sql: string): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

/** COPY … FROM STDIN in text format: tab-separated, `\N` for null, backslashes escaped. */
class PgWriter implements Writer {
  private constructor(private readonly client: Client) {}

  static async open(url: string): Promise<PgWriter> {
    const client = new Client({ connectionString: url });
    await client.connect();
    // the load is repeatable from scratch: durability of each chunk is not needed
    await client.query('SET synchronous_commit = off');
    return new PgWriter(client);
  }

  async dropIndexes(): Promise<IndexDef[]> {
    const { rows } = await this.client.query<{ name: string; sql: string }>(
      `SELECT i.indexname AS name, i.indexdef AS sql FROM pg_indexes i
       WHERE i.schemaname = current_schema() AND i.tablename = ANY($1)
         AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)`,
      [[...LOADED_TABLES]],
    );
    for (const r of rows) await this.client.query(`DROP INDEX "${r.name}"`);
    return rows;
  }

  async write(rows: Rows): Promise<void> {
    for (const table of LOADED_TABLES) {
      const data = rows[table];
      if (data.length === 0) continue;
      const stream = this.client.query(
        copyFrom(`COPY ${table} (${COLUMNS[table].join(', ')}) FROM STDIN`),
      );
      const parts: string[] = [];
      for (const row of data) parts.push(row.map(pgText).join('\t'));
      const done = once(stream, 'finish');
      stream.end(`${parts.join('\n')}\n`);
      await done;
    }
  }

  async createIndexes(indexes: IndexDef[]): Promise<void> {
    await this.client.query(`SET maintenance_work_mem = '256MB'`);
    for (const index of indexes) await this.client.query(index.sql);
  }

  async analyze(): Promise<void> {
    await this.client.query('VACUUM ANALYZE');
  }

  async count(table: Table): Promise<number> {
    const { rows } = await this.client.query(`SELECT COUNT(*) AS n FROM ${table}`);
    return Number(rows[0].n);
  }

  async query(sql: string): Promise<Record<string, unknown>[]> {
    return (await this.client.query(sql)).rows as Record<string, unknown>[];
  }

  async close(): Promise<void> {
    await this.client.end();
  }
}

function pgText(value: Value): string {
  if (value === null) return '\\N';
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (typeof value === 'number') return String(value);
  return value
    .replace(/\\/g, '\\\\')
    .replace(/\t/g, '\\t')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r');
}

/** Prepared multi-row INSERTs, one transaction per chunk, WAL. */
class SqliteWriter implements Writer {
  private readonly statements = new Map<string, Database.Statement>();
  private static readonly ROWS_PER_INSERT = 100;

  private constructor(private readonly db: Database.Database) {}

  static open(url: string): SqliteWriter {
    const db = new Database(url.replace(/^sqlite:/, ''));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = OFF');
    db.pragma('cache_size = -200000');
    return new SqliteWriter(db);
  }

  async dropIndexes(): Promise<IndexDef[]> {
    const placeholders = LOADED_TABLES.map(() => '?').join(', ');
    const rows = this.db
      .prepare(
        `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL
         AND tbl_name IN (${placeholders})`,
      )
      .all(...LOADED_TABLES) as IndexDef[];
    for (const r of rows) this.db.exec(`DROP INDEX "${r.name}"`);
    return rows;
  }

  private insert(table: Table, count: number): Database.Statement {
    const key = `${table}:${count}`;
    let statement = this.statements.get(key);
    if (!statement) {
      const one = `(${COLUMNS[table].map(() => '?').join(', ')})`;
      statement = this.db.prepare(
        `INSERT INTO ${table} (${COLUMNS[table].join(', ')}) VALUES ${Array(count).fill(one).join(', ')}`,
      );
      this.statements.set(key, statement);
    }
    return statement;
  }

  async write(rows: Rows): Promise<void> {
    const per = SqliteWriter.ROWS_PER_INSERT;
    this.db.transaction(() => {
      for (const table of LOADED_TABLES) {
        const data = rows[table];
        for (let i = 0; i < data.length; i += per) {
          const batch = data.slice(i, i + per);
          const values: unknown[] = [];
          for (const row of batch)
            for (const v of row) values.push(typeof v === 'boolean' ? (v ? 1 : 0) : v);
          this.insert(table, batch.length).run(...values);
        }
      }
    })();
  }

  async createIndexes(indexes: IndexDef[]): Promise<void> {
    for (const index of indexes) this.db.exec(index.sql);
  }

  async analyze(): Promise<void> {
    this.db.exec('ANALYZE');
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  async count(table: Table): Promise<number> {
    return (this.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  }

  async query(sql: string): Promise<Record<string, unknown>[]> {
    return this.db.prepare(sql).all() as Record<string, unknown>[];
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
