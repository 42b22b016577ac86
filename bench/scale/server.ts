/**
 * Scratch stores and paygate servers for `npm run bench:scale`: a production build started as
 * `npm run start:prod` starts it, on a scratch PostgreSQL database or a SQLite file, with the
 * background jobs off, and the HTTP helpers the measurements use.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from '../../src/config/app-config';
import { buildDataSourceOptions } from '../../src/database/data-source-options';
import type { ScaleEngine } from './result';

export const ROOT = join(__dirname, '..', '..');

export interface Store {
  url: string;
  drop: () => Promise<void>;
}

export async function scratchStore(engine: ScaleEngine, adminUrl: string): Promise<Store> {
  if (engine === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'paygate-scale-'));
    return {
      url: `sqlite:${join(dir, 'scale.sqlite')}`,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const name = `paygate_scale_${randomBytes(5).toString('hex')}`;
  await withClient(adminUrl, (c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () =>
      withClient(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(
        () => undefined,
      ),
  };
}

async function withClient<T>(url: string, work: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function withStore<T>(
  databaseUrl: string,
  work: (ds: DataSource) => Promise<T>,
): Promise<T> {
  const ds = new DataSource(buildDataSourceOptions(loadConfig({ DATABASE_URL: databaseUrl })));
  await ds.initialize();
  try {
    return await work(ds);
  } finally {
    await ds.destroy();
  }
}

export function migrate(url: string): Promise<void> {
  return withStore(url, async (ds) => {
    await ds.runMigrations();
  });
}

export interface Server {
  url: string;
  process: ChildProcess;
  adminToken: string;
  stop: () => Promise<void>;
}

export const SETTLEMENT_TZ = 'Asia/Shanghai';

/** The production command's node options (package.json `start:prod`). */
function productionNodeFlags(): string[] {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const [, ...args] = pkg.scripts['start:prod'].trim().split(/\s+/);
  return args.slice(0, -1);
}

export async function startServer(
  databaseUrl: string,
  port: number,
  secrets: { jwt: string; channelKey: string; adminId: string; adminSecret: string },
  fromSource = false,
): Promise<Server> {
  const args = fromSource
    ? [
        ...productionNodeFlags(),
        '-r',
        require.resolve('ts-node/register/transpile-only'),
        join(ROOT, 'src', 'main.ts'),
      ]
    : [...productionNodeFlags(), join(ROOT, 'dist', 'main.js')];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: databaseUrl,
      DATABASE_POOL_SIZE: '10',
      JWT_SECRET: secrets.jwt,
      CHANNEL_CONFIG_KEY: secrets.channelKey,
      BOOTSTRAP_ADMIN_CLIENT_ID: secrets.adminId,
      BOOTSTRAP_ADMIN_CLIENT_SECRET: secrets.adminSecret,
      SETTLEMENT_TZ,
      RATE_LIMIT_ENABLED: 'false',
      JOBS_ENABLED: 'false',
      DOCS_ENABLED: 'false',
      ...(fromSource ? { TS_NODE_PROJECT: join(ROOT, 'tsconfig.json') } : {}),
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/health/ready`, 200, child);
  const adminToken = await token(url, secrets.adminId, secrets.adminSecret);
  return { url, process: child, adminToken, stop: () => stopProcess(child) };
}

export async function token(url: string, clientId: string, secret: string): Promise<string> {
  const data = await api(url, 'POST', '/v1/auth/token', undefined, {
    grant_type: 'client_credentials',
    client_id: clientId,
    client_secret: secret,
  });
  return data.access_token as string;
}

export async function api(
  url: string,
  method: string,
  path: string,
  bearer: string | undefined,
  body?: unknown,
): Promise<Record<string, unknown>> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as { data: Record<string, unknown> };
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json.data;
}

async function waitFor(url: string, status: number, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`paygate exited with ${child.exitCode}`);
    try {
      if ((await fetch(url)).status === status) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} never answered ${status}`);
}

export function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  return exited;
}

/** Ports from a range such as 47300-47399, each checked free before it is handed out. */
export class Ports {
  private next: number;
  constructor(
    private readonly low: number,
    private readonly high: number,
  ) {
    this.next = low;
  }

  async take(): Promise<number> {
    for (let port = this.next; port <= this.high; port++) {
      if (await portFree(port)) {
        this.next = port + 1;
        return port;
      }
    }
    throw new Error(`no free port in ${this.low}-${this.high}`);
  }
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Resident set size now (VmRSS) of a process, in MB. */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

/** Samples a process's RSS every 20 ms while `work` runs: its peak, and the RSS before. */
export async function withRss<T>(
  pid: number,
  work: () => Promise<T>,
): Promise<{ result: T; idleMb: number; peakMb: number }> {
  const idleMb = rssMb(pid);
  let peakMb = idleMb;
  const timer = setInterval(() => {
    try {
      peakMb = Math.max(peakMb, rssMb(pid));
    } catch {
      // the process ended
    }
  }, 20);
  try {
    const result = await work();
    peakMb = Math.max(peakMb, rssMb(pid));
    return { result, idleMb, peakMb };
  } finally {
    clearInterval(timer);
  }
}
