/**
 * `node dist/cli/restore.js <file>` (`npm run restore -- <file>` from a checkout): restores a
 * backup made by `backup` into the database of DATABASE_URL, which must be new (an absent or
 * empty SQLite file; a created PostgreSQL database without tables). Start paygate on it after.
 */
import { ConfigError, loadConfig } from '../config/app-config';
import { restoreDatabase } from '../database/backup';

async function main(): Promise<void> {
  const source = process.argv[2];
  if (!source) throw new Error('usage: restore <backup file>');
  const config = loadConfig();
  const started = Date.now();
  await restoreDatabase(config, source);
  process.stdout.write(`restored ${source} in ${Date.now() - started} ms\n`);
}

main().catch((error: unknown) => {
  const message =
    error instanceof ConfigError || error instanceof Error ? error.message : String(error);
  process.stderr.write(`paygate restore: ${message}\n`);
  process.exit(1);
});
