/**
 * Copies into `<target>` what the production build needs at run time, and nothing else: what
 * `npm run build` produced (dist/), package.json, CHANGELOG.md, and the files of node_modules
 * that the build actually loads, found by tracing its requires (@vercel/nft, as Next.js
 * standalone builds do). The Dockerfile's build stage runs it; the image's runtime stage is
 * the result. Production node_modules as npm installs them are ~440 MB (Redoc, Mermaid and the
 * packages their bundles were made from, TypeScript through a peer dependency); the traced set
 * is a tenth of that.
 *
 *   ts-node --transpile-only scripts/runtime-files.ts <target>
 */
import { cpSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { nodeFileTrace } from '@vercel/nft';
import { REFERENCE_ASSETS } from '../src/docs/reference-page';

const ROOT = join(__dirname, '..');

/** The build's output directories, copied whole (source maps included, for stack traces). */
const BUILD_OUTPUT = ['dist'];

/** Commands of src/cli/ an operator runs beside the service. */
const CLI_COMMANDS = ['create-admin', 'rotate-keys', 'backup', 'restore'];

/** Read at run time by path rather than required. */
const PROJECT_FILES = ['package.json', 'CHANGELOG.md'];

/**
 * Modules loaded by a name computed at run time, which tracing cannot follow: TypeORM loads
 * its SQLite driver by name (PostgreSQL's, `pg`, is required statically by the build).
 */
const LOADED_BY_NAME = ['better-sqlite3'];

/**
 * Package directories served as files: Swagger UI's assets (@nestjs/swagger serves the
 * directory of swagger-ui-dist at /docs). Their source maps are left out.
 */
const SERVED_DIRECTORIES = ['swagger-ui-dist'];

async function main(): Promise<void> {
  const target = process.argv[2];
  if (!target) throw new Error('usage: runtime-files.ts <target directory>');

  const entries = [
    join(ROOT, 'dist', 'main.js'),
    // the operator's commands, run in the container as `node dist/cli/<name>.js`
    ...CLI_COMMANDS.map((name) => join(ROOT, 'dist', 'cli', `${name}.js`)),
    ...LOADED_BY_NAME.map((name) => require.resolve(name, { paths: [ROOT] })),
  ];
  const { fileList } = await nodeFileTrace(entries, {
    base: ROOT,
    processCwd: ROOT,
    // the export conditions Node 20.19+ resolves with ("module-sync": nft assumes only 22+)
    conditions: ['node', 'module-sync'],
  });
  const files = new Set<string>([...fileList].filter((f) => f.startsWith('node_modules/')));
  // the reference page's bundles (Redoc, Mermaid): read by module path when first requested
  for (const modulePath of Object.values(REFERENCE_ASSETS)) {
    files.add(relative(ROOT, require.resolve(modulePath, { paths: [ROOT] })));
  }
  for (const name of SERVED_DIRECTORIES) {
    const dir = dirname(require.resolve(`${name}/package.json`, { paths: [ROOT] }));
    for (const file of walk(dir)) if (!file.endsWith('.map')) files.add(relative(ROOT, file));
  }

  mkdirSync(target, { recursive: true });
  for (const dir of BUILD_OUTPUT) cpSync(join(ROOT, dir), join(target, dir), { recursive: true });
  for (const file of [...PROJECT_FILES, ...files]) {
    mkdirSync(dirname(join(target, file)), { recursive: true });
    cpSync(join(ROOT, file), join(target, file));
  }
  process.stdout.write(`runtime-files: ${files.size} files of node_modules into ${target}\n`);
}

function* walk(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* walk(path);
    else yield path;
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
