import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DataSourceOptions } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';

/**
 * TypeORM options for the configured engine. Schema only ever comes from migrations:
 * `synchronize` stays off on both engines.
 */
export function buildDataSourceOptions(config: AppConfig): DataSourceOptions {
  const common = {
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsRun: false,
    migrationsTableName: 'migrations',
    synchronize: false,
    logging: false,
  } as const;
  if (config.databaseEngine === 'sqlite') {
    const path = config.sqlitePath;
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    return {
      ...common,
      type: 'better-sqlite3',
      database: path,
      enableWAL: path !== ':memory:',
      timeout: config.env.SQLITE_BUSY_TIMEOUT_MS,
      // Every commit waits for the WAL to reach the disk, so a write a caller was told about
      // survives a power loss or an OS crash, not only a crash of the process (NORMAL would
      // lose the last commits then). Stated here rather than left to the build's default;
      // its cost is one fsync per commit, which the group commit (Database) shares.
      prepareDatabase: (db: { pragma(source: string): unknown }) => {
        db.pragma('synchronous = FULL');
        // A group commit runs each transaction in a savepoint, and SQLite saves the original of
        // every page a savepoint changes in a sub-journal: in memory, not a temporary file (one
        // write system call per page otherwise, ~60 per create under load). It only undoes a
        // savepoint; durability is the WAL's.
        db.pragma('temp_store = MEMORY');
      },
    };
  }
  return {
    ...common,
    type: 'postgres',
    url: config.env.DATABASE_URL,
    poolSize: config.env.DATABASE_POOL_SIZE,
    extra: {
      // fail fast when the server is gone instead of queueing requests forever
      connectionTimeoutMillis: 5000,
      idleTimeoutMillis: 30000,
      application_name: 'paygate',
    },
  };
}
