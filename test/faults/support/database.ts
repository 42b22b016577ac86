import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { Client } from 'pg';
import { PostgresCluster } from './postgres-cluster';

/** A database of its own for one scenario, and how to remove it afterwards. */
export interface ScratchDatabase {
  url: string;
  destroy(): void;
}

/**
 * PostgreSQL: a private cluster (initdb on a port of its own, so a scenario may crash or stop
 * it); SQLite: a file in a temporary folder.
 */
export async function scratchDatabase(engine: 'postgres' | 'sqlite'): Promise<ScratchDatabase> {
  if (engine === 'postgres') {
    const cluster = await PostgresCluster.create();
    return { url: await cluster.createDatabase('paygate'), destroy: () => cluster.destroy() };
  }
  const dir = mkdtempSync(join(tmpdir(), 'paygate-faults-sqlite-'));
  return {
    url: `sqlite:${join(dir, 'paygate.sqlite')}`,
    destroy: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * Reads paygate's database directly, beside the running instances, to check what the API
 * cannot show (e.g. that no Idempotency-Key has two orders). The same SQL on both engines.
 */
export async function sqlRows<Row = Record<string, unknown>>(
  databaseUrl: string,
  sql: string,
): Promise<Row[]> {
  if (databaseUrl.startsWith('sqlite:')) {
    const db = new Sqlite(databaseUrl.slice('sqlite:'.length), { readonly: true });
    try {
      return db.prepare(sql).all() as Row[];
    } finally {
      db.close();
    }
  }
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query(sql)).rows as Row[];
  } finally {
    await client.end();
  }
}

/** The single number a `SELECT COUNT(*) AS n …` returns. */
export async function sqlCount(databaseUrl: string, sql: string): Promise<number> {
  const [row] = await sqlRows<{ n: unknown }>(databaseUrl, sql);
  return Number(row.n);
}
