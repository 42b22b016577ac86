/**
 * `npm run bench`: paygate's order creation and reads by id as a ratio of the least work the
 * same request could cost on this machine in the same run (bare Fastify + pg), on PostgreSQL,
 * and paygate on SQLite in the same rounds. The load comes from wrk (a C load generator) driven
 * by Lua scripts (bench/wrk/) that give every create a unique body and Idempotency-Key. Needs a
 * reachable PostgreSQL (BENCH_DATABASE_URL, default the local one) and wrk (installed with
 * apt-get when missing and the bench runs as root). Prints the figures and writes
 * bench/results/latest.json. Not a test: nothing fails on a time; it fails only when a request
 * errs or the database disagrees with the responses.
 */
import { ChildProcess, execFileSync, execSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { AddressInfo, createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from '../src/config/app-config';
import { buildDataSourceOptions } from '../src/database/data-source-options';

const ROOT = join(__dirname, '..');
const LUA_DIR = join(__dirname, 'wrk');
const ADMIN_ID = 'adm_bench';
const ADMIN_SECRET = randomBytes(24).toString('hex');
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const THREADS = Number(process.env.BENCH_THREADS ?? 2);
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ENGINES = (process.env.BENCH_ENGINES ?? 'postgres,sqlite').split(',');
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
/** Ports the servers listen on: BENCH_PORTS=47200-47299 (default: any free port). */
const PORTS = process.env.BENCH_PORTS;
/** A git ref (commit, branch, tag) whose build also runs, alternating, to measure a change. */
const AGAINST = process.env.BENCH_AGAINST;
/** The engines the BENCH_AGAINST build runs on (default: BENCH_ENGINES). */
const AGAINST_ENGINES = (process.env.BENCH_AGAINST_ENGINES ?? ENGINES.join(',')).split(',');

const ALL_SCENARIOS = ['create', 'read_query', 'read_path'] as const;
type Scenario = (typeof ALL_SCENARIOS)[number];
/** The scenarios to run (default all): BENCH_SCENARIOS=read_query,read_path. */
const SCENARIOS = (process.env.BENCH_SCENARIOS ?? ALL_SCENARIOS.join(',')).split(',').map((s) => {
  if (!(ALL_SCENARIOS as readonly string[]).includes(s))
    throw new Error(`BENCH_SCENARIOS: unknown scenario ${s} (${ALL_SCENARIOS.join(', ')})`);
  return s as Scenario;
});
/**
 * A directory for V8 CPU profiles of the paygate servers (`node --cpu-prof`), written when they
 * stop: BENCH_CPU_PROF=/tmp/prof. Profiling slows them, so their figures are not comparable to a
 * run without it.
 */
const CPU_PROF = process.env.BENCH_CPU_PROF;

interface ScenarioResult {
  requests_per_second: number;
  p50_ms: number;
  p99_ms: number;
  requests: number;
  /** Socket errors and timeouts. */
  errors: number;
  /** Answers with a status of 400 or more. */
  non_2xx: number;
  /**
   * CPU time per request (user + system, microseconds) of the server process, of every
   * PostgreSQL process and of wrk, over the measured run: what each request costs each party,
   * which varies far less than requests/s on a shared machine.
   */
  cpu_us_per_request: { server: number; postgres: number; load_generator: number };
  /** The machine's 1-minute load average when the run ended. */
  load_average: number;
}

interface Target {
  name: string;
  engine: 'postgres' | 'sqlite';
  databaseUrl: string;
  url: string;
  process: ChildProcess;
  createPath: string;
  readPaths: Record<Exclude<Scenario, 'create'>, string>;
  authorization: string;
  sourceId: number;
  /** Creates answered below 400, over every run (warm-ups included). */
  answered: number;
  /** Creates that may have been in flight when a run stopped (one per connection per run). */
  unanswered: number;
  results: Record<Scenario, ScenarioResult[]>;
  stop: () => Promise<void>;
}

interface WrkSummary {
  duration_us: number;
  requests: number;
  connect_errors: number;
  read_errors: number;
  write_errors: number;
  status_errors: number;
  timeouts: number;
  p50_us: number;
  p99_us: number;
  max_us: number;
  utime_ticks: number;
  stime_ticks: number;
}

async function main(): Promise<void> {
  const wrkVersion = ensureWrk();
  log(`building paygate (production build)`);
  execSync('npm run build', { cwd: ROOT, stdio: 'ignore' });

  const results: Record<string, unknown> = {
    started_at: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      cpu_model: cpus()[0]?.model,
      node: process.version,
      load_average_at_start: loadavg().map((l) => Math.round(l * 100) / 100),
    },
    command: commandLine(),
    settings: {
      load_generator: `${wrkVersion}, ${THREADS} threads, Lua scripts in bench/wrk/`,
      connections: CONNECTIONS,
      duration_s: DURATION,
      warmup_s: WARMUP,
      rounds: ROUNDS,
      engines: ENGINES,
      rate_limits:
        'RATE_LIMIT_ENABLED=false for the run (the limits would otherwise cap the load at 100/s per credential)',
      background_jobs:
        'JOBS_ENABLED=false (expiry sweep and status sync would query the sandbox mid-run)',
      logging: 'LOG_LEVEL=warn',
      node_options: `${productionNodeFlags(ROOT).join(' ')} (npm run start:prod)`,
    },
  };

  const targets: Target[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  try {
    if (ENGINES.includes('postgres')) {
      const db = await scratchDatabase();
      cleanups.push(db.drop);
      await migrate(db.url);
      targets.push(await startBaseline(db.url));
    }
    for (const engine of ENGINES as ('postgres' | 'sqlite')[]) {
      const db = await scratchStore(engine);
      cleanups.push(db.drop);
      targets.push(await startPaygate(engine, db.url, ROOT, `paygate_${engine}`));
    }
    if (AGAINST) {
      const earlier = await checkoutEarlierBuild(AGAINST);
      cleanups.push(earlier.remove);
      for (const engine of AGAINST_ENGINES as ('postgres' | 'sqlite')[]) {
        const db = await scratchStore(engine);
        cleanups.push(db.drop);
        targets.push(await startPaygate(engine, db.url, earlier.dir, `${earlier.name}_${engine}`));
      }
    }

    if (!SCENARIOS.includes('create')) {
      // the reads need orders: one unmeasured create run per target
      for (const target of targets) {
        log(`${target.name}: creating orders to read`);
        countCreates(target, await runWrk(target, 'create.lua', WARMUP, createEnv(target)));
      }
    }
    for (let round = 1; round <= ROUNDS; round++) {
      for (const target of targets) {
        for (const scenario of SCENARIOS) {
          log(
            `round ${round}: ${target.name} ${scenario} (load average ${loadavg()[0].toFixed(2)})`,
          );
          target.results[scenario].push(await runScenario(target, scenario));
        }
      }
    }
    for (const target of targets) await checkCounts(target);
    const peakRss = Object.fromEntries(
      targets.map((t) => [t.name, peakRssMb(t.process.pid!)] as const),
    );
    results.targets = Object.fromEntries(targets.map((t) => [t.name, t.results]));
    results.peak_rss_mb = peakRss;
    results.summary = summarize(targets, peakRss);
  } finally {
    for (const target of targets) await target.stop();
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }
  results.finished_at = new Date().toISOString();
  (results.machine as Record<string, unknown>).load_average_at_end = loadavg().map(
    (l) => Math.round(l * 100) / 100,
  );
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  writeFileSync(join(__dirname, 'results', 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  printSummary(targets, results.summary as Summary);
}

/** One scenario on one target: a warm-up run, then the measured run. */
async function runScenario(target: Target, scenario: Scenario): Promise<ScenarioResult> {
  let ids: string | undefined;
  if (scenario !== 'create') ids = await writeOrderIds(target);
  const env =
    scenario === 'create'
      ? createEnv(target)
      : {
          BENCH_AUTH: target.authorization,
          BENCH_PATH: target.readPaths[scenario],
          BENCH_IDS: ids!,
        };
  const script = scenario === 'create' ? 'create.lua' : 'read.lua';
  try {
    const warm = await runWrk(target, script, WARMUP, env);
    if (scenario === 'create') countCreates(target, warm);
    const before = cpuNow(target);
    const run = await runWrk(target, script, DURATION, env);
    if (scenario === 'create') countCreates(target, run);
    const cpu = cpuSince(before, run);
    return {
      requests_per_second: Math.round(run.requests / (run.duration_us / 1e6)),
      p50_ms: Math.round(run.p50_us / 100) / 10,
      p99_ms: Math.round(run.p99_us / 100) / 10,
      requests: run.requests,
      errors: run.connect_errors + run.read_errors + run.write_errors + run.timeouts,
      non_2xx: run.status_errors,
      cpu_us_per_request: cpu,
      load_average: Math.round(loadavg()[0] * 100) / 100,
    };
  } finally {
    if (ids) rmSync(ids, { force: true });
  }
}

function createEnv(target: Target): Record<string, string> {
  return {
    BENCH_AUTH: target.authorization,
    BENCH_PATH: target.createPath,
    BENCH_SOURCE_ID: String(target.sourceId),
  };
}

function countCreates(target: Target, run: WrkSummary): void {
  target.answered += run.requests - run.status_errors;
  target.unanswered += CONNECTIONS;
}

let runNo = 0;

/** One wrk run; its summary comes from the script's done() (bench/wrk/common.lua). */
function runWrk(
  target: Target,
  script: string,
  seconds: number,
  env: Record<string, string>,
): Promise<WrkSummary> {
  const out = join(tmpdir(), `paygate-bench-wrk-${process.pid}-${++runNo}.json`);
  const child = spawn(
    'wrk',
    [
      '-t',
      String(THREADS),
      '-c',
      String(CONNECTIONS),
      '-d',
      `${seconds}s`,
      '--timeout',
      '10s',
      '-s',
      join(LUA_DIR, script),
      target.url,
    ],
    {
      env: {
        PATH: process.env.PATH ?? '',
        BENCH_LUA_DIR: LUA_DIR,
        BENCH_OUT: out,
        BENCH_PREFIX: `${randomBytes(4).toString('hex')}${runNo.toString(36)}`,
        ...env,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      try {
        if (code !== 0) throw new Error(`wrk exited with ${code}: ${stderr}`);
        resolve(JSON.parse(readFileSync(out, 'utf8')) as WrkSummary);
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      } finally {
        rmSync(out, { force: true });
      }
    });
  });
}

/** Up to 20,000 ids of the target's orders, newest first, in a file for read.lua. */
async function writeOrderIds(target: Target): Promise<string> {
  const rows = await withStore(target.databaseUrl, (ds) =>
    ds.query('SELECT order_id FROM orders ORDER BY created_at DESC LIMIT 20000'),
  );
  if (rows.length === 0) throw new Error(`${target.name}: no orders to read`);
  const file = join(tmpdir(), `paygate-bench-ids-${process.pid}-${++runNo}.txt`);
  writeFileSync(file, `${rows.map((r: { order_id: string }) => r.order_id).join('\n')}\n`);
  return file;
}

const CLOCK_TICKS = Number(execSync('getconf CLK_TCK').toString().trim()) || 100;

interface CpuReading {
  server: number;
  /** Per PostgreSQL process: a backend that ends mid-run must not subtract its whole past. */
  postgres: Map<string, number>;
  target: Target;
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

function cpuNow(target: Target): CpuReading {
  return {
    target,
    server: processCpu(target.process.pid!),
    postgres: target.engine === 'postgres' ? postgresCpu() : new Map(),
  };
}

function cpuSince(before: CpuReading, run: WrkSummary): ScenarioResult['cpu_us_per_request'] {
  const now = cpuNow(before.target);
  const per = (seconds: number) =>
    run.requests > 0 ? Math.round((seconds * 1e6) / run.requests) : 0;
  return {
    server: per(now.server - before.server),
    // the processes alive at the end (one that ended during the run is not counted)
    postgres: per(
      [...now.postgres].reduce((sum, [pid, cpu]) => sum + cpu - (before.postgres.get(pid) ?? 0), 0),
    ),
    load_generator: per((Number(run.utime_ticks) + Number(run.stime_ticks)) / CLOCK_TICKS),
  };
}

function emptyResults(): Record<Scenario, ScenarioResult[]> {
  return { create: [], read_query: [], read_path: [] };
}

async function startBaseline(databaseUrl: string): Promise<Target> {
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
        BASELINE_DATABASE_URL: databaseUrl,
        DATABASE_POOL_SIZE: '10',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  await waitFor(`http://127.0.0.1:${port}/orders/none`, 404);
  return {
    name: 'baseline',
    engine: 'postgres',
    databaseUrl,
    url: `http://127.0.0.1:${port}`,
    process: child,
    createPath: '/orders',
    readPaths: { read_query: '/orders?order_id=', read_path: '/orders/' },
    authorization: '',
    sourceId: 1000001,
    answered: 0,
    unanswered: 0,
    results: emptyResults(),
    stop: () => stopProcess(child),
  };
}

async function startPaygate(
  engine: 'postgres' | 'sqlite',
  databaseUrl: string,
  root: string,
  name: string,
): Promise<Target> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      ...productionNodeFlags(root),
      ...(CPU_PROF
        ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF}`, `--cpu-prof-name=${name}.cpuprofile`]
        : []),
      join(root, 'dist', 'main.js'),
    ],
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
    engine,
    databaseUrl,
    url,
    process: child,
    createPath: '/v1/payments/create',
    readPaths: { read_query: '/v1/payments?order_id=', read_path: '/v1/payments/' },
    authorization: `Bearer ${merchantToken}`,
    sourceId: merchant.source_id as number,
    answered: 0,
    unanswered: 0,
    results: emptyResults(),
    stop: () => stopProcess(child),
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
 * The database holds at least as many orders as creates were answered below 400, and at most
 * that plus one per connection per run (a create in flight when wrk stopped may or may not have
 * been written; paygate writes it, as its client's retry with the same key would find).
 */
async function checkCounts(target: Target): Promise<void> {
  const [row] = await withStore(target.databaseUrl, (ds) =>
    ds.query('SELECT COUNT(*) AS n FROM orders'),
  );
  const count = Number(row.n);
  log(
    `${target.name}: ${count} orders in the database, ${target.answered} creates answered, at most ${target.unanswered} in flight at the ends of runs`,
  );
  if (count < target.answered || count > target.answered + target.unanswered)
    throw new Error(`${target.name}: ${count} orders but ${target.answered} answered creates`);
}

async function withStore<T>(databaseUrl: string, work: (ds: DataSource) => Promise<T>): Promise<T> {
  const ds = new DataSource(buildDataSourceOptions(loadConfig({ DATABASE_URL: databaseUrl })));
  await ds.initialize();
  try {
    return await work(ds);
  } finally {
    await ds.destroy();
  }
}

async function migrate(url: string): Promise<void> {
  await withStore(url, (ds) => ds.runMigrations());
}

async function scratchStore(
  engine: 'postgres' | 'sqlite',
): Promise<{ url: string; drop: () => Promise<void> }> {
  if (engine === 'postgres') return scratchDatabase();
  const dir = mkdtempSync(join(tmpdir(), 'paygate-bench-'));
  return {
    url: `sqlite:${join(dir, 'bench.sqlite')}`,
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
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

let nextPort = 0;

/** A free port: from BENCH_PORTS (a range such as 47200-47299) when set, else any. */
async function freePort(): Promise<number> {
  if (PORTS) {
    const [low, high] = PORTS.split('-').map(Number);
    for (let port = Math.max(low, nextPort); port <= high; port++) {
      if (await portFree(port)) {
        nextPort = port + 1;
        return port;
      }
    }
    throw new Error(`no free port in ${PORTS}`);
  }
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Peak resident set size (VmHWM) of a process, in MB. */
function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  return exited;
}

/** wrk's version line; installs Debian's wrk with apt-get when it is missing and we are root. */
function ensureWrk(): string {
  const version = () =>
    execFileSync('wrk', ['-v'], { stdio: ['ignore', 'pipe', 'pipe'] })
      .toString()
      .split('\n')[0]
      .trim();
  const found = () => {
    try {
      return version() || 'wrk';
    } catch (error) {
      // `wrk -v` prints its version and exits 1
      const out = (error as { stdout?: Buffer }).stdout?.toString().split('\n')[0].trim();
      if (out?.startsWith('wrk')) return out;
      return undefined;
    }
  };
  const present = found();
  if (present) return present;
  if (process.getuid?.() !== 0)
    throw new Error('wrk is not installed: apt-get install wrk (Debian/Ubuntu), then run again');
  log('wrk is missing: apt-get install -y wrk');
  execSync('apt-get install -y wrk || (apt-get update && apt-get install -y wrk)', {
    stdio: 'inherit',
  });
  const installed = found();
  if (!installed) throw new Error('wrk could not be installed');
  return installed;
}

function commandLine(): string {
  const vars = Object.entries(process.env)
    .filter(([k]) => k.startsWith('BENCH_'))
    .map(([k, v]) => `${k}=${v}`);
  return [...vars, 'npm run bench'].join(' ');
}

function log(message: string): void {
  process.stdout.write(`[bench] ${message}\n`);
}

/**
 * BENCH_AGAINST: the production build of another commit (in a temporary git worktree with this
 * checkout's node_modules), run on scratch databases of its own in the same rounds, so a change
 * is measured against what it replaced on the same machine in the same minutes.
 */
async function checkoutEarlierBuild(
  ref: string,
): Promise<{ dir: string; name: string; remove: () => Promise<void> }> {
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
  const remove = async () => {
    execSync(`git worktree remove --force ${JSON.stringify(dir)}`, { cwd: ROOT, stdio: 'ignore' });
  };
  try {
    // the console workspace has modules of its own, which its build needs
    for (const modules of ['node_modules', join('console', 'node_modules')]) {
      if (existsSync(join(ROOT, modules))) symlinkSync(join(ROOT, modules), join(dir, modules));
    }
    execSync('npm run build', { cwd: dir, stdio: 'pipe' });
  } catch (error) {
    await remove();
    throw error;
  }
  return { dir, name: `against_${commit.slice(0, 10)}`, remove };
}

type Summary = Record<string, unknown>;

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const round3 = (n: number) => Math.round(n * 1000) / 1000;

/**
 * Ratios of each paygate target to the baseline, round by round (the runs of one round are
 * minutes apart at most), and their median over the rounds; the load generator's CPU per
 * request as a share of the baseline server's.
 */
function summarize(targets: Target[], peakRss: Record<string, number>): Summary {
  const baseline = targets.find((t) => t.name === 'baseline');
  const summary: Summary = { peak_rss_mb: peakRss };
  const medians: Record<string, Record<Scenario, Record<string, number>>> = {};
  for (const target of targets) {
    medians[target.name] = Object.fromEntries(
      SCENARIOS.map((s) => {
        const runs = target.results[s];
        return [
          s,
          {
            requests_per_second: median(runs.map((r) => r.requests_per_second)),
            p99_ms: median(runs.map((r) => r.p99_ms)),
            server_cpu_us: median(runs.map((r) => r.cpu_us_per_request.server)),
            postgres_cpu_us: median(runs.map((r) => r.cpu_us_per_request.postgres)),
            load_generator_cpu_us: median(runs.map((r) => r.cpu_us_per_request.load_generator)),
            errors: runs.reduce((n, r) => n + r.errors, 0),
            non_2xx: runs.reduce((n, r) => n + r.non_2xx, 0),
          },
        ];
      }),
    ) as unknown as Record<Scenario, Record<string, number>>;
  }
  summary.medians = medians;
  if (baseline) {
    const ratios: Record<string, Record<string, number>> = {};
    for (const target of targets) {
      if (target === baseline) continue;
      const entry: Record<string, number> = {};
      for (const s of SCENARIOS) {
        // each read with the baseline's same read (one primary-key SELECT, by path or query)
        const base = baseline.results[s];
        const mine = target.results[s];
        entry[`${s}_rps`] = round3(
          median(mine.map((r, i) => r.requests_per_second / base[i].requests_per_second)),
        );
        entry[`${s}_p99`] = round3(median(mine.map((r, i) => r.p99_ms / base[i].p99_ms)));
      }
      ratios[target.name] = entry;
    }
    summary.ratios_to_baseline = ratios;
    summary.load_generator_share = Object.fromEntries(
      SCENARIOS.map((s) => [
        s,
        round3(
          median(
            baseline.results[s].map(
              (r) => r.cpu_us_per_request.load_generator / r.cpu_us_per_request.server,
            ),
          ),
        ),
      ]),
    );
  }
  const earlier = targets.filter((t) => t.name.startsWith('against_'));
  if (earlier.length > 0) {
    // the A/B of BENCH_AGAINST: this build over the earlier one, engine by engine, round by round
    const ratios: Record<string, Record<string, number>> = {};
    for (const old of earlier) {
      const current = targets.find((t) => t.name === `paygate_${old.engine}`);
      if (!current) continue;
      const entry: Record<string, number> = {};
      for (const s of SCENARIOS) {
        const base = old.results[s];
        const mine = current.results[s];
        const ratio = (pick: (r: ScenarioResult) => number) =>
          round3(median(mine.map((r, i) => pick(r) / pick(base[i]))));
        entry[`${s}_rps`] = ratio((r) => r.requests_per_second);
        entry[`${s}_p99`] = ratio((r) => r.p99_ms);
        entry[`${s}_cpu`] = ratio((r) => r.cpu_us_per_request.server);
      }
      ratios[old.engine] = entry;
    }
    summary.ratios_to_against = ratios;
  }
  return summary;
}

const LABELS: Record<Scenario, string> = {
  create: 'create',
  read_query: 'GET ?order_id=',
  read_path: 'GET /{order_id}',
};

function printSummary(targets: Target[], summary: Summary): void {
  const row = (name: string, s: Scenario, r: ScenarioResult) =>
    `  ${`${name} ${s}`.padEnd(38)} ${String(r.requests_per_second).padStart(6)} req/s  p50 ${String(r.p50_ms).padStart(5)} ms  p99 ${String(r.p99_ms).padStart(5)} ms  err ${r.errors}  non-2xx ${r.non_2xx}  CPU µs/req server ${r.cpu_us_per_request.server}, postgres ${r.cpu_us_per_request.postgres}, wrk ${r.cpu_us_per_request.load_generator}  (load ${r.load_average})`;
  const lines: string[] = ['', 'Every run (rounds in order):'];
  for (let round = 0; round < ROUNDS; round++) {
    lines.push(` round ${round + 1}`);
    for (const t of targets)
      for (const s of SCENARIOS) lines.push(row(t.name, s, t.results[s][round]));
  }
  const ratios = summary.ratios_to_baseline as Record<string, Record<string, number>> | undefined;
  if (ratios) {
    lines.push('', 'Ratios to the baseline (median over the rounds of each round’s ratio):');
    for (const [name, r] of Object.entries(ratios))
      lines.push(
        `  ${name.padEnd(28)} ${SCENARIOS.map((s) => `${LABELS[s]} ${r[`${s}_rps`]} (p99 ${r[`${s}_p99`]})`).join(', ')}`,
      );
    const share = summary.load_generator_share as Record<Scenario, number>;
    lines.push(
      `  load generator CPU per request / baseline server's: ${SCENARIOS.map((s) => `${LABELS[s]} ${share[s]}`).join(', ')} (target <= 0.333)`,
    );
  }
  const against = summary.ratios_to_against as Record<string, Record<string, number>> | undefined;
  if (against) {
    lines.push(
      '',
      `This build against ${AGAINST} (median over the rounds of each round’s ratio; server CPU per request, lower is better):`,
    );
    for (const [engine, r] of Object.entries(against))
      lines.push(
        `  ${engine.padEnd(28)} ${SCENARIOS.map((s) => `${LABELS[s]} req/s ${r[`${s}_rps`]}, p99 ${r[`${s}_p99`]}, CPU ${r[`${s}_cpu`]}`).join('; ')}`,
      );
  }
  const medians = summary.medians as Record<string, Record<Scenario, Record<string, number>>>;
  lines.push('', 'Medians over the rounds (req/s):');
  for (const [name, m] of Object.entries(medians))
    lines.push(
      `  ${name.padEnd(28)} ${SCENARIOS.map((s) => `${LABELS[s]} ${m[s].requests_per_second}`).join(', ')}`,
    );
  lines.push(`peak RSS (MB): ${JSON.stringify(summary.peak_rss_mb)}`);
  lines.push(
    `load average now: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  lines.push('', 'written to bench/results/latest.json');
  process.stdout.write(`${lines.join('\n')}\n`);
  const failed = targets.some((t) =>
    SCENARIOS.some((s) => t.results[s].some((r) => r.errors > 0 || r.non_2xx > 0)),
  );
  if (failed) {
    process.stderr.write('bench: some requests failed (errors or non-2xx): see above\n');
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
