/**
 * `npm run bench`: paygate's order creation and query throughput as a ratio of the least work
 * the same request could cost on this machine in the same run (bare Fastify + pg). Needs only a
 * reachable PostgreSQL (BENCH_DATABASE_URL, default the local one). Prints the figures and
 * writes bench/results/latest.json. Not a test: nothing fails on a time; it fails only when a
 * request errs or the database disagrees with the responses.
 */
import { ChildProcess, execSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { AddressInfo, createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { Client } from 'pg';
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from '../src/config/app-config';
import { buildDataSourceOptions } from '../src/database/data-source-options';

const ROOT = join(__dirname, '..');
const ADMIN_ID = 'adm_bench';
const ADMIN_SECRET = randomBytes(24).toString('hex');
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const DURATION = Number(process.env.BENCH_DURATION ?? 15);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
/** A git ref (commit, branch, tag) whose build also runs, alternating, to measure a change. */
const AGAINST = process.env.BENCH_AGAINST;

interface ScenarioResult {
  requests_per_second: number;
  p50_ms: number;
  p99_ms: number;
  requests: number;
  errors: number;
  non_2xx: number;
  /**
   * CPU time per request (user + system, microseconds) of the server process, of every
   * PostgreSQL process and of the load generator (this process), over the measured run: what
   * each request costs each party, which varies far less than requests/s on a shared machine.
   */
  cpu_us_per_request: { server: number; postgres: number; load_generator: number };
}

interface Target {
  name: string;
  url: string;
  process: ChildProcess;
  createPath: string;
  queryPath: (id: string) => string;
  headers: Record<string, string>;
  sourceId: number;
  idOf: (body: unknown) => string;
  createdIds: string[];
  created2xx: number;
  /** Creates sent but unanswered when a run stopped (autocannon closes its sockets). */
  unanswered: number;
  /** Can a create be retried safely with its Idempotency-Key? (paygate yes, the baseline no) */
  idempotent: boolean;
}

interface PendingRequest {
  path: string;
  body: string;
  key: string;
}

async function main(): Promise<void> {
  log(`building paygate (production build)`);
  execSync('npm run build', { cwd: ROOT, stdio: 'ignore' });

  const results: Record<string, unknown> = {
    started_at: new Date().toISOString(),
    machine: { cpus: cpus().length, node: process.version },
    settings: {
      connections: CONNECTIONS,
      duration_s: DURATION,
      warmup_s: WARMUP,
      rounds: ROUNDS,
      rate_limits:
        'RATE_LIMIT_ENABLED=false for the run (the limits would otherwise cap the load at 100/s per credential)',
      background_jobs:
        'JOBS_ENABLED=false (expiry sweep and status sync would query the sandbox mid-run)',
      logging: 'LOG_LEVEL=warn',
      node_options: `${productionNodeFlags(ROOT).join(' ')} (npm run start:prod)`,
    },
  };

  // --- PostgreSQL: baseline and paygate (and the build of BENCH_AGAINST), alternating
  const baselineDb = await scratchDatabase();
  const paygateDb = await scratchDatabase();
  await migrate(baselineDb.url);
  const baseline = await startBaseline(baselineDb.url);
  const paygate = await startPaygate(paygateDb.url);
  const pg: Record<string, ScenarioResult[]> = {
    baseline_create: [],
    paygate_create: [],
    baseline_query: [],
    paygate_query: [],
  };
  const earlier = AGAINST ? await startEarlierBuild(AGAINST) : undefined;
  if (earlier)
    Object.assign(pg, {
      [`${earlier.target.name}_create`]: [],
      [`${earlier.target.name}_query`]: [],
    });
  let peakRss = 0;
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      for (const target of earlier ? [baseline, paygate, earlier.target] : [baseline, paygate]) {
        log(`round ${round}: ${target.name} create`);
        pg[`${target.name}_create`].push(await runCreate(target));
        log(`round ${round}: ${target.name} query`);
        pg[`${target.name}_query`].push(await runQuery(target));
      }
    }
    peakRss = peakRssMb(paygate.process.pid!);
    await checkCounts(paygate, paygateDb.url, 'postgres');
    await checkCounts(baseline, baselineDb.url, 'postgres');
    if (earlier) await checkCounts(earlier.target, earlier.databaseUrl, 'postgres');
  } finally {
    await earlier?.stop();
    baseline.process.kill('SIGTERM');
    paygate.process.kill('SIGTERM');
    await Promise.all([exited(baseline.process), exited(paygate.process)]);
    await baselineDb.drop();
    await paygateDb.drop();
  }
  const best = (runs: ScenarioResult[]) =>
    runs.reduce((a, b) => (b.requests_per_second > a.requests_per_second ? b : a));
  const ratio = (a: number, b: number) => Math.round((a / b) * 1000) / 1000;
  const postgres = {
    runs: pg,
    best: Object.fromEntries(Object.entries(pg).map(([k, v]) => [k, best(v)])),
    ratios: {
      create_rps: ratio(
        best(pg.paygate_create).requests_per_second,
        best(pg.baseline_create).requests_per_second,
      ),
      query_rps: ratio(
        best(pg.paygate_query).requests_per_second,
        best(pg.baseline_query).requests_per_second,
      ),
      create_p99: ratio(best(pg.paygate_create).p99_ms, best(pg.baseline_create).p99_ms),
      query_p99: ratio(best(pg.paygate_query).p99_ms, best(pg.baseline_query).p99_ms),
    },
    ceilings: {
      create: ceiling(best(pg.paygate_create), best(pg.baseline_create)),
      query: ceiling(best(pg.paygate_query), best(pg.baseline_query)),
    },
    paygate_peak_rss_mb: peakRss,
    against: earlier ? againstSummary(earlier.target.name, pg) : undefined,
  };
  results.postgres = postgres;

  // --- SQLite: paygate alone, reported beside
  const dir = mkdtempSync(join(tmpdir(), 'paygate-bench-'));
  const sqliteUrl = `sqlite:${join(dir, 'bench.sqlite')}`;
  const lite = await startPaygate(sqliteUrl);
  const sqlite: Record<string, ScenarioResult[]> = { paygate_create: [], paygate_query: [] };
  let sqliteRss = 0;
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      log(`round ${round}: paygate on SQLite create`);
      sqlite.paygate_create.push(await runCreate(lite));
      log(`round ${round}: paygate on SQLite query`);
      sqlite.paygate_query.push(await runQuery(lite));
    }
    sqliteRss = peakRssMb(lite.process.pid!);
    await checkCounts(lite, sqliteUrl, 'sqlite');
  } finally {
    lite.process.kill('SIGTERM');
    await exited(lite.process);
    rmSync(dir, { recursive: true, force: true });
  }
  results.sqlite = {
    runs: sqlite,
    best: {
      paygate_create: best(sqlite.paygate_create),
      paygate_query: best(sqlite.paygate_query),
    },
    paygate_peak_rss_mb: sqliteRss,
  };
  results.targets = {
    create_ratio: '>= 0.5',
    query_ratio: '>= 0.7',
    p99: '<= 2 x baseline',
    peak_rss_mb: '<= 300',
  };
  results.finished_at = new Date().toISOString();
  writeFileSync(join(__dirname, 'results', 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  printSummary(
    postgres,
    results.sqlite as { best: Record<string, ScenarioResult>; paygate_peak_rss_mb: number },
  );
}

async function runCreate(target: Target): Promise<ScenarioResult> {
  let n = 0;
  const body = () =>
    JSON.stringify({
      source_id: target.sourceId,
      product_id: `p${n}`,
      product_name: 'apple',
      amount: 1000 + (n % 1000),
      merchant_order_no: `b${Date.now().toString(36)}${(n++).toString(36)}${randomBytes(3).toString('hex')}`,
    });
  await load(
    target,
    WARMUP,
    () => ({ method: 'POST', path: target.createPath, body: body(), key: true }),
    true,
  );
  return load(
    target,
    DURATION,
    () => ({ method: 'POST', path: target.createPath, body: body(), key: true }),
    true,
  );
}

async function runQuery(target: Target): Promise<ScenarioResult> {
  const ids = target.createdIds;
  if (ids.length === 0) throw new Error(`${target.name}: no orders to query`);
  let i = 0;
  const next = () => ({
    method: 'GET' as const,
    path: target.queryPath(ids[i++ % ids.length]),
    key: false,
  });
  await load(target, WARMUP, next, false);
  return load(target, DURATION, next, false);
}

/**
 * One autocannon run; every request built fresh (unique bodies, one Idempotency-Key each).
 * Autocannon stops at the deadline with requests still in flight; creates are tracked per
 * connection so that those can be retried afterwards with their own key, as a client that got
 * no answer would, and the order count checked exactly.
 */
async function load(
  target: Target,
  seconds: number,
  build: () => { method: 'GET' | 'POST'; path: string; body?: string; key: boolean },
  collectIds: boolean,
): Promise<ScenarioResult> {
  const inFlight = new Set<{ current?: PendingRequest }>();
  const before = cpuNow(target.process.pid!);
  const instance = autocannon({
    url: target.url,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [
      {
        setupRequest: (request, context) => {
          const r = build();
          const key = randomBytes(12).toString('hex');
          const slot = context as { current?: PendingRequest };
          if (collectIds) {
            slot.current = { path: r.path, body: r.body ?? '', key };
            inFlight.add(slot);
          }
          return {
            ...request,
            method: r.method,
            path: r.path,
            body: r.body,
            headers: {
              ...target.headers,
              ...(r.body ? { 'content-type': 'application/json' } : {}),
              ...(r.key ? { 'idempotency-key': key } : {}),
            },
          };
        },
        onResponse: (status, body, context) => {
          if (!collectIds) return;
          (context as { current?: PendingRequest }).current = undefined;
          if (status < 200 || status >= 300) return;
          target.created2xx++;
          if (target.createdIds.length < 20000)
            target.createdIds.push(target.idOf(JSON.parse(body)));
        },
      },
    ],
  });
  const result = await instance;
  const cpu = cpuSince(before, result.requests.total);
  for (const slot of inFlight) {
    const pending = slot.current;
    if (!pending) continue;
    if (!target.idempotent) {
      target.unanswered++;
      continue;
    }
    const res = await fetch(`${target.url}${pending.path}`, {
      method: 'POST',
      headers: {
        ...target.headers,
        'content-type': 'application/json',
        'idempotency-key': pending.key,
      },
      body: pending.body,
    });
    if (res.ok) {
      target.created2xx++;
      target.createdIds.push(target.idOf(await res.json()));
    } else {
      throw new Error(
        `${target.name}: retry of an unanswered create got ${res.status}: ${await res.text()}`,
      );
    }
  }
  return {
    requests_per_second: Math.round(result.requests.average),
    p50_ms: result.latency.p50,
    p99_ms: result.latency.p99,
    requests: result.requests.total,
    errors: result.errors + result.timeouts,
    non_2xx: result.non2xx,
    cpu_us_per_request: cpu,
  };
}

/**
 * What the measured CPU costs allow at most: the requests/s if paygate's own process cost
 * nothing and the machine's cores did only PostgreSQL's and the load generator's share of
 * each paygate request, as a ratio to the baseline. A ratio target above it cannot be met on
 * this machine by making paygate's code faster; only by asking less of the database.
 */
function ceiling(
  paygate: ScenarioResult,
  baseline: ScenarioResult,
): { requests_per_second: number; ratio: number } {
  const others = paygate.cpu_us_per_request.postgres + paygate.cpu_us_per_request.load_generator;
  const rps = others > 0 ? Math.round((cpus().length * 1e6) / others) : 0;
  return {
    requests_per_second: rps,
    ratio: Math.round((rps / baseline.requests_per_second) * 1000) / 1000,
  };
}

const CLOCK_TICKS = Number(execSync('getconf CLK_TCK').toString().trim()) || 100;

interface CpuReading {
  pid: number;
  server: number;
  /** Per PostgreSQL process: a backend that ends mid-run must not subtract its whole past. */
  postgres: Map<string, number>;
  loadGenerator: number;
}

/** CPU seconds so far of a process, from /proc (utime + stime). */
function processCpu(pid: number | string): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** Every PostgreSQL process of this machine (the postmaster, its backends and workers). */
function postgresCpu(): Map<string, number> {
  const readings = new Map<string, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'postgres') continue;
      readings.set(entry, processCpu(entry));
    } catch {
      // the process ended meanwhile
    }
  }
  return readings;
}

