import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../helpers/test-app';

const ROOT = join(__dirname, '..', '..', '..');
export const MAIN = join(ROOT, 'dist', 'main.js');

export const ADMIN_ID = 'adm_faults';
export const ADMIN_SECRET = 'faults-admin-secret-0123456789abcdef';
/** The Bearer token /metrics asks for (METRICS_TOKEN), as a Prometheus scrape config sends it. */
export const METRICS_TOKEN = 'faults-metrics-token-0123456789abcdef';

/** Processes not yet ended, killed even when a test fails or the run is interrupted. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * What every instance of one deployment shares: the database, the signing and encryption keys,
 * the bootstrap admin. Production mode, as operators run it; loopback webhooks allowed.
 */
export function deploymentEnv(databaseUrl: string): Record<string, string> {
  return {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_SIZE: '10',
    JWT_SECRET: randomBytes(32).toString('hex'),
    CHANNEL_CONFIG_KEY: randomBytes(32).toString('hex'),
    BOOTSTRAP_ADMIN_CLIENT_ID: ADMIN_ID,
    BOOTSTRAP_ADMIN_CLIENT_SECRET: ADMIN_SECRET,
    WEBHOOK_ALLOW_PRIVATE: 'true',
    DOCS_ENABLED: 'false',
    METRICS_TOKEN,
  };
}

/**
 * paygate's production build (`node dist/main.js`, built once by the suite's global setup) as
 * a process of its own, on a port of its own, with only the environment given.
 */
export class PaygateProcess {
  private out = '';
  private exit?: { code: number | null; signal: NodeJS.Signals | null };
  private readonly exited: Promise<void>;

  private constructor(
    readonly name: string,
    readonly port: number,
    private readonly child: ChildProcess,
    private readonly cwd: string,
  ) {
    running.add(child);
    child.stdout?.on('data', (d: Buffer) => (this.out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.out += d.toString()));
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        running.delete(child);
        this.exit = { code, signal };
        resolve();
      }),
    );
  }

  /** Starts an instance and waits until /health/ready answers 200. */
  static async start(
    name: string,
    env: Record<string, string>,
    port?: number,
  ): Promise<PaygateProcess> {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build`);
    const listen = port ?? (await freePort());
    // a directory of its own, so no developer's .env is read
    const cwd = mkdtempSync(join(tmpdir(), 'paygate-faults-run-'));
    const child = spawn(process.execPath, [MAIN], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(listen), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const instance = new PaygateProcess(name, listen, child, cwd);
    await instance.waitReady();
    return instance;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Everything the process wrote to stdout and stderr. */
  output(): string {
    return this.out;
  }

  /** Parsed JSON log lines at `level` or above (pino numbers: 40 warn, 50 error, 60 fatal). */
  logLines(minLevel = 50): Record<string, unknown>[] {
    return this.out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => {
        try {
          return JSON.parse(l) as Record<string, unknown>;
        } catch {
          return {};
        }
      })
      .filter((l) => levelOf(l) >= minLevel);
  }

  /** SIGKILL: no shutdown hook runs, nothing is flushed. */
  async kill9(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM and a graceful shutdown; SIGKILL if it takes longer than 20 s. */
  async stop(): Promise<void> {
    if (!this.exit) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 20_000);
      await this.exited;
      clearTimeout(timer);
    }
    rmSync(this.cwd, { recursive: true, force: true });
  }

  get exitStatus(): { code: number | null; signal: NodeJS.Signals | null } | undefined {
    return this.exit;
  }

  private async waitReady(): Promise<void> {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && !this.exit) {
      try {
        const res = await fetch(`${this.url}/health/ready`, { signal: AbortSignal.timeout(2000) });
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    this.child.kill('SIGKILL');
    rmSync(this.cwd, { recursive: true, force: true });
    throw new Error(`paygate ${this.name} never became ready:\n${this.out.slice(-4000)}`);
  }
}

function levelOf(line: Record<string, unknown>): number {
  const level = line.level;
  if (typeof level === 'number') return level;
  const names: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50 };
  return typeof level === 'string' ? (names[level] ?? 60) : 0;
}
