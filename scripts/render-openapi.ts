import { createApp } from '../src/app.factory';
import { loadConfig } from '../src/config/app-config';
import { buildOpenApiDocument, serializeOpenApi } from '../src/docs/openapi';

/** The OpenAPI document of the whole application, serialized as committed. */
export async function renderOpenApi(): Promise<string> {
  const app = await createApp(
    loadConfig({
      DATABASE_URL: 'sqlite::memory:',
      LOG_LEVEL: 'silent',
      DOCS_ENABLED: 'false',
      JOBS_ENABLED: 'false',
      NODE_ENV: 'test',
    }),
  );
  try {
    return serializeOpenApi(await buildOpenApiDocument(app));
  } finally {
    await app.close();
  }
}