function cpuNow(pid: number): CpuReading {
  const own = process.cpuUsage();
  return {
    pid,
    server: processCpu(pid),
    postgres: postgresCpu(),
    loadGenerator: (own.user + own.system) / 1e6,
  };
}

function cpuSince(before: CpuReading, requests: number): ScenarioResult['cpu_us_per_request'] {
  const now = cpuNow(before.pid);
  const per = (seconds: number) => (requests > 0 ? Math.round((seconds * 1e6) / requests) : 0);
  return {
    server: per(now.server - before.server),
    // the processes alive at the end (one that ended during the run is not counted)
    postgres: per(
      [...now.postgres].reduce((sum, [pid, cpu]) => sum + cpu - (before.postgres.get(pid) ?? 0), 0),
    ),
    load_generator: per(now.loadGenerator - before.loadGenerator),
  };
}

async function startBaseline(url: string): Promise<Target> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      '-r',
      require.resolve('ts-node/register/transpile-only'),
      join(__dirname, 'baseline-server.ts'),
    ],
    {
      env: {
        ...process.env,
        PORT: String(port),
        BASELINE_DATABASE_URL: url,
        DATABASE_POOL_SIZE: '10',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await waitFor(`http://127.0.0.1:${port}/orders/none`, 404);
  return {
    name: 'baseline',
    url: `http://127.0.0.1:${port}`,
    process: child,
    createPath: '/orders',
    queryPath: (id) => `/orders/${id}`,
    headers: {},
    sourceId: 1000001,
    idOf: (body) => (body as { order_id: string }).order_id,
    createdIds: [],
    created2xx: 0,
    unanswered: 0,
    idempotent: false,
  };
}

async function startPaygate(databaseUrl: string, root = ROOT, name = 'paygate'): Promise<Target> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [...productionNodeFlags(root), join(root, 'dist', 'main.js')],
    {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'production',
        LOG_LEVEL: 'warn',
        PORT: String(port),
        HOST: '127.0.0.1',
        DATABASE_URL: databaseUrl,
        DATABASE_POOL_SIZE: '10',
        JWT_SECRET: randomBytes(32).toString('hex'),
        CHANNEL_CONFIG_KEY: randomBytes(32).toString('hex'),
        BOOTSTRAP_ADMIN_CLIENT_ID: ADMIN_ID,
        BOOTSTRAP_ADMIN_CLIENT_SECRET: ADMIN_SECRET,
        RATE_LIMIT_ENABLED: 'false',
        JOBS_ENABLED: 'false',
        DOCS_ENABLED: 'false',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/health/ready`, 200);
  const admin = await token(url, ADMIN_ID, ADMIN_SECRET);
  const merchant = await api(url, 'POST', '/v1/merchants', admin, { name: 'Bench Shop' });
  await api(url, 'POST', '/v1/channels', admin, {
    code: 'sandbox_bench',
    name: 'Bench sandbox',
    provider: 'sandbox',
    config: { latency_ms: 0, create_error_rate: 0 },
  });
  const merchantToken = await token(
    url,
    merchant.client_id as string,
    merchant.client_secret as string,
  );
  return {
    name,
    url,
    process: child,
    createPath: '/v1/payments/create',
    queryPath: (id) => `/v1/payments/${id}`,
    headers: { authorization: `Bearer ${merchantToken}` },
    sourceId: merchant.source_id as number,
    idOf: (body) => (body as { data: { order_id: string } }).data.order_id,
    createdIds: [],
    created2xx: 0,
    unanswered: 0,
    idempotent: true,
  };
}

/**
 * The node options of the production command, `npm run start:prod` in that build's own
 * package.json (the Dockerfile runs the same), so each build is measured as it is deployed.
 */
function productionNodeFlags(root: string): string[] {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const [command, ...args] = pkg.scripts['start:prod'].trim().split(/\s+/);
  if (command !== 'node' || args[args.length - 1] !== 'dist/main.js')
    throw new Error(
      `start:prod is not "node [options] dist/main.js": ${pkg.scripts['start:prod']}`,
    );
  return args.slice(0, -1);
}

/**
 * paygate: the database holds exactly as many orders as creates were answered 2xx (unanswered
 * ones were retried with their key). The baseline cannot retry safely, so its unanswered
 * creates may or may not have landed.
 */
async function checkCounts(
  target: Target,
  databaseUrl: string,
  engine: 'postgres' | 'sqlite',
): Promise<void> {
  const ds = new DataSource(buildDataSourceOptions(loadConfig({ DATABASE_URL: databaseUrl })));
  await ds.initialize();
  try {
    const [row] = await ds.query('SELECT COUNT(*) AS n FROM orders');
    const count = Number(row.n);
    log(
      `${target.name} on ${engine}: ${count} orders in the database, ${target.created2xx} creates answered 2xx, ${target.unanswered} unanswered`,
    );
    const ok = count >= target.created2xx && count <= target.created2xx + target.unanswered;
    if (!ok)
      throw new Error(
        `${target.name} on ${engine}: ${count} orders but ${target.created2xx} 2xx creates`,
      );
  } finally {
    await ds.destroy();
  }
}

async function migrate(url: string): Promise<void> {
  const ds = new DataSource(buildDataSourceOptions(loadConfig({ DATABASE_URL: url })));
  await ds.initialize();
  await ds.runMigrations();
  await ds.destroy();
}

async function scratchDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `paygate_bench_${randomBytes(5).toString('hex')}`;
  await withClient((c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () =>
      withClient((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(
        () => undefined,
      ),
  };
}

async function withClient<T>(work: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
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
      ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
    },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as { data: Record<string, unknown> };
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json.data;
}

async function waitFor(url: string, status: number): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(url)).status === status) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} never answered ${status}`);
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Peak resident set size (VmHWM) of a process, in MB. */
function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) =>
    child.exitCode !== null ? resolve() : child.once('exit', () => resolve()),
  );
}

