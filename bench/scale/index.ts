/**
 * `npm run bench:scale [-- --orders=N --engines=postgres,sqlite --skip-build]`: paygate on a
 * large data set (default a million orders over 90 days for 100 merchants, see load.ts), on
 * PostgreSQL (a scratch database, dropped at the end) and SQLite (a file in a temp dir).
 * Measures reads, lists, the console's statistics, the export, clearing a heavy day, its bill
 * CSV and reconciliation (measure.ts), and the queue benches of queues.ts when that module is
 * there; prints a table and writes bench/results/scale-latest.json. Servers listen on
 * BENCH_PORTS (default 47300-47399). Exits 1 when the ledger check fails or a request errs; a
 * missed target is reported, not an error (times are noisy on a shared machine).
 */
import { execSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { loadDataSet, LoadSummary } from './load';
import {
  measureBillCsv,
  measureClearing,
  measureExport,
  measureList,
  measureReads,
  measureReconciliation,
  measureStats,
  Target,
} from './measure';
import { ScaleEngine, ScaleResult } from './result';
import {
  api,
  migrate,
  Ports,
  ROOT,
  scratchStore,
  Server,
  SETTLEMENT_TZ,
  startServer,
  Store,
  token,
  withStore,
} from './server';

export interface ScaleOptions {
  orders: number;
  engines: ScaleEngine[];
  merchants: number;
  build: boolean;
  /** Run the server from the TypeScript sources (ts-node) instead of the production build. */
  fromSource: boolean;
  /** Requests per round of each read measurement. */
  readRequests: number;
  adminUrl: string;
  ports: [number, number];
  out: string;
  log: (message: string) => void;
}

export interface EngineReport {
  engine: ScaleEngine;
  load: Omit<LoadSummary, 'expectedBalances'>;
  results: ScaleResult[];
}

export interface ScaleReport {
  started_at: string;
  finished_at: string;
  command: string;
  machine: Record<string, unknown>;
  node: string;
  engines: EngineReport[];
}

const EMPTY_ORDERS = 1000;
const CHANNEL = { code: 'sandbox_scale', feeRateBps: 60, fixedFee: 0 };

export function parseArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): ScaleOptions {
  const arg = (name: string) =>
    argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? undefined;
  const orders = Number(arg('orders') ?? 1_000_000);
  if (!Number.isInteger(orders) || orders < 1000) throw new Error('--orders must be >= 1000');
  const engines = (arg('engines') ?? 'postgres,sqlite').split(',') as ScaleEngine[];
  for (const e of engines)
    if (e !== 'postgres' && e !== 'sqlite') throw new Error(`unknown engine ${e}`);
  const [low, high] = (env.BENCH_PORTS ?? '47300-47399').split('-').map(Number);
  return {
    orders,
    engines,
    merchants: Number(arg('merchants') ?? 100),
    build: !argv.includes('--skip-build') && !argv.includes('--from-source'),
    fromSource: argv.includes('--from-source'),
    readRequests: Number(arg('read-requests') ?? 2000),
    adminUrl: env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    ports: [low, high],
    out: arg('out') ?? join(ROOT, 'bench', 'results', 'scale-latest.json'),
    log: (m) => process.stdout.write(`[bench:scale] ${m}\n`),
  };
}

export async function runScale(options: ScaleOptions): Promise<ScaleReport> {
  const started = new Date().toISOString();
  if (options.build) {
    options.log('building paygate (production build)');
    execSync('npx nest build', { cwd: ROOT, stdio: 'ignore' });
  }
  const engines: EngineReport[] = [];
  for (const engine of options.engines) engines.push(await runEngine(engine, options));
  const report: ScaleReport = {
    started_at: started,
    finished_at: new Date().toISOString(),
    command: `npm run bench:scale -- --orders=${options.orders} --engines=${options.engines.join(',')}`,
    machine: machine(),
    node: process.version,
    engines,
  };
  mkdirSync(join(options.out, '..'), { recursive: true });
  writeFileSync(options.out, `${JSON.stringify(report, null, 2)}\n`);
  return report;
}

