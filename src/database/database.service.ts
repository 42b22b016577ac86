import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import { AppConfig, DatabaseEngine } from '../config/app-config';
import { isDatabaseUnavailable } from './database-errors';
import { bindNamedParameters } from './named-parameters';
import { PositionalStatement } from './positional-statement';
import { PreparedQuery, PreparedResult } from './prepared-query';

/** The part of a `pg` client and pool the prepared path uses. */
interface PgClient {
  query(submittable: object): unknown;
  query(text: string, values: unknown[]): Promise<{ rows: unknown[]; rowCount: number | null }>;
  on(event: 'error', listener: (error: Error) => void): unknown;
  release(error?: Error): void;
}
interface PgPool {
  connect(): Promise<PgClient>;
}

/** Pooled clients that already carry the listener below. */
const guardedClients = new WeakSet<PgClient>();

const statementNames = new Map<string, string>();

/** A prepared statement's name: derived from its text, so one text is one statement. */
function statementName(text: string): string {
  let name = statementNames.get(text);
  if (!name) {
    name = `pg_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
    statementNames.set(text, name);
  }
  return name;
}

export interface SqlResult<Row> {
  rows: Row[];
  /** Rows written by INSERT/UPDATE/DELETE; with RETURNING, the number of rows returned. */
  affected: number;
}

/**
 * The one door to the database. Repositories receive the `EntityManager` of the unit of work
 * they run in, so every statement of a transaction uses that transaction.
 *
 * SQLite (better-sqlite3) has a single connection: TypeORM would turn a second concurrent
 * transaction into a savepoint inside the first, and a plain statement issued while a
 * transaction is open would join it. So on SQLite every unit of work runs alone, in order;
 * better-sqlite3 is synchronous, so this costs little. On PostgreSQL units run concurrently
 * on the pool and correctness comes from conditional updates and constraints.
 *
 * Group commit (SQLite): with `synchronous=FULL` every COMMIT waits for the WAL to reach the
 * disk (an fsync, during which better-sqlite3 holds the event loop), so committing each unit on
 * its own made the fsync the ceiling of creation. Units that arrive while others run are
 * queued; the queue is then run as a group in ONE transaction, each unit still alone and in
 * order (a `transaction` unit in a savepoint of its own: its failure rolls back only its own
 * writes), and ONE commit makes the whole group durable. A unit's caller is answered only after
 * that commit, so what a caller is told was written is on disk, as before. A lone unit (nothing
 * queued) runs as it always did. If the group's commit fails, or SQLite abandons the group's
 * transaction (a full disk, an I/O error), every unit of the group gets that error: none of
 * their writes happened.
 */
@Injectable()
export class Database {
  readonly engine: DatabaseEngine;
  private readonly insideUnit = new AsyncLocalStorage<true>();
  /** SQLite: units waiting for their turn, run as one group when the current one is done. */
  private queue: QueuedUnit[] = [];
  private draining = false;

  constructor(
    readonly dataSource: DataSource,
    config: AppConfig,
  ) {
    this.engine = config.databaseEngine;
  }

  /** Runs `work` in one transaction; everything it does commits or rolls back together. */
  transaction<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    return this.unit(() => this.dataSource.transaction((em) => work(em)));
  }

  /** Runs reads, or a single self-contained statement, outside a transaction. */
  run<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    return this.unit(() => work(this.dataSource.manager));
  }

  /**
   * Raw SQL with `:name` (and `:...list`) parameters, the same text on both engines.
   * Statements that must know whether they applied use RETURNING and read `affected`.
   *
   * `prepared`: on PostgreSQL the statement becomes a named prepared statement on each pooled
   * connection, so it is parsed once per connection and its plan kept, instead of parsed and
   * planned on every call. Only for fixed hot statements (no `:...list`) whose result columns
   * are named, never `*` (a cached plan whose result shape changed under a migration fails),
   * and whose only good plan is obvious, such as a primary-key lookup or a plain insert: after
   * five calls PostgreSQL may keep a generic plan, costed on the statistics of that moment.
   */
  static async sql<Row = Record<string, unknown>>(
    em: EntityManager,
    sql: string,
    params: Record<string, unknown> = {},
    options: { prepared?: boolean } = {},
  ): Promise<SqlResult<Row>> {
    const engine = em.connection.options.type === 'postgres' ? 'postgres' : 'sqlite';
    const [query, values] = bindNamedParameters(sql, params, engine);
    if (options.prepared && engine === 'postgres') {
      return Database.preparedText<Row>(em, query, values);
    }
    const runner = em.queryRunner ?? em.connection.createQueryRunner();
    try {
      const result = await runner.query(query, values, true);
      const rows = (result.records ?? []) as Row[];
      return { rows, affected: result.affected ?? rows.length };
    } finally {
      if (!em.queryRunner) await runner.release();
    }
  }

  /**
   * PostgreSQL only: a positional statement (see positional-statement.ts) as a named prepared
   * statement; `sql`'s `prepared` says which statements may be.
   */
  static prepared<C, Row = Record<string, unknown>>(
    em: EntityManager,
    statement: PositionalStatement<C>,
    context: C,
  ): Promise<SqlResult<Row>> {
    return Database.preparedText<Row>(em, statement.text, statement.values(context));
  }

  /**
   * PostgreSQL only: a positional statement sent unnamed, so PostgreSQL plans it for the values
   * of each call. For statements whose best plan depends on their values, such as a join with the
   * rows a parameter carries: a prepared statement's generic plan, costed once (perhaps while a
   * table was nearly empty, when scanning it whole is cheapest), would be kept for good. Rows come
   * back as `pg` parses them (bigint as a string): read only what needs no conversion.
   */
  static async planned<C, Row = Record<string, unknown>>(
    em: EntityManager,
    statement: PositionalStatement<C>,
    context: C,
  ): Promise<SqlResult<Row>> {
    const values = statement.values(context);
    const result = await Database.onClient(em, (client) => client.query(statement.text, values));
    const rows = result.rows as Row[];
    return { rows, affected: result.rowCount ?? rows.length };
  }

  private static async preparedText<Row>(
    em: EntityManager,
    text: string,
    values: unknown[],
  ): Promise<SqlResult<Row>> {
    const result = await Database.runPrepared<Row>(em, statementName(text), text, values);
    return { rows: result.rows, affected: result.rowCount ?? result.rows.length };
  }

  /**
   * A prepared statement on the unit's own connection inside a transaction; otherwise straight
   * on a pooled `pg` client: a query runner per statement (its bookkeeping and listeners) cost
   * more than the statement's own client work on an order read.
   */
  private static runPrepared<Row>(
    em: EntityManager,
    name: string,
    text: string,
    values: unknown[],
  ): Promise<PreparedResult<Row>> {
    return Database.onClient(em, (client) => PreparedQuery.run<Row>(client, name, text, values));
  }

  /** Runs `work` on the unit's own connection, or on a pooled `pg` client checked out for it. */
  private static async onClient<T>(
    em: EntityManager,
    work: (client: PgClient) => Promise<T>,
  ): Promise<T> {
    if (em.queryRunner) return work((await em.queryRunner.connect()) as PgClient);
    const pool = (em.connection.driver as unknown as { master: PgPool }).master;
    const client = await pool.connect();
    if (!guardedClients.has(client)) {
      // while a client is checked out the pool does not listen for its errors; a connection
      // lost then fails the statement (pg errors every query on it), and must not crash the
      // process as an unheard 'error' event would
      client.on('error', () => undefined);
      guardedClients.add(client);
    }
    let failure: Error | undefined;
    try {
      return await work(client);
    } catch (error) {
      failure = error as Error;
      throw error;
    } finally {
      // a client whose connection failed is discarded by the pool, never reused
      client.release(failure && isDatabaseUnavailable(failure) ? failure : undefined);
    }
  }

  /**
   * Epoch milliseconds by the database's clock, as SQL. Leases and claims shared by several
   * instances are timed by this one clock, so an instance whose own clock is off or jumps
   * (NTP stepping it) cannot take over a lease that has not expired.
   */
  static nowSql(em: EntityManager): string {
    return em.connection.options.type === 'postgres'
      ? 'CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS bigint)'
      : "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)";
  }

  /**
   * Turns a raw row (from `RETURNING *` or a raw SELECT) into an entity, with the same
   * conversions TypeORM applies to its own reads: column names to properties, the BIGINT
   * transformer, SQLite's 0/1 to booleans.
   */
  static hydrate<T extends ObjectLiteral>(
    em: EntityManager,
    target: EntityTarget<T>,
    row: Record<string, unknown>,
  ): T {
    const metadata = em.connection.getMetadata(target);
    const entity = metadata.create() as T;
    for (const column of metadata.columns) {
      if (!(column.databaseName in row)) continue;
      const value = em.connection.driver.prepareHydratedValue(row[column.databaseName], column);
      column.setEntityValue(entity, value);
    }
    return entity;
  }

  private unit<T>(work: () => Promise<T>): Promise<T> {
    if (this.engine !== 'sqlite') return work();
    if (this.insideUnit.getStore()) {
      return Promise.reject(
        new Error('nested database unit: pass the EntityManager of the enclosing unit instead'),
      );
    }
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!this.draining) {
        this.draining = true;
        // the units of this turn of the event loop (and those queued while a group runs) go
        // together; a lone unit waits for nothing but the end of the turn
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const group = this.queue.splice(0, MAX_GROUP);
        if (group.length === 1) await this.runAlone(group[0]);
        else await this.runGroup(group);
      }
    } finally {
      this.draining = false;
    }
  }

  private async runAlone(unit: QueuedUnit): Promise<void> {
    try {
      unit.resolve(await this.insideUnit.run(true, unit.work));
    } catch (error) {
      unit.reject(error);
    }
  }

  /** Several queued units in one transaction and one commit (see the class comment). */
  private async runGroup(group: QueuedUnit[]): Promise<void> {
    const runner = this.dataSource.createQueryRunner();
    const connection = (this.dataSource.driver as unknown as { databaseConnection: SqliteHandle })
      .databaseConnection;
    try {
      await runner.startTransaction();
    } catch (error) {
      for (const unit of group) unit.reject(error);
      return;
    }
    const outcomes: { ok: boolean; value: unknown }[] = [];
    for (let i = 0; i < group.length; i++) {
      try {
        outcomes.push({ ok: true, value: await this.insideUnit.run(true, group[i].work) });
      } catch (error) {
        outcomes.push({ ok: false, value: error });
      }
      if (!connection.inTransaction) {
        // SQLite rolled the whole group back (SQLITE_FULL, SQLITE_IOERR, …): nothing of units
        // 0..i was written; those after i have not run and go to the next group
        abandonTransaction(runner);
        const error = outcomes[i].ok
          ? new Error('the transaction was rolled back')
          : outcomes[i].value;
        for (let j = 0; j <= i; j++) group[j].reject(error);
        this.queue.unshift(...group.slice(i + 1));
        return;
      }
    }
    try {
      await runner.commitTransaction();
    } catch (error) {
      try {
        if (connection.inTransaction) await runner.rollbackTransaction();
      } finally {
        abandonTransaction(runner);
      }
      for (const unit of group) unit.reject(error);
      return;
    }
    for (let i = 0; i < group.length; i++) {
      if (outcomes[i].ok) group[i].resolve(outcomes[i].value);
      else group[i].reject(outcomes[i].value);
    }
  }
}

/** At most this many units share one commit (the rest form the next group). */
const MAX_GROUP = 128;

interface QueuedUnit {
  work: () => Promise<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** The part of better-sqlite3's Database the group commit reads. */
interface SqliteHandle {
  readonly inTransaction: boolean;
}

/** TypeORM's view of the single SQLite connection, reset after SQLite ended its transaction. */
function abandonTransaction(runner: unknown): void {
  Object.assign(runner as object, { isTransactionActive: false, transactionDepth: 0 });
}
