/**
 * `node dist/cli/rotate-keys.js` (`npm run keys:rotate` from a checkout): re-seals every secret
 * kept encrypted in the database of DATABASE_URL (channel configs, webhook signing secrets,
 * console TOTP secrets, stored idempotent responses) under the first key of
 * CHANNEL_CONFIG_KEYS, in batches, while the service keeps running. It prints what it did per
 * table. Interrupted, it is simply run again: it resumes where values are not yet current.
 * Once it reports no failure, the older keys can be dropped from the ring.
 *
 *   --batch-size=N   rows per transaction (default 200)
 */
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { rotateSealedValues } from '../common/crypto/key-rotation';
import { SecretBox } from '../common/crypto/secret-box';
import { ConfigError, loadConfig } from '../config/app-config';
import { buildDataSourceOptions } from '../database/data-source-options';

async function main(): Promise<number> {
  const config = loadConfig();
  const { CHANNEL_CONFIG_KEYS, CHANNEL_CONFIG_KEY } = config.env;
  if (!CHANNEL_CONFIG_KEYS && !CHANNEL_CONFIG_KEY) {
    throw new Error('set CHANNEL_CONFIG_KEYS (new key first, then the older ones) to rotate');
  }
  const box = CHANNEL_CONFIG_KEYS
    ? new SecretBox(SecretBox.parseRing(CHANNEL_CONFIG_KEYS))
    : new SecretBox(SecretBox.parseKey(CHANNEL_CONFIG_KEY!));
  const batchArg = process.argv.find((a) => a.startsWith('--batch-size='));
  const batchSize = batchArg ? Number(batchArg.slice('--batch-size='.length)) : 200;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10000) {
    throw new Error('--batch-size must be an integer from 1 to 10000');
  }
  const dataSource = new DataSource(buildDataSourceOptions(config));
  await dataSource.initialize();
  try {
    process.stdout.write(
      `re-sealing under key "${box.currentKeyId}" (${batchSize} rows a batch)\n`,
    );
    const counts = await rotateSealedValues(dataSource, box, { batchSize });
    let failed = 0;
    for (const c of counts) {
      process.stdout.write(
        `${c.table}: ${c.examined} rows examined, ${c.resealed} values re-sealed, ` +
          `${c.changedMeanwhile} changed by the service meanwhile, ${c.failed} failed\n`,
      );
      for (const failure of c.failures) process.stdout.write(`  failed: ${failure}\n`);
      failed += c.failed;
    }
    process.stdout.write(
      failed === 0
        ? `done: every sealed value is under "${box.currentKeyId}"; older keys may be dropped\n`
        : `${failed} values could not be re-sealed: keep the older keys and fix these first\n`,
    );
    return failed === 0 ? 0 : 2;
  } finally {
    await dataSource.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const message =
      error instanceof ConfigError || error instanceof Error ? error.message : String(error);
    process.stderr.write(`paygate keys:rotate: ${message}\n`);
    process.exit(1);
  },
);