async function runEngine(engine: ScaleEngine, options: ScaleOptions): Promise<EngineReport> {
  const { log } = options;
  const ports = new Ports(options.ports[0], options.ports[1]);
  const secrets = {
    jwt: randomBytes(32).toString('hex'),
    channelKey: randomBytes(32).toString('hex'),
    adminId: 'adm_scale',
    adminSecret: randomBytes(24).toString('hex'),
  };
  const stores: Store[] = [];
  const servers: Server[] = [];
  const results: ScaleResult[] = [];
  try {
    const bigStore = await scratchStore(engine, options.adminUrl);
    stores.push(bigStore);
    const emptyStore = await scratchStore(engine, options.adminUrl);
    stores.push(emptyStore);
    const prepared: { store: Store; orders: number; setup?: Setup; summary?: LoadSummary }[] = [
      { store: bigStore, orders: options.orders },
      { store: emptyStore, orders: EMPTY_ORDERS },
    ];
    const targets: Target[] = [];
    for (const p of prepared) {
      await migrate(p.store.url);
      // merchants (with their sealed secrets and credentials) and the channel through the API;
      // the server stops while the rows are loaded (SQLite's indexes are dropped and rebuilt
      // under it) and starts again on the loaded database
      const setupServer = await startOnFreePort(ports, p.store.url, secrets, options.fromSource);
      try {
        p.setup = await setUp(setupServer, p.store.url, options.merchants);
      } finally {
        await setupServer.stop();
      }
      const loadStarted = Date.now();
      log(`${engine}: loading ${p.orders} orders`);
      p.summary = await loadDataSet({
        engine,
        databaseUrl: p.store.url,
        orders: p.orders,
        sourceIds: p.setup.sourceIds,
        channel: { ...p.setup.channel, ...CHANNEL },
        timeZone: SETTLEMENT_TZ,
        now: Date.now(),
        log: (m) => log(`${engine}: ${m}`),
      });
      log(
        `${engine}: loaded ${p.orders} orders in ${((Date.now() - loadStarted) / 1000).toFixed(1)} s: ${JSON.stringify(p.summary.counts)}`,
      );
      const { ledger } = p.summary;
      if (ledger.unbalancedEntries > 0 || ledger.mismatchedAccounts > 0)
        throw new Error(`${engine}: the loaded ledger does not balance: ${JSON.stringify(ledger)}`);
      const server = await startOnFreePort(ports, p.store.url, secrets, options.fromSource);
      servers.push(server);
      targets.push({
        server,
        databaseUrl: p.store.url,
        merchantToken: await token(server.url, p.setup.heavyClientId, p.setup.heavySecret),
        summary: p.summary,
        channelCode: CHANNEL.code,
      });
    }
    const [big, empty] = targets;
    const steps: [string, () => Promise<ScaleResult[]>][] = [
      ['reads', () => measureReads(big, empty, options.readRequests)],
      ['list', () => measureList(big, options.readRequests / 4)],
      ['stats', () => measureStats(big)],
      ['export', () => measureExport(big, options.orders)],
      ['clearing', () => measureClearing(big)],
      ['bill csv', () => measureBillCsv(big)],
      ['reconciliation', () => measureReconciliation(big)],
    ];
    for (const [name, step] of steps) {
      log(`${engine}: measuring ${name}`);
      const got = await step();
      for (const r of got) log(`${engine}: ${formatResult(r)}`);
      results.push(...got);
    }
    for (const server of servers.splice(0)) await server.stop();
    const queues = await queueBenches();
    if (queues) {
      log(`${engine}: queue benches (queues.ts)`);
      results.push(
        ...(await queues({ engine, databaseUrl: bigStore.url, ports: await twoPorts(ports) })),
      );
    }
    const { expectedBalances: _balances, ...load } = prepared[0].summary!;
    void _balances;
    return { engine, load, results };
  } finally {
    for (const server of servers) await server.stop();
    for (const store of stores) await store.drop().catch(() => undefined);
  }
}

