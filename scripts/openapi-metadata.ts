import { join } from 'node:path';
import { PluginMetadataGenerator } from '@nestjs/cli/lib/compiler/plugins/plugin-metadata-generator';
// the package exports its plugin as `@nestjs/swagger/plugin`; the types live under dist/
const { ReadonlyVisitor } =
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('@nestjs/swagger/plugin') as typeof import('@nestjs/swagger/dist/plugin');

export const SOURCE_DIR = join(__dirname, '..', 'src');

/**
 * Runs the Swagger CLI plugin over `src/` and writes what it learns from the DTOs and
 * controllers (types, doc comments, class-validator rules) as `<outputDir>/metadata.ts`.
 */
export function generateSwaggerMetadata(outputDir: string): void {
  new PluginMetadataGenerator().generate({
    visitors: [
      new ReadonlyVisitor({
        introspectComments: true,
        classValidatorShim: true,
        dtoFileNameSuffix: ['.dto.ts'],
        controllerFileNameSuffix: ['.controller.ts'],
        pathToSource: SOURCE_DIR,
      }),
    ],
    outputDir,
    filename: 'metadata.ts',
    tsconfigPath: 'tsconfig.build.json',
    printDiagnostics: false,
  });
}
