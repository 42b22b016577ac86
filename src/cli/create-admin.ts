/**
 * `node dist/cli/create-admin.js` (`npm run admin:create` from a checkout): creates an admin
 * credential in the database of DATABASE_URL and prints its client_id and secret on this
 * command's output, once. The way to the first admin in production, where paygate does not
 * generate one (its secret would be in the service's log), and to another admin whenever one
 * is needed. Pending migrations are run first, as the service would.
 */
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { createAdminCredential } from '../auth/bootstrap-admin.service';
import { CredentialsRepository } from '../auth/credentials.repository';
import { ConfigError, loadConfig } from '../config/app-config';
import { buildDataSourceOptions } from '../database/data-source-options';
import { runMigrationsExclusively } from '../database/run-migrations';

async function main(): Promise<void> {
  const config = loadConfig();
  const dataSource = new DataSource(buildDataSourceOptions(config));
  await dataSource.initialize();
  try {
    if (config.env.MIGRATIONS_RUN) await runMigrationsExclusively(dataSource);
    const { clientId, secret } = await createAdminCredential(
      { run: (work) => work(dataSource.manager) },
      new CredentialsRepository(),
    );
    process.stdout.write(
      `admin credential created; the secret is shown this once:\n` +
        `client_id=${clientId}\nclient_secret=${secret}\n`,
    );
  } finally {
    await dataSource.destroy();
  }
}

main().catch((error: unknown) => {
  const message =
    error instanceof ConfigError || error instanceof Error ? error.message : String(error);
  process.stderr.write(`paygate create-admin: ${message}\n`);
  process.exit(1);
});