function log(message: string): void {
  process.stdout.write(`[bench] ${message}\n`);
}

/**
 * BENCH_AGAINST: the production build of another commit, on a scratch database of its own,
 * run in the same rounds, so a change is measured against what it replaced on the same machine
 * in the same minutes (requests/s swing 20-40 % between runs here; CPU per request much less).
 */
async function startEarlierBuild(
  ref: string,
): Promise<{ target: Target; databaseUrl: string; stop: () => Promise<void> }> {
  const commit = execSync(`git rev-parse --verify ${JSON.stringify(`${ref}^{commit}`)}`, {
    cwd: ROOT,
  })
    .toString()
    .trim();
  const dir = mkdtempSync(join(tmpdir(), 'paygate-bench-against-'));
  log(`building ${ref} (${commit.slice(0, 10)}) in ${dir}`);
  execSync(`git worktree add --detach ${JSON.stringify(dir)} ${commit}`, {
    cwd: ROOT,
    stdio: 'ignore',
  });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  execSync('npm run build', { cwd: dir, stdio: 'ignore' });
  const db = await scratchDatabase();
  const target = await startPaygate(db.url, dir, `against_${commit.slice(0, 10)}`);
  return {
    target,
    databaseUrl: db.url,
    stop: async () => {
      target.process.kill('SIGTERM');
      await exited(target.process);
      await db.drop();
      execSync(`git worktree remove --force ${JSON.stringify(dir)}`, {
        cwd: ROOT,
        stdio: 'ignore',
      });
    },
  };
}

