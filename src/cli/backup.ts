/**
 * `node dist/cli/backup.js [file]` (`npm run backup -- [file]` from a checkout): an online,
 * consistent backup of the database of DATABASE_URL while paygate serves. SQLite: a database
 * file made by SQLite's online backup API; PostgreSQL: a pg_dump archive (custom format).
 * Without a file: backups/paygate-<UTC time>.sqlite or .dump.
 */
import { ConfigError, loadConfig } from '../config/app-config';
import { backupDatabase } from '../database/backup';

async function main(): Promise<void> {
  const config = loadConfig();
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const target =
    process.argv[2] ??
    `backups/paygate-${stamp}.${config.databaseEngine === 'sqlite' ? 'sqlite' : 'dump'}`;
  const started = Date.now();
  await backupDatabase(config, target);
  process.stdout.write(`backup written to ${target} in ${Date.now() - started} ms\n`);
}

main().catch((error: unknown) => {
  const message =
    error instanceof ConfigError || error instanceof Error ? error.message : String(error);
  process.stderr.write(`paygate backup: ${message}\n`);
  process.exit(1);
});