type QueueBenches = (opts: {
  engine: ScaleEngine;
  databaseUrl: string;
  ports: [number, number];
}) => Promise<ScaleResult[]>;

/** The queue-draining benches, when bench/scale/queues.ts is part of this checkout. */
async function queueBenches(): Promise<QueueBenches | null> {
  const file = join(__dirname, 'queues.ts');
  if (!existsSync(file) && !existsSync(join(__dirname, 'queues.js'))) return null;
  const mod = (await import(join(__dirname, 'queues'))) as { runQueueBenches?: QueueBenches };
  return mod.runQueueBenches ?? null;
}

/**
 * Starts a server on the next free port of the range; another one when the port was taken
 * between the check and the listen (the range lies inside the kernel's ephemeral ports).
 */
async function startOnFreePort(
  ports: Ports,
  databaseUrl: string,
  secrets: Parameters<typeof startServer>[2],
  fromSource: boolean,
): Promise<Server> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startServer(databaseUrl, await ports.take(), secrets, fromSource);
    } catch (error) {
      if (attempt >= 5 || !/exited with 1/.test(String(error))) throw error;
    }
  }
}

async function twoPorts(ports: Ports): Promise<[number, number]> {
  return [await ports.take(), await ports.take()];
}

interface Setup {
  sourceIds: number[];
  heavyClientId: string;
  heavySecret: string;
  channel: { id: string; secret: string };
}

async function channelId(databaseUrl: string, code: string): Promise<string> {
  const rows = (await withStore(databaseUrl, (ds) =>
    ds.query(`SELECT id FROM channels WHERE code = '${code}'`),
  )) as { id: string }[];
  return rows[0].id;
}

async function setUp(server: Server, databaseUrl: string, merchants: number): Promise<Setup> {
  const sourceIds: number[] = [];
  let heavy: Record<string, unknown> | undefined;
  for (let i = 0; i < merchants; i++) {
    const m = await api(server.url, 'POST', '/v1/merchants', server.adminToken, {
      name: `Scale Shop ${i + 1}`,
    });
    sourceIds.push(m.source_id as number);
    heavy ??= m;
  }
  const secret = randomBytes(32).toString('base64url');
  await api(server.url, 'POST', '/v1/channels', server.adminToken, {
    code: CHANNEL.code,
    name: 'Scale sandbox',
    provider: 'sandbox',
    fee_rate_bps: CHANNEL.feeRateBps,
    fixed_fee: CHANNEL.fixedFee,
    config: { latency_ms: 0, create_error_rate: 0, secret },
  });
  return {
    sourceIds,
    heavyClientId: heavy!.client_id as string,
    heavySecret: heavy!.client_secret as string,
    // the API does not show channel ids; the journal and the sandbox's records use them
    channel: { id: await channelId(databaseUrl, CHANNEL.code), secret },
  };
}

function machine(): Record<string, unknown> {
  return {
    cpus: cpus().length,
    cpu_model: cpus()[0]?.model,
    memory_gb: Math.round(totalmem() / 2 ** 30),
    load_average: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

export function formatResult(r: ScaleResult): string {
  return `${r.pass ? 'PASS' : 'MISS'}  ${r.name.padEnd(34)} ${String(r.value).padStart(9)} ${r.unit.padEnd(5)}  target ${r.target}`;
}

export function printReport(report: ScaleReport): void {
  const lines: string[] = [''];
  for (const e of report.engines) {
    lines.push(
      `${e.engine}: ${JSON.stringify(e.load.counts)}; loaded in ${e.load.seconds} s; ledger ${JSON.stringify(e.load.ledger)}`,
    );
    for (const r of e.results) lines.push(`  ${formatResult(r)}`);
  }
  lines.push(
    '',
    `load average now ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}

if (require.main === module) {
  const options = parseArgs(process.argv.slice(2));
  runScale(options)
    .then((report) => {
      printReport(report);
      options.log(`written to ${options.out}`);
    })
    .catch((error: unknown) => {
      process.stderr.write(
        `bench:scale failed: ${error instanceof Error ? error.stack : String(error)}\n`,
      );
      process.exit(1);
    });
}
