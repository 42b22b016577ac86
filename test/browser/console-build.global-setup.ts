import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const INDEX = join(ROOT, 'dist', 'public', 'console', 'index.html');

/** The newest modification time under a directory (the console's sources). */
function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

/**
 * The console's browser specs run against the production build, dist/public/console, as
 * `npm start` serves it. This builds it once per run (`npm run console:build`) when it is
 * missing or older than a file of console/ or openapi.json, so a spec never tests stale pages.
 */
export default function consoleBuild(): void {
  const built = existsSync(INDEX) ? statSync(INDEX).mtimeMs : 0;
  const sources = Math.max(
    newest(join(ROOT, 'console', 'src')),
    statSync(join(ROOT, 'console', 'index.html')).mtimeMs,
    statSync(join(ROOT, 'console', 'vite.config.ts')).mtimeMs,
    statSync(join(ROOT, 'openapi.json')).mtimeMs,
  );
  if (built > sources) return;
  execFileSync('npm', ['run', 'console:build'], { cwd: ROOT, stdio: 'inherit' });
}
