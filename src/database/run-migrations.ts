import { DataSource } from 'typeorm';

/** Key of the PostgreSQL advisory lock held while one instance migrates ("paygate" in digits). */
const MIGRATION_LOCK_KEY = 72_657_129;

/**
 * Runs pending migrations, one instance at a time. Several instances starting together on a
 * database (a first deployment, an upgrade of every replica at once) would otherwise run the
 * same migration concurrently, and all but one would fail to start. On PostgreSQL an advisory
 * lock, held on a connection of its own, makes the others wait and then find nothing pending.
 * SQLite is one instance.
 */
export async function runMigrationsExclusively(dataSource: DataSource): Promise<void> {
  const transaction = dataSource.options.migrationsTransactionMode ?? 'all';
  if (dataSource.options.type !== 'postgres') {
    await dataSource.runMigrations({ transaction });
    return;
  }
  const lock = dataSource.createQueryRunner();
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await dataSource.runMigrations({ transaction });
    } finally {
      await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await lock.release();
  }
}
