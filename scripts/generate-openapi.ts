/**
 * `npm run openapi`: regenerates `src/metadata.ts` (Swagger plugin metadata) and the committed
 * `openapi.json`. A test fails when either is stale.
 */
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateSwaggerMetadata, SOURCE_DIR } from './openapi-metadata';

async function main(): Promise<void> {
  generateSwaggerMetadata(SOURCE_DIR);
  // loaded only now, so the document is built from the metadata just written
  const { renderOpenApi } = await import('./render-openapi');
  writeFileSync(join(__dirname, '..', 'openapi.json'), await renderOpenApi());
  process.stdout.write('wrote src/metadata.ts and openapi.json\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
