import { execSync } from 'node:child_process';
import { join } from 'node:path';

/** The fault scenarios run the production build, as operators do: built once per run. */
export default function globalSetup(): void {
  execSync('npm run build', { cwd: join(__dirname, '..', '..'), stdio: 'inherit' });
}
