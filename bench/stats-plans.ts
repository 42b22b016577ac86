/**
 * `npm run bench:stats`: the console's statistics and order search on a large PostgreSQL
 * database. Builds a scratch database (BENCH_DATABASE_URL's server, dropped at the end) with
 * STATS_ORDERS orders (default 1,000,000) spread over 90 days and 50 merchants, with their
 * attempts, refunds and webhook events, then times every statistics endpoint's work and the
 * search over the last 30 days (median of 5, after one warm-up), all merchants and one, and
 * prints the plan of each statement (EXPLAIN ANALYZE, BUFFERS).
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { Principal } from '../src/auth/principal';
import { loadConfig } from '../src/config/app-config';
import { buildDataSourceOptions } from '../src/database/data-source-options';
import { Database } from '../src/database/database.service';
import { OrdersRepository } from '../src/payments/orders.repository';
import { PaymentsService } from '../src/payments/payments.service';
import { StatsRepository } from '../src/stats/stats.repository';
import { StatsService } from '../src/stats/stats.service';

const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ORDERS = Number(process.env.STATS_ORDERS ?? 1_000_000);
const DAYS = 90;
const MERCHANTS = 50;
const TARGET_MS = 300;

async function main(): Promise<void> {
  const name = `paygate_stats_${randomBytes(4).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const config = loadConfig({
    DATABASE_URL: url.toString(),
    NODE_ENV: 'test',
    SETTLEMENT_TZ: 'Asia/Shanghai',
  });
  const dataSource = new DataSource(buildDataSourceOptions(config));
  try {
    await dataSource.initialize();
    await dataSource.runMigrations();
    const now = Date.now();
    log(`filling ${ORDERS} orders over ${DAYS} days...`);
    const filled = Date.now();
    await fill(dataSource, now);
    log(`filled and analysed in ${((Date.now() - filled) / 1000).toFixed(0)} s`);

    const db = new Database(dataSource, config);
    const stats = new StatsService(db, new StatsRepository(), config);
    // the search uses the database and the orders repository only
    const unused = undefined as never;
    const payments = new PaymentsService(
      db,
      new OrdersRepository(),
      unused,
      unused,
      unused,
      unused,
      unused,
      unused,
      config,
    );
    const operator: Principal = {
      clientId: 'bench',
      role: 'admin',
      sourceId: null,
      access: 'admin',
    };
    const day = (offset: number) =>
      new Date(now - offset * 86_400_000 + 8 * 3_600_000).toISOString().slice(0, 10);
    const range = { from: day(29), to: day(0) };
    const rows: [string, number, number][] = [];
    for (const [label, sourceId] of [
      ['all merchants', undefined],
      ['one merchant', 1000001 + 7],
    ] as const) {
      const q = { ...range, source_id: sourceId };
      const cases: [string, () => Promise<unknown>][] = [
        ['overview', () => stats.overview(operator, q)],
        ['timeseries day', () => stats.timeseries(operator, { ...q, metric: 'succeeded_amount' })],
        [
          'timeseries hour',
          () => stats.timeseries(operator, { ...q, metric: 'created', granularity: 'hour' }),
        ],
        ['channels', () => stats.channels(operator, q)],
        ['webhooks', () => stats.webhooks(operator, q)],
        [
          'search (page + count)',
          () =>
            payments.searchPayments(operator, {
              created_from: new Date(now - 30 * 86_400_000).toISOString(),
              source_id: sourceId,
              status: 'SUCCEEDED',
            }),
        ],
      ];
      for (const [what, run] of cases) {
        await run();
        const times: number[] = [];
        for (let i = 0; i < 5; i++) {
          const start = process.hrtime.bigint();
          await run();
          times.push(Number(process.hrtime.bigint() - start) / 1e6);
        }
        const median = times.sort((x, y) => x - y)[2];
        rows.push([`${what}, ${label}`, median, times[4]]);
      }
    }
    log(`\n30-day range on ${ORDERS} orders over ${DAYS} days (median and worst of 5, ms):`);
    for (const [what, median, worst] of rows) {
      const mark = median <= TARGET_MS ? 'ok' : `over ${TARGET_MS} ms`;
      log(
        `  ${what.padEnd(40)} ${median.toFixed(0).padStart(6)} ${worst.toFixed(0).padStart(6)}  ${mark}`,
      );
    }
    await explainAll(dataSource, now);
  } finally {
    await dataSource.destroy().catch(() => undefined);
    await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  }
}

/** Synthetic but shaped like traffic: statuses, fees, attempts, refunds and webhooks. */
async function fill(ds: DataSource, now: number): Promise<void> {
  const span = DAYS * 86_400_000;
  await ds.query(`INSERT INTO merchants (source_id, name, status, webhook_secret, created_at, updated_at)
    SELECT 1000000 + i, 'm' || i, 'active', 'x', ${now}, ${now} FROM generate_series(1, ${MERCHANTS}) i`);
  await ds.query(`INSERT INTO channels (id, code, name, provider, enabled, priority, weight, fee_rate_bps,
      fixed_fee, currencies, merchants, config, created_at, updated_at)
    SELECT 'chn_' || i, 'sbx_' || i, 'c' || i, 'sandbox', TRUE, 0, 100, 60, 0, '["CNY"]', '[]', '{}', ${now}, ${now}
    FROM generate_series(1, 4) i`);
  await ds.query(`INSERT INTO orders (order_id, source_id, merchant_order_no, product_id, product_name, amount,
      currency, status, channel_id, channel_code, channel_trade_no, fee_amount, routing, expires_at, paid_at,
      created_at, updated_at)
    SELECT 'ord_' || lpad(i::text, 10, '0'), 1000001 + (i % ${MERCHANTS}), 'SO-' || i, 'p', 'bench',
      100 + (i * 37) % 100000, CASE WHEN i % 20 = 0 THEN 'USD' ELSE 'CNY' END,
      CASE WHEN i % 10 < 7 THEN 'SUCCEEDED' WHEN i % 10 = 7 THEN 'FAILED' WHEN i % 10 = 8 THEN 'CLOSED'
           ELSE 'PENDING' END,
      'chn_' || (1 + i % 4), 'sbx_' || (1 + i % 4), 'T' || i, 1 + ((100 + (i * 37) % 100000) * 60 + 5000) / 10000,
      '{}', t + 1800000, CASE WHEN i % 10 < 7 THEN t + 5000 END, t, t
    FROM (SELECT i, ${now - span} + (i::bigint * ${span}) / ${ORDERS} AS t
          FROM generate_series(1, ${ORDERS}) i) s`);
  await ds.query(`INSERT INTO payment_attempts (id, order_id, seq, event, channel_id, channel_code,
      failure_reason, latency_ms, created_at)
    SELECT 'att_' || o.order_id || e.event, o.order_id, 1, e.event, o.channel_id, o.channel_code,
      CASE WHEN e.event = 'failed' THEN 'timeout' END,
      CASE WHEN e.event = 'started' THEN NULL ELSE (o.amount % 900) + 50 END, o.created_at
    FROM orders o CROSS JOIN (VALUES ('started'), ('succeeded')) e(event)`);
  await ds.query(`INSERT INTO refunds (refund_id, order_id, source_id, amount, currency, status, fee_amount,
      channel_id, created_at, completed_at)
    SELECT 'ref_' || order_id, order_id, source_id, amount / 2, currency, 'SUCCEEDED', fee_amount / 2,
      channel_id, created_at + 3600000, created_at + 3600000
    FROM orders WHERE status = 'SUCCEEDED' AND amount % 20 = 0`);
  await ds.query(`INSERT INTO webhook_events (id, source_id, type, order_id, data, delivery_status,
      attempt_count, next_attempt_at, created_at)
    SELECT 'evt_' || order_id, source_id, 'payment.succeeded', order_id, '{}',
      CASE WHEN amount % 50 = 0 THEN 'pending' ELSE 'delivered' END, 1,
      CASE WHEN amount % 50 = 0 THEN created_at + 60000 END, created_at
    FROM orders WHERE status = 'SUCCEEDED'`);
  await ds.query(`INSERT INTO webhook_attempts (id, event_id, attempt, attempted_at, status_code, latency_ms,
      delivered_by)
    SELECT 'wha_' || id, id, 1, created_at + 1000, CASE WHEN delivery_status = 'delivered' THEN 200 ELSE 500 END,
      20, 'bench'
    FROM webhook_events`);
  await ds.query(`VACUUM ANALYZE`);
}

