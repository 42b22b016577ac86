import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';

/** Each table's row count and a hash of its contents, to tell whether anything was written. */
export type DatabaseSnapshot = Map<string, { rows: number; hash: string }>;

/**
 * What a table holds, for "nothing written": every row of every table, sorted, hashed, so an
 * UPDATE shows as well as an INSERT. `audit_logs` counts only its `success` rows: a refused
 * admin request is audited as a failure on purpose (TESTING.md 23).
 */
export async function snapshotDatabase(dataSource: DataSource): Promise<DatabaseSnapshot> {
  const postgres = dataSource.options.type === 'postgres';
  const tables = (
    (await dataSource.query(
      postgres
        ? `SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema()`
        : `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`,
    )) as { name: string }[]
  )
    .map((t) => t.name)
    .sort();
  const snapshot: DatabaseSnapshot = new Map();
  for (const table of tables) {
    const where = table === 'audit_logs' ? ` WHERE result = 'success'` : '';
    const rows = (await dataSource.query(`SELECT * FROM "${table}"${where}`)) as object[];
    const lines = rows.map((row) => JSON.stringify(row)).sort();
    snapshot.set(table, {
      rows: rows.length,
      hash: createHash('sha256').update(lines.join('\n')).digest('hex'),
    });
  }
  return snapshot;
}

/** The tables whose contents differ, with their row counts before → after. */
export function changedTables(
  before: DatabaseSnapshot,
  after: DatabaseSnapshot,
  ignore: ReadonlySet<string> = new Set(),
): string[] {
  const names = new Set([...before.keys(), ...after.keys()]);
  return [...names]
    .filter((name) => !ignore.has(name))
    .filter((name) => before.get(name)?.hash !== after.get(name)?.hash)
    .map((name) => `${name} (${before.get(name)?.rows ?? 0} → ${after.get(name)?.rows ?? 0} rows)`);
}
