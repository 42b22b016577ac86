/**
 * The background queues at scale: the expiry sweep, the status sync and webhook delivery,
 * each draining a backlog on one and on two real paygate processes sharing one database.
 *
 * `runQueueBenches` is called by the scale runner with a database (already holding whatever
 * else it loaded); it inserts its own rows with batched raw inserts on the migrated schema,
 * starts paygate (`dist/main.js`, as deployed) with the background jobs on, makes its backlog
 * due in one statement and times how long the instances take to drain it, then checks in the
 * database that every order and event was handled exactly once. Its rows are deleted at the
 * end. Standalone: `npm run bench:queues -- --engine=postgres` (or sqlite, or both) on a
 * scratch database; the table is printed and written to bench/results/queues-latest.json.
 *
 * The backlogs:
 * - expiry: QUEUE_BENCH_EXPIRED (100,000) PENDING orders past expires_at on a sandbox channel
 *   (latency 0), swept by one instance, then as many again by two. The payment.closed events
 *   the sweep writes are held back from delivery while it runs (a trigger on this bench's
 *   merchant sets their next attempt far ahead), so the sweep is timed alone; they are the
 *   events of the webhook runs afterwards.
 * - status sync: QUEUE_BENCH_SILENT (50,000) PENDING orders due a status query on a sandbox
 *   channel answering after 20 ms (`latency_ms: 20`), synced by one instance. Channels have no
 *   rate limit of their own (only `daily_limit` on volume): the bound on calls is
 *   PAYMENT_SYNC_CONCURRENCY per instance.
 * - webhooks: QUEUE_BENCH_EVENTS (10,000) of those payment.closed events made due, delivered to
 *   a receiver in this process that answers 200 at once, by one instance and then (other
 *   events) by two.
 */