/** The plans of the statements behind the endpoints, all merchants, over 30 days. */
async function explainAll(ds: DataSource, now: number): Promise<void> {
  const from = now - 30 * 86_400_000;
  const statements: [string, string][] = [
    [
      'overview: orders by outcome',
      `SELECT currency, COUNT(*), SUM(CASE WHEN status IN ('SUCCEEDED','PARTIALLY_REFUNDED','REFUNDED') THEN amount ELSE 0 END)
       FROM orders WHERE created_at >= ${from} AND created_at < ${now} GROUP BY currency`,
    ],
    [
      'overview: orders by outcome, one merchant',
      `SELECT currency, COUNT(*) FROM orders WHERE created_at >= ${from} AND created_at < ${now}
       AND source_id = 1000008 GROUP BY currency`,
    ],
    [
      'overview: refunds',
      `SELECT currency, COUNT(*), SUM(amount) FROM refunds WHERE status = 'SUCCEEDED'
       AND completed_at >= ${from} AND completed_at < ${now} GROUP BY currency`,
    ],
    [
      'channels: attempts by outcome, reason and latency (one pass)',
      `SELECT channel_code, event, failure_reason, latency_ms, COUNT(*) FROM payment_attempts
       WHERE created_at >= ${from} AND created_at < ${now}
       GROUP BY channel_code, event, failure_reason, latency_ms`,
    ],
    [
      'search: the search box',
      `SELECT order_id FROM orders WHERE (order_id = 'SO-77' OR merchant_order_no = 'SO-77' OR channel_trade_no = 'SO-77')
       ORDER BY order_id DESC LIMIT 21`,
    ],
  ];
  for (const [what, sql] of statements) {
    const plan = (await ds.query(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${sql}`)) as {
      'QUERY PLAN': string;
    }[];
    log(`\n-- ${what}`);
    for (const line of plan) log(`   ${line['QUERY PLAN']}`);
  }
}

async function admin<T>(work: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
