import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually } from '../../faults/support/api';

export const ROOT = join(__dirname, '..', '..', '..');

/** The image the suite builds from the repository's Dockerfile (global-setup.ts). */
export const IMAGE = process.env.CONTAINERS_IMAGE ?? 'paygate:containers-test';

/** Every container, volume and compose project a test makes carries this in its name. */
export const PREFIX = 'paygate-ct';

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program to its end, never throwing: the caller reads the exit code. */
export function run(
  program: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      program,
      args,
      {
        cwd: options.cwd ?? ROOT,
        env: options.env ?? process.env,
        timeout: options.timeoutMs ?? 300_000,
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

/** `docker …`; its output, or an error with what it said. */
export async function docker(...args: string[]): Promise<string> {
  const result = await run('docker', args);
  if (result.code !== 0)
    throw new Error(`docker ${args.join(' ')}: exit ${result.code}\n${result.stderr}`);
  return result.stdout.trim();
}

/** `docker inspect --format <format> <name>`, parsed when it is JSON. */
export async function inspect<T = string>(name: string, format: string): Promise<T> {
  const out = await docker('inspect', '--format', format, name);
  try {
    return JSON.parse(out) as T;
  } catch {
    return out as T;
  }
}

/** What a container wrote to stdout and stderr so far. */
export async function logs(name: string): Promise<string> {
  const result = await run('docker', ['logs', name]);
  return result.stdout + result.stderr;
}

/** `eventually`, with a check that throws (nothing listening yet) taken as not yet. */
export function waitFor<T>(
  check: () => Promise<T | undefined | null | false>,
  timeoutMs: number,
  what: string,
  everyMs = 250,
): Promise<T> {
  return eventually(() => check().catch(() => undefined), timeoutMs, what, everyMs);
}

/** The container's health as Docker sees it: starting, healthy or unhealthy. */
export function health(name: string): Promise<string> {
  return inspect<string>(name, '{{.State.Health.Status}}');
}

/** Removes whatever containers and volumes are left with `prefix` in their names. */
export async function removeLeftovers(prefix: string): Promise<void> {
  const containers = await docker('ps', '-aq', '--filter', `name=${prefix}`);
  if (containers) await docker('rm', '-f', '-v', ...containers.split('\n'));
  const volumes = await docker('volume', 'ls', '-q', '--filter', `name=${prefix}`);
  if (volumes) await docker('volume', 'rm', '-f', ...volumes.split('\n'));
}

/** True when a Docker engine answers. */
export function engineAnswers(): boolean {
  try {
    execFileSync('docker', ['version', '--format', '{{.Server.Version}}'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

const ARTIFACTS = join(ROOT, 'test-artifacts', 'containers');

/**
 * Prints a scenario's figures on one line (the suite's output is where they are read) and
 * keeps them in test-artifacts/containers/<name>.json.
 */
export function reportFigures(name: string, figures: Record<string, unknown>): void {
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(join(ARTIFACTS, `${name}.json`), `${JSON.stringify(figures, null, 2)}\n`);
  const line = Object.entries(figures)
    .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join(' ');
  process.stdout.write(`[containers] ${name}: ${line}\n`);
}
