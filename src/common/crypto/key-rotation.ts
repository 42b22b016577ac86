import { DataSource, EntityManager } from 'typeorm';
import { Database } from '../../database/database.service';
import { SEALED_VALUE, SecretBox, UnknownKeyError } from './secret-box';

/** What `keys:rotate` did to one table. */
export interface RotationCount {
  table: string;
  /** Rows looked at (rows already under the current key are not even read). */
  examined: number;
  /** Values sealed again under the current key. */
  resealed: number;
  /** Values changed by the service between the read and the write: already current. */
  changedMeanwhile: number;
  /** Values that could not be opened, with why (an unknown key id, a damaged value). */
  failed: number;
  failures: string[];
}

/**
 * A table holding sealed values: its key columns and its sealed columns. `json`: the column
 * is a JSON object whose top-level sealed strings are re-sealed (a channel's config).
 * `plainPrefix`: values starting with it are not sealed at all (stored idempotent responses of
 * routes that keep them plain).
 */
interface SealedTable {
  table: string;
  keys: string[];
  columns: string[];
  json?: boolean;
  plainPrefix?: string;
}

/** Every place a value sealed with CHANNEL_CONFIG_KEYS is kept. */
export const SEALED_TABLES: SealedTable[] = [
  { table: 'channels', keys: ['id'], columns: ['config'], json: true },
  {
    table: 'merchants',
    keys: ['source_id'],
    columns: ['webhook_secret', 'webhook_secret_previous'],
  },
  { table: 'console_users', keys: ['user_id'], columns: ['totp_secret', 'totp_pending_secret'] },
  {
    table: 'idempotency_keys',
    keys: ['scope', 'idempotency_key'],
    columns: ['response_body'],
    plainPrefix: '{',
  },
];

type Row = Record<string, unknown>;

/**
 * Re-seals every sealed value that is not under the ring's current key, `batchSize` rows per
 * transaction, while the service keeps running: each write is conditional on the value read
 * (a value the service rewrote meanwhile is already under the current key and is left alone).
 * Rows already current are skipped by the query itself, so a run that was interrupted simply
 * resumes when started again; a second run finds nothing to do.
 */
export async function rotateSealedValues(
  dataSource: DataSource,
  box: SecretBox,
  options: { batchSize?: number; onBatch?: (count: RotationCount) => void } = {},
): Promise<RotationCount[]> {
  const batchSize = options.batchSize ?? 200;
  const counts: RotationCount[] = [];
  for (const spec of SEALED_TABLES) {
    const count: RotationCount = {
      table: spec.table,
      examined: 0,
      resealed: 0,
      changedMeanwhile: 0,
      failed: 0,
      failures: [],
    };
    let after: unknown[] | null = null;
    for (;;) {
      const rows: Row[] = await selectBatch(dataSource.manager, spec, box, after, batchSize);
      if (rows.length === 0) break;
      after = spec.keys.map((k) => rows[rows.length - 1][k]);
      await dataSource.transaction((em) => resealBatch(em, spec, box, rows, count));
      options.onBatch?.(count);
      if (rows.length < batchSize) break;
    }
    counts.push(count);
  }
  return counts;
}

async function selectBatch(
  em: EntityManager,
  spec: SealedTable,
  box: SecretBox,
  after: unknown[] | null,
  limit: number,
): Promise<Row[]> {
  const current = `v2:${box.currentKeyId}:`;
  const params: Record<string, unknown> = { current, limit };
  // JSON columns hold several values: every row is read; others only when not yet current
  // (SUBSTR rather than LIKE: LIKE is case-blind on SQLite and `_` is a wildcard)
  const notCurrent = (c: string) => `SUBSTR(${c}, 1, ${current.length}) <> :current`;
  const stale = spec.json
    ? '1 = 1'
    : spec.columns
        .map(
          (c) =>
            `(${c} IS NOT NULL AND ${notCurrent(c)}` +
            (spec.plainPrefix
              ? ` AND SUBSTR(${c}, 1, ${spec.plainPrefix.length}) <> :plain)`
              : ')'),
        )
        .join(' OR ');
  if (spec.plainPrefix) params.plain = spec.plainPrefix;
  let from = '';
  if (after) {
    spec.keys.forEach((k, i) => (params[`after${i}`] = after[i]));
    from = `(${spec.keys.join(', ')}) > (${spec.keys.map((_k, i) => `:after${i}`).join(', ')}) AND `;
  }
  const { rows } = await Database.sql<Row>(
    em,
    `SELECT ${[...spec.keys, ...spec.columns].join(', ')} FROM ${spec.table}
     WHERE ${from}(${stale})
     ORDER BY ${spec.keys.join(', ')} LIMIT :limit`,
    params,
  );
  return rows;
}

async function resealBatch(
  em: EntityManager,
  spec: SealedTable,
  box: SecretBox,
  rows: Row[],
  count: RotationCount,
): Promise<void> {
  for (const row of rows) {
    count.examined += 1;
    const where = spec.keys.map((k, i) => `${k} = :key${i}`).join(' AND ');
    const keyParams = Object.fromEntries(spec.keys.map((k, i) => [`key${i}`, row[k]]));
    const name = spec.keys.map((k) => String(row[k])).join('/');
    for (const column of spec.columns) {
      const old = row[column];
      if (typeof old !== 'string') continue;
      let next: string | null;
      try {
        next = spec.json ? resealJson(box, old) : resealValue(box, old, spec.plainPrefix);
      } catch (error) {
        count.failed += 1;
        const why = error instanceof UnknownKeyError ? error.message : (error as Error).message;
        count.failures.push(`${spec.table} ${name} ${column}: ${why}`);
        continue;
      }
      if (next === null) continue;
      const { affected } = await Database.sql(
        em,
        `UPDATE ${spec.table} SET ${column} = :next WHERE ${where} AND ${column} = :old
         RETURNING ${spec.keys[0]}`,
        { ...keyParams, next, old },
      );
      if (affected === 1) count.resealed += 1;
      else count.changedMeanwhile += 1;
    }
  }
}

/** The value under the current key, or null when it already is (or is not sealed at all). */
function resealValue(box: SecretBox, value: string, plainPrefix?: string): string | null {
  if (plainPrefix && value.startsWith(plainPrefix)) return null;
  if (box.isCurrent(value)) return null;
  return box.reseal(value);
}

function resealJson(box: SecretBox, text: string): string | null {
  const config = JSON.parse(text) as Record<string, unknown>;
  let changed = false;
  for (const [field, value] of Object.entries(config)) {
    if (typeof value !== 'string' || !SEALED_VALUE.test(value) || box.isCurrent(value)) continue;
    config[field] = box.reseal(value);
    changed = true;
  }
  return changed ? JSON.stringify(config) : null;
}
