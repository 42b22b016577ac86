import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { DataSource } from 'typeorm';
import { loadConfig } from '../config/app-config';
import { Database } from './database.service';

/**
 * SQLite's group commit (Database.unit): units that queue up share one transaction and one
 * commit, and each caller hears back only once its writes are on disk, visible to any other
 * connection to the file.
 */
describe('Database on SQLite: group commit', () => {
  let dir: string;
  let dataSource: DataSource;
  let db: Database;
  let other: BetterSqlite3.Database;
  let commits: number;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'paygate-group-commit-'));
    const file = join(dir, 'db.sqlite');
    dataSource = new DataSource({ type: 'better-sqlite3', database: file, enableWAL: true });
    await dataSource.initialize();
    await dataSource.query(
      'CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, qty INTEGER NOT NULL)',
    );
    db = new Database(dataSource, loadConfig({ DATABASE_URL: `sqlite:${file}` }));
    other = new BetterSqlite3(file, { readonly: true });
    commits = 0;
    const runner = dataSource.createQueryRunner();
    const query = runner.query.bind(runner);
    runner.query = ((sql: string, ...rest: unknown[]) => {
      if (/^COMMIT\b/i.test(sql)) commits++;
      return (query as (...a: unknown[]) => Promise<unknown>)(sql, ...rest);
    }) as typeof runner.query;
  });

  afterEach(async () => {
    other.close();
    await dataSource.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const seenByAnotherConnection = (name: string) =>
    other.prepare('SELECT qty FROM items WHERE name = ?').get(name) as { qty: number } | undefined;

  it('answers each of many concurrent transactions only once its rows are committed, with far fewer commits than transactions', async () => {
    const names = Array.from({ length: 40 }, (_, i) => `item-${i}`);
    const visibleWhenAnswered: boolean[] = [];
    await Promise.all(
      names.map((name, i) =>
        db
          .transaction(async (em) => {
            await Database.sql(em, 'INSERT INTO items (name, qty) VALUES (:name, :qty)', {
              name,
              qty: i,
            });
            await Database.sql(em, 'UPDATE items SET qty = qty + 1 WHERE name = :name', { name });
            return name;
          })
          .then((written) => {
            visibleWhenAnswered.push(seenByAnotherConnection(written)?.qty === i + 1);
          }),
      ),
    );
    expect(visibleWhenAnswered).toEqual(names.map(() => true));
    expect(commits).toBeGreaterThanOrEqual(1);
    expect(commits).toBeLessThan(names.length / 4);
  });

  it('rolls back only the failing transaction of a group; the others are written', async () => {
    await db.run((em) => Database.sql(em, "INSERT INTO items (name, qty) VALUES ('taken', 0)"));
    const results = await Promise.allSettled([
      db.transaction((em) => Database.sql(em, "INSERT INTO items (name, qty) VALUES ('a', 1)")),
      db.transaction(async (em) => {
        // its first write succeeds, its second violates the unique name: neither may remain
        await Database.sql(em, "INSERT INTO items (name, qty) VALUES ('b', 2)");
        await Database.sql(em, "INSERT INTO items (name, qty) VALUES ('taken', 3)");
      }),
      db.transaction((em) => Database.sql(em, "INSERT INTO items (name, qty) VALUES ('c', 4)")),
      db.run((em) => Database.sql(em, 'SELECT COUNT(*) AS n FROM items')),
    ]);
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
    expect(String((results[1] as PromiseRejectedResult).reason)).toMatch(/UNIQUE/);
    const rows = other.prepare('SELECT name, qty FROM items ORDER BY name').all();
    expect(rows).toEqual([
      { name: 'a', qty: 1 },
      { name: 'c', qty: 4 },
      { name: 'taken', qty: 0 },
    ]);
    // the units after the failed one still ran in the same group and saw its rollback
    expect((results[3] as PromiseFulfilledResult<{ rows: unknown[] }>).value.rows).toEqual([
      { n: 3 },
    ]);
  });

  it('runs a lone unit as before and keeps serving after a group', async () => {
    await db.transaction((em) => Database.sql(em, "INSERT INTO items (name, qty) VALUES ('x', 1)"));
    expect(seenByAnotherConnection('x')).toEqual({ qty: 1 });
    await Promise.all([
      db.transaction((em) => Database.sql(em, "INSERT INTO items (name, qty) VALUES ('y', 1)")),
      db.transaction((em) => Database.sql(em, "INSERT INTO items (name, qty) VALUES ('z', 1)")),
    ]);
    await db.transaction((em) => Database.sql(em, "UPDATE items SET qty = 5 WHERE name = 'x'"));
    expect(other.prepare('SELECT name, qty FROM items ORDER BY name').all()).toEqual([
      { name: 'x', qty: 5 },
      { name: 'y', qty: 1 },
      { name: 'z', qty: 1 },
    ]);
  });

  it('refuses a unit started inside another, as before', async () => {
    await expect(db.transaction(() => db.run(async () => 1))).rejects.toThrow(/nested/);
  });
});
