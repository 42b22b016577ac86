import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Client } from 'pg';
import { AppConfig } from '../config/app-config';

/**
 * The flags of a PostgreSQL backup: the custom format (compressed, restorable table by table,
 * read only by pg_restore), one consistent snapshot (pg_dump always dumps in one
 * repeatable-read transaction), without owners or grants so it restores under any role.
 */
export const PG_DUMP_FLAGS = ['--format=custom', '--no-owner', '--no-privileges'];
/**
 * The flags of a restore: into an empty database, all or nothing, stopping at the first error.
 * Triggers are part of the schema and come back with it (the ledger stays append-only).
 */
export const PG_RESTORE_FLAGS = [
  '--no-owner',
  '--no-privileges',
  '--exit-on-error',
  '--single-transaction',
];

/**
 * An online, consistent copy of the database of DATABASE_URL into `target`, while the service
 * keeps serving. SQLite: the driver's backup API (better-sqlite3's `backup()`, SQLite's online
 * backup), a plain database file. PostgreSQL: `pg_dump` with PG_DUMP_FLAGS.
 */
export async function backupDatabase(config: AppConfig, target: string): Promise<void> {
  mkdirSync(dirname(target), { recursive: true });
  if (existsSync(target)) throw new Error(`${target} exists: give a new file`);
  if (config.databaseEngine === 'sqlite') {
    const source = new BetterSqlite3(config.sqlitePath, { readonly: true, fileMustExist: true });
    try {
      await source.backup(target);
    } finally {
      source.close();
    }
    return;
  }
  const { url, password } = withoutPassword(config.env.DATABASE_URL);
  await run('pg_dump', [...PG_DUMP_FLAGS, `--file=${target}`, `--dbname=${url}`], password);
}

/**
 * Restores a backup made by `backupDatabase` into the database of DATABASE_URL, which must be
 * empty (a new database): SQLite, a new file (or an empty one); PostgreSQL, a created database
 * without tables, restored with pg_restore and PG_RESTORE_FLAGS. Paygate must not be running
 * on that database meanwhile.
 */
export async function restoreDatabase(config: AppConfig, source: string): Promise<void> {
  if (!existsSync(source)) throw new Error(`${source} does not exist`);
  if (config.databaseEngine === 'sqlite') {
    const target = config.sqlitePath;
    if (existsSync(target) && statSync(target).size > 0) {
      throw new Error(`${target} exists and is not empty: restore into a new database`);
    }
    // leftovers of an earlier empty database would be replayed over the restored file
    for (const suffix of ['-wal', '-shm']) rmSync(`${target}${suffix}`, { force: true });
    mkdirSync(dirname(target), { recursive: true });
    const backup = new BetterSqlite3(source, { readonly: true, fileMustExist: true });
    try {
      const check = backup.pragma('integrity_check', { simple: true });
      if (check !== 'ok') throw new Error(`${source} is damaged: ${String(check)}`);
      await backup.backup(target);
    } finally {
      backup.close();
    }
    return;
  }
  const client = new Client({ connectionString: config.env.DATABASE_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>(
      `SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = 'public'`,
    );
    if (Number(rows[0].n) > 0) {
      throw new Error('the database of DATABASE_URL has tables: restore into a new database');
    }
  } finally {
    await client.end();
  }
  const { url, password } = withoutPassword(config.env.DATABASE_URL);
  await run('pg_restore', [...PG_RESTORE_FLAGS, `--dbname=${url}`, source], password);
}

/** The URL without its password (kept out of the process list), and the password. */
function withoutPassword(databaseUrl: string): { url: string; password?: string } {
  const url = new URL(databaseUrl);
  const password = url.password ? decodeURIComponent(url.password) : undefined;
  url.password = '';
  return { url: url.toString(), password };
}

function run(program: string, args: string[], password?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, {
      stdio: ['ignore', 'inherit', 'pipe'],
      env: { ...process.env, ...(password !== undefined ? { PGPASSWORD: password } : {}) },
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('error', (error) =>
      reject(new Error(`${program} could not be started: ${error.message}`)),
    );
    child.once('close', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`${program} failed (exit ${code}): ${stderr.trim().slice(0, 2000)}`)),
    );
  });
}