import { ChildProcess, execSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from '../../src/config/app-config';
import { buildDataSourceOptions } from '../../src/database/data-source-options';
import { ScaleResult } from './result';

export type { ScaleResult } from './result';

const ROOT = join(__dirname, '..', '..');
const EXPIRED = Number(process.env.QUEUE_BENCH_EXPIRED ?? 100_000);
const SILENT = Number(process.env.QUEUE_BENCH_SILENT ?? 50_000);
const EVENTS = Number(process.env.QUEUE_BENCH_EVENTS ?? 10_000);
/** A backlog not drained by then is reported with the share done and the rate reached. */
const CAP_MS = Number(process.env.QUEUE_BENCH_CAP_S ?? 300) * 1000;
/** Far enough ahead to never come due during a run. */
const FAR = 9_000_000_000_000;
const ADMIN_ID = `adm_qbench_${randomBytes(3).toString('hex')}`;
const ADMIN_SECRET = randomBytes(24).toString('hex');
const CHANNEL_KEY = randomBytes(32).toString('hex');
const JWT_SECRET = randomBytes(32).toString('hex');

export interface QueueBenchOptions {
  engine: 'postgres' | 'sqlite';
  databaseUrl: string;
  ports: [number, number];
  /** The webhook receiver's port (default: any free one). */
  receiverPort?: number;
}

interface Setup {
  tag: string;
  sourceId: number;
  sweepTemplate: Record<string, unknown>;
  syncTemplate: Record<string, unknown>;
}

export async function runQueueBenches(opts: QueueBenchOptions): Promise<ScaleResult[]> {
  ensureBuild();
  const store = await Store.open(opts.engine, opts.databaseUrl);
  const receiver = await Receiver.start(opts.receiverPort ?? 0);
  const results: ScaleResult[] = [];
  let setup: Setup | undefined;
  try {
    await store.ds.runMigrations();
    setup = await prepare(opts, store, receiver);
    const one = await expiryRun(opts, store, setup, 'a', [opts.ports[0]]);
    const two = await expiryRun(opts, store, setup, 'b', opts.ports);
    results.push(
      {
        name: 'queues.expiry.one_instance',
        target: `${EXPIRED} expired orders closed in < 120 s, each once`,
        value: one.seconds,
        unit: 's',
        pass: one.drained && one.seconds < 120 && one.exactlyOnce,
        detail: one.detail,
      },
      {
        name: 'queues.expiry.two_instances',
        target: '< 0.70 x one instance’s time, each order closed once',
        // from the rates, which stay comparable when a run had to stop before the end
        value: round(one.perSecond / two.perSecond, 3),
        unit: 'ratio',
        pass: two.drained && one.perSecond < 0.7 * two.perSecond && two.exactlyOnce,
        detail: { seconds: two.seconds, ...two.detail },
      },
    );
    const sync = await syncRun(opts, store, setup);
    results.push({
      name: 'queues.status_sync.one_instance',
      target: `${SILENT} silent orders asked (latency_ms 20) in < 300 s`,
      value: sync.seconds,
      unit: 's',
      pass: sync.drained && sync.seconds < 300,
      detail: sync.detail,
    });
    const hooksOne = await webhookRun(opts, store, setup, receiver, [opts.ports[0]]);
    const hooksTwo = await webhookRun(opts, store, setup, receiver, opts.ports);
    results.push(
      {
        name: 'queues.webhooks.one_instance',
        target: '>= 500 events/s, each delivered once with its sequence',
        value: hooksOne.perSecond,
        unit: 'events/s',
        pass: hooksOne.drained && hooksOne.perSecond >= 500 && hooksOne.exactlyOnce,
        detail: hooksOne.detail,
      },
      {
        name: 'queues.webhooks.two_instances',
        target: '>= 1.6 x one instance’s events/s',
        value: round(hooksTwo.perSecond / hooksOne.perSecond, 3),
        unit: 'ratio',
        pass:
          hooksTwo.drained &&
          hooksTwo.perSecond >= 1.6 * hooksOne.perSecond &&
          hooksTwo.exactlyOnce,
        detail: { events_per_second: hooksTwo.perSecond, ...hooksTwo.detail },
      },
    );
  } finally {
    if (setup) await cleanUp(store, setup).catch((e: unknown) => log(`clean-up failed: ${e}`));
    await receiver.stop();
    await store.close();
  }
  return results;
}

/** Merchant, channels and the two template orders, through the API of one instance. */
async function prepare(opts: QueueBenchOptions, store: Store, receiver: Receiver): Promise<Setup> {
  const tag = randomBytes(3).toString('hex');
  const app = await Paygate.start(opts, opts.ports[0], { JOBS_ENABLED: 'false' });
  try {
    const admin = await token(app.url, ADMIN_ID, ADMIN_SECRET);
    const merchant = await api(app.url, 'POST', '/v1/merchants', admin, {
      name: `Queue bench ${tag}`,
      notify_url: receiver.url,
    });
    const channels: [string, number][] = [
      [`qb_sweep_${tag}`, 0],
      [`qb_sync_${tag}`, 20],
    ];
    for (const [code, latency] of channels)
      await api(app.url, 'POST', '/v1/channels', admin, {
        code,
        name: `Queue bench ${code}`,
        provider: 'sandbox',
        config: { latency_ms: latency, create_error_rate: 0, notify_drop_rate: 1 },
      });
    const merchantToken = await token(
      app.url,
      merchant.client_id as string,
      merchant.client_secret as string,
    );
    const sourceId = merchant.source_id as number;
    const template = async (code: string) => {
      const order = await api(app.url, 'POST', '/v1/payments/create', merchantToken, {
        source_id: sourceId,
        product_id: 'qb',
        product_name: 'queue bench',
        amount: 1000,
        merchant_order_no: `${tag}-${code}`,
        channel: code,
      });
      const [row] = await store.query('SELECT * FROM orders WHERE order_id = ?', [order.order_id]);
      return row as Record<string, unknown>;
    };
    const setup: Setup = {
      tag,
      sourceId,
      sweepTemplate: await template(channels[0][0]),
      syncTemplate: await template(channels[1][0]),
    };
    await store.holdEvents(sourceId);
    return setup;
  } finally {
    await app.stop();
  }
}

interface Run {
  seconds: number;
  /** Orders or events done per second of the run. */
  perSecond: number;
  drained: boolean;
  exactlyOnce: boolean;
  detail: Record<string, unknown>;
}

async function expiryRun(
  opts: QueueBenchOptions,
  store: Store,
  setup: Setup,
  batch: string,
  ports: number[],
): Promise<Run> {
  const prefix = `ord_qb${setup.tag}x${batch}`;
  log(`${opts.engine}: inserting ${EXPIRED} PENDING orders (${prefix}*)`);
  const inserted = await store.insertOrders(setup.sweepTemplate, prefix, EXPIRED, (now) => ({
    status: 'PENDING',
    expires_at: FAR,
    next_sync_at: null,
    created_at: now - 3_600_000,
    updated_at: now - 3_600_000,
  }));
  const apps = await Promise.all(ports.map((port) => Paygate.start(opts, port)));
  try {
    const cpu = apps.map((a) => a.cpu());
    const t0 = Date.now();
    await store.query(`UPDATE orders SET expires_at = ? WHERE order_id LIKE ?`, [
      t0 - 60_000,
      `${prefix}%`,
    ]);
    log(`${opts.engine}: sweeping on ${ports.length} instance(s)`);
    const left = () => store.count(`status = 'PENDING' AND order_id LIKE ?`, [`${prefix}%`]);
    const drained = await waitUntil(async () => (await left()) === 0, CAP_MS);
    const seconds = round((Date.now() - t0) / 1000, 1);
    const cpuSeconds = apps.map((a, i) => round(a.cpu() - cpu[i], 1));
    const closed = await store.count(`status = 'CLOSED' AND order_id LIKE ?`, [`${prefix}%`]);
    const perOrder = await store.query(
      `SELECT n, COUNT(*) AS orders FROM (
         SELECT o.order_id, COUNT(e.id) AS n FROM orders o
         LEFT JOIN webhook_events e ON e.order_id = o.order_id AND e.type = 'payment.closed'
         WHERE o.order_id LIKE ? GROUP BY o.order_id) per GROUP BY n ORDER BY n`,
      [`${prefix}%`],
    );
    const eventsPerOrder = Object.fromEntries(perOrder.map((r) => [String(r.n), Number(r.orders)]));
    const byInstance = await store.query(
      `SELECT claimed_by AS worker FROM orders WHERE order_id LIKE ? AND status = 'CLOSED'`,
      [`${prefix}%`],
    );
    const split = new Map<string, number>();
    for (const r of byInstance as { worker: string | null }[]) {
      const owner = (r.worker ?? 'none').split('/')[0];
      split.set(owner, (split.get(owner) ?? 0) + 1);
    }
    const perSecond = round(closed / seconds, 0);
    // every closed order has one payment.closed event, and no order has more
    const exactlyOnce =
      (eventsPerOrder['1'] ?? 0) === closed &&
      Object.keys(eventsPerOrder).every((n) => n === '0' || n === '1');
    return {
      seconds,
      perSecond,
      drained,
      exactlyOnce,
      detail: {
        orders: inserted,
        closed,
        orders_by_payment_closed_events: eventsPerOrder,
        closed_per_instance: [...split.values()].sort((a, b) => b - a),
        orders_per_second: perSecond,
        instance_cpu_seconds: cpuSeconds,
      },
    };
  } finally {
    await Promise.all(apps.map((a) => a.stop()));
  }
}

async function syncRun(opts: QueueBenchOptions, store: Store, setup: Setup): Promise<Run> {
  const prefix = `ord_qb${setup.tag}s`;
  log(`${opts.engine}: inserting ${SILENT} silent PENDING orders (${prefix}*)`);
  // created two minutes ago: after this query the next one is due at 5 minutes (60,300,900)
  const inserted = await store.insertOrders(setup.syncTemplate, prefix, SILENT, (now) => ({
    status: 'PENDING',
    expires_at: FAR,
    next_sync_at: FAR,
    created_at: now - 120_000,
    updated_at: now - 120_000,
  }));
  const app = await Paygate.start(opts, opts.ports[0]);
  try {
    const cpu = app.cpu();
    const t0 = Date.now();
    await store.query(`UPDATE orders SET next_sync_at = ? WHERE order_id LIKE ?`, [
      t0 - 1000,
      `${prefix}%`,
    ]);
    log(`${opts.engine}: status sync on 1 instance`);
    const left = () => store.count(`next_sync_at <= ? AND order_id LIKE ?`, [t0, `${prefix}%`]);
    const drained = await waitUntil(async () => (await left()) === 0, CAP_MS);
    const seconds = round((Date.now() - t0) / 1000, 1);
    const rescheduled = await store.count(
      `status = 'PENDING' AND next_sync_at > ? AND order_id LIKE ?`,
      [t0, `${prefix}%`],
    );
    return {
      seconds,
      perSecond: round(rescheduled / seconds, 0),
      drained,
      exactlyOnce: rescheduled === inserted,
      detail: {
        orders: inserted,
        asked_and_rescheduled: rescheduled,
        orders_per_second: round(rescheduled / seconds, 0),
        concurrency_per_instance: 'PAYMENT_SYNC_CONCURRENCY (default 10)',
        channel_rate_limit: 'none: channels have only daily_limit (volume), no call rate limit',
        instance_cpu_seconds: round(app.cpu() - cpu, 1),
      },
    };
  } finally {
    await app.stop();
  }
}

async function webhookRun(
  opts: QueueBenchOptions,
  store: Store,
  setup: Setup,
  receiver: Receiver,
  ports: number[],
): Promise<Run & { perSecond: number }> {
  // payment.closed events of either sweep not delivered yet
  const prefix = `ord_qb${setup.tag}x`;
  const events = (
    await store.query(
      `SELECT id, sequence FROM webhook_events WHERE order_id LIKE ? AND delivery_status = 'pending'
       ORDER BY id LIMIT ?`,
      [`${prefix}%`, EVENTS],
    )
  ).map((r) => ({ id: String(r.id), sequence: Number(r.sequence) }));
  if (events.length === 0) throw new Error(`no payment.closed events of ${prefix}* to deliver`);
  const apps = await Promise.all(ports.map((port) => Paygate.start(opts, port)));
  try {
    receiver.reset();
    const cpu = apps.map((a) => a.cpu());
    const t0 = Date.now();
    await store.inBatches(
      events.map((e: { id: string }) => e.id),
      (ids) =>
        store.query(
          `UPDATE webhook_events SET next_attempt_at = ? WHERE id IN (${ids.map(() => '?').join(',')})`,
          [t0, ...ids],
        ),
    );
    log(
      `${opts.engine}: delivering ${events.length} webhook events on ${ports.length} instance(s)`,
    );
    const drained = await waitUntil(async () => receiver.hits.size >= events.length, CAP_MS, 200);
    const seconds = (Date.now() - t0) / 1000;
    const cpuSeconds = apps.map((a, i) => round(a.cpu() - cpu[i], 1));
    const expected = new Map<string, number>(
      events.map((e: { id: string; sequence: number }) => [e.id, e.sequence]),
    );
    let duplicates = 0;
    let wrongSequence = 0;
    let unexpected = 0;
    for (const [id, hits] of receiver.hits) {
      if (!expected.has(id)) unexpected++;
      if (hits.count > 1) duplicates += hits.count - 1;
      if (hits.sequence !== expected.get(id)) wrongSequence++;
    }
    const span = (receiver.last - receiver.first) / 1000;
    const perSecond = round(receiver.hits.size / span, 0);
    return {
      seconds: round(seconds, 1),
      perSecond,
      drained,
      exactlyOnce: drained && duplicates === 0 && wrongSequence === 0 && unexpected === 0,
      detail: {
        events: events.length,
        received: receiver.hits.size,
        duplicates,
        wrong_or_missing_sequence: wrongSequence,
        first_to_last_delivery_s: round(span, 2),
        from_due_to_last_delivery_s: round(seconds, 2),
        instance_cpu_seconds: cpuSeconds,
      },
    };
  } finally {
    await Promise.all(apps.map((a) => a.stop()));
  }
}

async function cleanUp(store: Store, setup: Setup): Promise<void> {
  const like = `ord_qb${setup.tag}%`;
  await store.releaseEvents();
  const orderOf = `order_id LIKE ?`;
  await store.query(
    `DELETE FROM webhook_attempts WHERE event_id IN (SELECT id FROM webhook_events WHERE ${orderOf})`,
    [like],
  );
  for (const table of ['webhook_events', 'order_event_sequences', 'sandbox_payments', 'orders'])
    await store.query(`DELETE FROM ${table} WHERE ${orderOf}`, [like]).catch(() => undefined);
}

/** The database, through TypeORM's driver: `?` placeholders on both engines. */
class Store {
  private constructor(
    readonly engine: 'postgres' | 'sqlite',
    readonly ds: DataSource,
  ) {}

  static async open(engine: 'postgres' | 'sqlite', url: string): Promise<Store> {
    const ds = new DataSource(buildDataSourceOptions(loadConfig({ DATABASE_URL: url })));
    await ds.initialize();
    return new Store(engine, ds);
  }

  query(sql: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
    let n = 0;
    const text = this.engine === 'postgres' ? sql.replace(/\?/g, () => `$${++n}`) : sql;
    return this.ds.query(text, params);
  }

  async count(where: string, params: unknown[]): Promise<number> {
    const [row] = await this.query(`SELECT COUNT(*) AS n FROM orders WHERE ${where}`, params);
    return Number(row.n);
  }

  async inBatches<T>(
    items: T[],
    work: (batch: T[]) => Promise<unknown>,
    size = 500,
  ): Promise<void> {
    for (let i = 0; i < items.length; i += size) await work(items.slice(i, i + size));
  }

  /** `count` copies of `template` with ids `prefix` + a number, in multi-row INSERTs. */
  async insertOrders(
    template: Record<string, unknown>,
    prefix: string,
    count: number,
    fields: (now: number) => Record<string, unknown>,
  ): Promise<number> {
    const now = Date.now();
    const base = { ...template, ...fields(now), claimed_by: null, claim_until: null };
    const columns = Object.keys(base);
    const rowsPer = Math.floor(30_000 / columns.length);
    const started = Date.now();
    for (let from = 0; from < count; from += rowsPer) {
      const values: unknown[] = [];
      const tuples: string[] = [];
      for (let i = from; i < Math.min(count, from + rowsPer); i++) {
        const id = `${prefix}${String(i).padStart(7, '0')}`;
        const row: Record<string, unknown> = {
          ...base,
          order_id: id,
          merchant_order_no: id,
          idempotency_key: id,
          channel_trade_no: null,
        };
        tuples.push(`(${columns.map(() => '?').join(',')})`);
        for (const c of columns) values.push(row[c]);
      }
      await this.query(
        `INSERT INTO orders (${columns.join(',')}) VALUES ${tuples.join(',')}`,
        values,
      );
    }
    log(`inserted ${count} orders in ${round((Date.now() - started) / 1000, 1)} s`);
    return count;
  }

  /**
   * Holds the bench merchant's new webhook events back (next attempt far ahead) while the
   * sweep is timed; the webhook runs make them due themselves.
   */
  async holdEvents(sourceId: number): Promise<void> {
    if (this.engine === 'postgres') {
      await this.query(`CREATE OR REPLACE FUNCTION qbench_hold_events() RETURNS trigger
        LANGUAGE plpgsql AS $$ BEGIN NEW.next_attempt_at := ${FAR}; RETURN NEW; END $$`);
      await this.query(`CREATE TRIGGER qbench_hold_events BEFORE INSERT ON webhook_events
        FOR EACH ROW WHEN (NEW.source_id = ${Number(sourceId)})
        EXECUTE FUNCTION qbench_hold_events()`);
    } else {
      await this.query(`CREATE TRIGGER qbench_hold_events AFTER INSERT ON webhook_events
        WHEN NEW.source_id = ${Number(sourceId)}
        BEGIN UPDATE webhook_events SET next_attempt_at = ${FAR} WHERE id = NEW.id; END`);
    }
  }

  async releaseEvents(): Promise<void> {
    if (this.engine === 'postgres') {
      await this.query(`DROP TRIGGER IF EXISTS qbench_hold_events ON webhook_events`);
      await this.query(`DROP FUNCTION IF EXISTS qbench_hold_events()`);
    } else {
      await this.query(`DROP TRIGGER IF EXISTS qbench_hold_events`);
    }
  }

  close(): Promise<void> {
    return this.ds.destroy();
  }
}

/** The merchant's endpoint: answers 200 at once, counts each event id and keeps its sequence. */
class Receiver {
  hits = new Map<string, { count: number; sequence: number | undefined }>();
  first = 0;
  last = 0;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(port: number): Promise<Receiver> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    const address = server.address() as { port: number };
    const receiver = new Receiver(server, `http://127.0.0.1:${address.port}/webhooks`);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
        receiver.record(Buffer.concat(chunks).toString());
      });
    });
    return receiver;
  }

  private record(body: string): void {
    let event: { id?: string; sequence?: unknown };
    try {
      event = JSON.parse(body) as typeof event;
    } catch {
      return;
    }
    if (typeof event.id !== 'string') return;
    const now = Date.now();
    if (this.hits.size === 0) this.first = now;
    this.last = now;
    const seen = this.hits.get(event.id);
    const sequence = Number.isInteger(event.sequence) ? (event.sequence as number) : undefined;
    if (seen) seen.count++;
    else this.hits.set(event.id, { count: 1, sequence });
  }

  reset(): void {
    this.hits = new Map();
    this.first = this.last = 0;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** One paygate process (the production build), its jobs on unless `env` says otherwise. */
class Paygate {
  private constructor(
    readonly url: string,
    private readonly child: ChildProcess,
  ) {}

  static async start(
    opts: QueueBenchOptions,
    port: number,
    env: Record<string, string> = {},
  ): Promise<Paygate> {
    const child = spawn(
      process.execPath,
      [
        '--max-old-space-size=256',
        ...(process.env.QUEUE_BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean),
        join(ROOT, 'dist', 'main.js'),
      ],
      {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH ?? '',
          NODE_ENV: 'production',
          LOG_LEVEL: 'warn',
          PORT: String(port),
          HOST: '127.0.0.1',
          DATABASE_URL: opts.databaseUrl,
          DATABASE_POOL_SIZE: '10',
          JWT_SECRET,
          CHANNEL_CONFIG_KEY: CHANNEL_KEY,
          BOOTSTRAP_ADMIN_CLIENT_ID: ADMIN_ID,
          BOOTSTRAP_ADMIN_CLIENT_SECRET: ADMIN_SECRET,
          RATE_LIMIT_ENABLED: 'false',
          DOCS_ENABLED: 'false',
          WEBHOOK_ALLOW_PRIVATE: 'true',
          JOBS_ENABLED: 'true',
          ...env,
        },
        stdio: ['ignore', 'inherit', 'inherit'],
      },
    );
    const url = `http://127.0.0.1:${port}`;
    await waitFor(`${url}/health/ready`, child);
    return new Paygate(url, child);
  }

  /** CPU seconds so far (user + system), from /proc. */
  cpu(): number {
    const fields = readFileSync(`/proc/${this.child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  }

  stop(): Promise<void> {
    if (this.child.exitCode !== null) return Promise.resolve();
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    return exited;
  }
}

const CLOCK_TICKS = Number(execSync('getconf CLK_TCK').toString().trim()) || 100;

/** dist/main.js, built with `nest build` when missing or older than the sources. */
function ensureBuild(): void {
  const main = join(ROOT, 'dist', 'main.js');
  const newest = execSync(`find src -name '*.ts' -newer ${JSON.stringify(main)} | head -1`, {
    cwd: ROOT,
  })
    .toString()
    .trim();
  if (existsSync(main) && newest === '') return;
  log('building paygate (nest build)');
  execSync('npx nest build', { cwd: ROOT, stdio: 'inherit' });
}

async function waitFor(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`paygate exited with ${child.exitCode}`);
    try {
      if ((await fetch(url)).status === 200) return;
    } catch {
      // not up yet
    }
    await sleep(100);
  }
  throw new Error(`${url} never answered 200`);
}

async function waitUntil(done: () => Promise<boolean>, timeoutMs: number, everyMs = 250) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await done()) return true;
    await sleep(everyMs);
  }
  return done();
}

async function token(url: string, clientId: string, secret: string): Promise<string> {
  const data = await api(url, 'POST', '/v1/auth/token', undefined, {
    grant_type: 'client_credentials',
    client_id: clientId,
    client_secret: secret,
  });
  return data.access_token as string;
}

async function api(
  url: string,
  method: string,
  path: string,
  bearer: string | undefined,
  body: unknown,
): Promise<Record<string, unknown>> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: {
      'content-type': 'application/json',
      'idempotency-key': randomBytes(8).toString('hex'),
      ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
    },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as { data: Record<string, unknown> };
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json.data;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

function log(message: string): void {
  process.stdout.write(`[bench:queues] ${message}\n`);
}

/** The results as a table, one line each. */
export function formatQueueTable(rows: (ScaleResult & { engine?: string })[]): string {
  const lines = [
    `| engine | measurement | target | value | pass |`,
    `|---|---|---|---|---|`,
    ...rows.map(
      (r) =>
        `| ${r.engine ?? ''} | ${r.name} | ${r.target} | ${r.value} ${r.unit} | ${r.pass ? 'yes' : 'NO'} |`,
    ),
  ];
  return lines.join('\n');
}

// ---- standalone: npm run bench:queues -- --engine=postgres|sqlite|both ----

async function scratch(
  engine: 'postgres' | 'sqlite',
): Promise<{ url: string; drop: () => Promise<void> }> {
  if (engine === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'paygate-queues-'));
    return {
      url: `sqlite:${join(dir, 'queues.sqlite')}`,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const admin = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `paygate_queues_${randomBytes(5).toString('hex')}`;
  const withClient = async (sql: string) => {
    const client = new Client({ connectionString: admin });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await withClient(`CREATE DATABASE ${name}`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => withClient(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

async function main(): Promise<void> {
  const arg = (name: string) =>
    process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const which = arg('engine') ?? 'both';
  const engines = (which === 'both' ? ['postgres', 'sqlite'] : [which]) as (
    'postgres' | 'sqlite'
  )[];
  const [low] = (process.env.BENCH_PORTS ?? '47400-47499').split('-').map(Number);
  const startedAt = new Date().toISOString();
  const rows: (ScaleResult & { engine: string })[] = [];
  for (const engine of engines) {
    const db = await scratch(engine);
    try {
      const results = await runQueueBenches({
        engine,
        databaseUrl: db.url,
        ports: [low, low + 1],
        receiverPort: low + 2,
      });
      rows.push(...results.map((r) => ({ engine, ...r })));
    } finally {
      await db.drop();
    }
  }
  const table = formatQueueTable(rows);
  process.stdout.write(`\n${table}\n`);
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(
    join(ROOT, 'bench', 'results', 'queues-latest.json'),
    `${JSON.stringify(
      {
        started_at: startedAt,
        finished_at: new Date().toISOString(),
        command: `ts-node --transpile-only bench/scale/queues.ts --engine=${which}`,
        machine: {
          cpus: cpus().length,
          cpu_model: cpus()[0]?.model,
          node: process.version,
          load_average_at_end: loadavg().map((l) => round(l, 2)),
        },
        settings: {
          expired_orders: EXPIRED,
          silent_orders: SILENT,
          webhook_events: EVENTS,
          PAYMENT_SYNC_CONCURRENCY: 'default (10)',
          WEBHOOK_CONCURRENCY: 'default (10)',
        },
        results: rows,
      },
      null,
      2,
    )}\n`,
  );
  if (rows.some((r) => !r.pass)) process.exitCode = 1;
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(
      `bench:queues failed: ${error instanceof Error ? error.stack : String(error)}\n`,
    );
    process.exit(1);
  });
}
