import 'reflect-metadata';
import { createApp } from './app.factory';
import { ConfigError, loadConfig } from './config/app-config';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await createApp(config);
  const shutdownTimeout = config.env.SHUTDOWN_TIMEOUT_MS;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      // Nest closes the server (in-flight requests finish) and the database; this bounds it
      setTimeout(() => process.exit(1), shutdownTimeout).unref();
    });
  }
  await app.listen({ port: config.env.PORT, host: config.env.HOST });
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`paygate: ${error.message}\n`);
  } else {
    process.stderr.write(
      `paygate: failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
    );
  }
  process.exit(1);
});