/** This build against the earlier one: means over the rounds, CPU per request first. */
function againstSummary(
  name: string,
  pg: Record<string, ScenarioResult[]>,
): Record<string, unknown> {
  const mean = (runs: ScenarioResult[], pick: (r: ScenarioResult) => number) =>
    Math.round(runs.reduce((sum, r) => sum + pick(r), 0) / runs.length);
  const compare = (scenario: 'create' | 'query') => {
    const now = pg[`paygate_${scenario}`];
    const before = pg[`${name}_${scenario}`];
    return {
      server_cpu_us_per_request: {
        before: mean(before, (r) => r.cpu_us_per_request.server),
        now: mean(now, (r) => r.cpu_us_per_request.server),
      },
      requests_per_second: {
        before: mean(before, (r) => r.requests_per_second),
        now: mean(now, (r) => r.requests_per_second),
      },
    };
  };
  return { build: name, create: compare('create'), query: compare('query') };
}

function printSummary(
  postgres: {
    best: Record<string, ScenarioResult>;
    ratios: Record<string, number>;
    ceilings: Record<string, { requests_per_second: number; ratio: number }>;
    paygate_peak_rss_mb: number;
    against?: Record<string, unknown>;
  },
  sqlite: { best: Record<string, ScenarioResult>; paygate_peak_rss_mb: number },
): void {
  const row = (name: string, r: ScenarioResult) =>
    `${name.padEnd(26)} ${String(r.requests_per_second).padStart(7)} req/s  p50 ${String(r.p50_ms).padStart(4)} ms  p99 ${String(r.p99_ms).padStart(4)} ms  errors ${r.errors}  non-2xx ${r.non_2xx}  CPU µs/req: server ${r.cpu_us_per_request.server}, postgres ${r.cpu_us_per_request.postgres}, load ${r.cpu_us_per_request.load_generator}`;
  const lines = [
    '',
    'PostgreSQL (best of the rounds)',
    ...Object.entries(postgres.best).map(([k, v]) => row(k, v)),
    `ratios paygate/baseline: create ${postgres.ratios.create_rps} (target >= 0.5), query ${postgres.ratios.query_rps} (target >= 0.7)`,
    `p99 paygate/baseline: create ${postgres.ratios.create_p99}, query ${postgres.ratios.query_p99} (target <= 2)`,
    `ceiling if paygate's process cost nothing (PostgreSQL + load generator CPU per request on ${cpus().length} cores): ` +
      `create ${postgres.ceilings.create.requests_per_second} req/s = ${postgres.ceilings.create.ratio} of the baseline, ` +
      `query ${postgres.ceilings.query.requests_per_second} req/s = ${postgres.ceilings.query.ratio}`,
    `paygate peak RSS ${postgres.paygate_peak_rss_mb} MB (target <= 300)`,
    ...(postgres.against
      ? [`against an earlier build (means of the rounds): ${JSON.stringify(postgres.against)}`]
      : []),
    '',
    'SQLite (paygate alone)',
    ...Object.entries(sqlite.best).map(([k, v]) => row(k, v)),
    `paygate peak RSS ${sqlite.paygate_peak_rss_mb} MB`,
    '',
    'written to bench/results/latest.json',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  const failures = [...Object.values(postgres.best), ...Object.values(sqlite.best)].filter(
    (r) => r.errors > 0 || r.non_2xx > 0,
  );
  if (failures.length > 0) {
    process.stderr.write('bench: some requests failed (errors or non-2xx): see above\n');
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
