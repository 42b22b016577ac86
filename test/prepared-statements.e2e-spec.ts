import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from '../src/config/app-config';
import { isDatabaseUnavailable, isUniqueViolation } from '../src/database/database-errors';
import { buildDataSourceOptions } from '../src/database/data-source-options';
import { Database } from '../src/database/database.service';
import { positionalStatement } from '../src/database/positional-statement';
import { createScratchDatabase, ScratchDatabase, testEngine } from './helpers/scratch-database';

/**
 * The prepared path of `Database.sql` (the hot statements of payment creation and reads): on
 * PostgreSQL it runs on pooled clients of its own with its own row parsing, so it must answer
 * exactly what the plain path answers, fail the way the plain path fails, and survive a lost
 * connection. On SQLite `prepared` changes nothing, and the rows must still be the same.
 */
describe(`prepared statements on ${testEngine()}`, () => {
  let scratch: ScratchDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    scratch = await createScratchDatabase();
    dataSource = new DataSource(
      buildDataSourceOptions(loadConfig({ DATABASE_URL: scratch.url, DATABASE_POOL_SIZE: '3' })),
    );
    await dataSource.initialize();
    await dataSource.query(
      `CREATE TABLE probe (id VARCHAR(20) PRIMARY KEY, amount BIGINT NOT NULL, n INTEGER, label TEXT, flag BOOLEAN, note TEXT)`,
    );
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await scratch?.drop();
  });

  const em = () => dataSource.manager;
  const insert = (id: string, amount: number, note: string | null) =>
    Database.sql(
      em(),
      `INSERT INTO probe (id, amount, n, label, flag, note) VALUES (:id, :amount, :n, :label, :flag, :note) RETURNING id`,
      { id, amount, n: 7, label: `标签 ${id}`, flag: true, note },
      { prepared: true },
    );
  const select = (id: string, prepared: boolean) =>
    Database.sql(
      em(),
      `SELECT id, amount, n, label, flag, note FROM probe WHERE id = :id`,
      { id },
      { prepared },
    );

  it('answers the same rows and counts as a plain statement, on every pooled connection', async () => {
    const written = await insert('a', 9007199254740991, null);
    expect(written).toEqual({ rows: [{ id: 'a' }], affected: 1 });
    await insert('b', 0, 'x');

    const plain = await select('a', false);
    // more concurrent reads than the pool has connections: the statement is prepared on each
    const prepared = await Promise.all(Array.from({ length: 12 }, () => select('a', true)));
    for (const result of prepared) expect(result).toEqual(plain);
    expect(plain.rows).toHaveLength(1);
    expect(plain.rows[0]).toMatchObject({ id: 'a', n: 7, label: '标签 a', note: null });
    expect(Number(plain.rows[0].amount)).toBe(9007199254740991);

    expect(await select('missing', true)).toEqual({ rows: [], affected: 0 });
    const updated = await Database.sql(
      em(),
      `UPDATE probe SET n = n + 1 WHERE amount >= :min`,
      { min: 0 },
      { prepared: true },
    );
    expect(updated.affected).toBe(2);
  });

  it('fails a duplicate key as a unique violation and keeps serving', async () => {
    await insert('dup', 1, null);
    const failure = await insert('dup', 2, null).catch((error: unknown) => error);
    expect(isUniqueViolation(failure)).toBe(true);
    const rows = await Promise.all(Array.from({ length: 6 }, () => select('dup', true)));
    for (const result of rows)
      expect(result.rows).toEqual([expect.objectContaining({ amount: expect.anything() })]);
    expect(Number(rows[0].rows[0].amount)).toBe(1);
  });

  if (testEngine() === 'postgres') {
    it('keeps any column name as a plain key', async () => {
      const odd = await Database.sql(
        em(),
        `SELECT id AS "a""b\\c'd", n AS "constructor", amount AS "__proto__" FROM probe WHERE id = :id`,
        { id: 'a' },
        { prepared: true },
      );
      expect(odd.rows).toHaveLength(1);
      expect(Object.keys(odd.rows[0]).sort()).toEqual(
        ['__proto__', `a"b\\c'd`, 'constructor'].sort(),
      );
      expect(odd.rows[0][`a"b\\c'd`]).toBe('a');
      expect(Object.getPrototypeOf(odd.rows[0])).toBe(Object.prototype);
    });

    it('runs a positional statement the same way', async () => {
      const byId = positionalStatement<{ id: string }>(
        (p) =>
          `SELECT id, amount, n, label, flag, note FROM probe WHERE id = ${p.param((c) => c.id)}`,
      );
      const positional = await Database.prepared(em(), byId, { id: 'a' });
      expect(positional).toEqual(await select('a', false));
    });

    it('refuses a value it cannot send without spoiling the connection', async () => {
      const circular: Record<string, unknown> = {};
      circular.self = circular;
      await expect(
        Database.sql(
          em(),
          `SELECT id FROM probe WHERE note = :note`,
          { note: circular },
          { prepared: true },
        ),
      ).rejects.toThrow(/circular/i);
      await insert('c', 1, null);
      expect((await select('c', true)).rows).toHaveLength(1);
    });

    it('survives connections killed under it: the statement fails as unavailable, the next one runs on a new connection', async () => {
      await insert('slow', 1, null);
      await Promise.all(Array.from({ length: 6 }, () => select('slow', true)));
      // every pooled connection of this data source is terminated by the server, as in a failover
      const killer = new DataSource(
        buildDataSourceOptions(loadConfig({ DATABASE_URL: scratch.url })),
      );
      await killer.initialize();
      try {
        const slow = Database.sql(
          em(),
          `SELECT id, pg_sleep(2) IS NULL AS slept FROM probe WHERE id = :id`,
          { id: 'slow' },
          { prepared: true },
        ).catch((error: unknown) => error);
        await new Promise((resolve) => setTimeout(resolve, 300));
        await killer.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
           WHERE datname = current_database() AND pid <> pg_backend_pid()`,
        );
        const failure = await slow;
        expect(isDatabaseUnavailable(failure)).toBe(true);
      } finally {
        await killer.destroy();
      }
      // idle connections were killed too: a statement that meets one fails as unavailable (a
      // 503 to the client, never a 500), the pool discards it and opens new ones
      const outcomes: unknown[] = [];
      for (let i = 0; i < 8; i++) {
        outcomes.push(
          await select('slow', true).then(
            (result) => (result.rows.length === 1 ? 'ok' : result),
            (error: unknown) => (isDatabaseUnavailable(error) ? 'unavailable' : error),
          ),
        );
      }
      expect(outcomes.filter((o) => o !== 'ok' && o !== 'unavailable')).toEqual([]);
      expect(outcomes.slice(-4)).toEqual(['ok', 'ok', 'ok', 'ok']);
      const fresh = await Promise.all(Array.from({ length: 6 }, () => select('slow', true)));
      for (const result of fresh) expect(result.rows).toHaveLength(1);
    });
  }
});
