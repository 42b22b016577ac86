import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSwaggerMetadata } from '../scripts/openapi-metadata';
import { renderOpenApi } from '../scripts/render-openapi';

const ROOT = join(__dirname, '..');

/** The committed OpenAPI document is what the code describes; `npm run openapi` refreshes it. */
describe('committed OpenAPI document', () => {
  it('src/metadata.ts matches what the Swagger plugin reads from the DTOs now', () => {
    const dir = mkdtempSync(join(tmpdir(), 'paygate-metadata-'));
    try {
      generateSwaggerMetadata(dir);
      const fresh = readFileSync(join(dir, 'metadata.ts'), 'utf8');
      const committed = readFileSync(join(ROOT, 'src', 'metadata.ts'), 'utf8');
      // the generator writes import paths relative to its output directory
      expect(normalise(fresh)).toEqual(normalise(committed));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('openapi.json matches the document the application serves', async () => {
    const committed = readFileSync(join(ROOT, 'openapi.json'), 'utf8');
    expect(await renderOpenApi()).toEqual(committed);
  });
});

function normalise(metadata: string): string {
  return metadata.replace(
    /(import\(")[^"]*?((?:admin|auth|merchants|ops|common|channels|payments|webhooks|clearing|docs)\/)/g,
    '$1./$2',
  );
}
