import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort } from '../../helpers/test-app';

/** Clusters not yet destroyed, stopped even when a test fails or the run is interrupted. */
const live = new Set<PostgresCluster>();
process.once('exit', () => {
  for (const cluster of live) cluster.destroy();
});

/**
 * A PostgreSQL cluster of the test's own: `initdb` in a temporary directory, trust auth, its
 * own port on 127.0.0.1 and its own socket directory. The machine's shared cluster is never
 * touched, so a fault scenario may stop this one as hard as it likes.
 */
export class PostgresCluster {
  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly bin: string,
  ) {}

  static async create(): Promise<PostgresCluster> {
    const bin = postgresBinDir();
    const dir = mkdtempSync(join(tmpdir(), 'paygate-faults-pg-'));
    const cluster = new PostgresCluster(dir, await freePort(), bin);
    live.add(cluster);
    try {
      // PostgreSQL refuses to run as root: the cluster belongs to the postgres user then
      if (process.getuid?.() === 0) {
        const { uid, gid } = systemUser('postgres');
        chownSync(dir, uid, gid);
      }
      await cluster.runAsync('initdb', [
        '-D',
        cluster.dataDir,
        '-U',
        'postgres',
        '-A',
        'trust',
        '--no-sync',
        '-E',
        'UTF8',
        '--locale',
        'C',
      ]);
      await cluster.start();
      return cluster;
    } catch (error) {
      cluster.destroy();
      throw error;
    }
  }

  get dataDir(): string {
    return join(this.dir, 'data');
  }

  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  /** A new empty database on this cluster; its URL. */
  async createDatabase(name: string): Promise<string> {
    const client = new Client({ connectionString: this.url() });
    await client.connect();
    try {
      await client.query(`CREATE DATABASE ${name}`);
    } finally {
      await client.end();
    }
    return this.url(name);
  }

  /** Starts the server and waits until it accepts connections (crash recovery included). */
  start(): Promise<void> {
    return this.runAsync('pg_ctl', [
      '-D',
      this.dataDir,
      '-l',
      join(this.dir, 'server.log'),
      '-o',
      `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c max_connections=100`,
      '-w',
      '-t',
      '120',
      'start',
    ]);
  }

  /** `pg_ctl stop -m immediate`: every server process quits at once, as in a crash. */
  stopImmediately(): Promise<void> {
    return this.runAsync('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', '-w', 'stop']);
  }

  serverLog(): string {
    const file = join(this.dir, 'server.log');
    return existsSync(file) ? readFileSync(file, 'utf8') : '';
  }

  /** Stops the server if it runs and removes the cluster; safe to call twice. */
  destroy(): void {
    if (!live.delete(this)) return;
    if (existsSync(join(this.dataDir, 'postmaster.pid'))) {
      spawnSync(...this.command('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', '-w', 'stop']), {
        stdio: 'ignore',
      });
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Without blocking the test's event loop: its load goes on while the server stops or starts. */
  private async runAsync(program: string, args: string[]): Promise<void> {
    const [file, argv] = this.command(program, args);
    await promisify(execFile)(file, argv);
  }

  private command(program: string, args: string[]): [string, string[]] {
    const path = join(this.bin, program);
    return process.getuid?.() === 0
      ? ['runuser', ['-u', 'postgres', '--', path, ...args]]
      : [path, args];
  }
}

/** The newest installed server's programs (Debian: /usr/lib/postgresql/<version>/bin). */
function postgresBinDir(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0)
    throw new Error('no PostgreSQL server programs found: install postgresql or set PG_BIN');
  return join(root, versions[0], 'bin');
}

function systemUser(name: string): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}:`));
  if (!line) throw new Error(`no system user ${name}`);
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}
