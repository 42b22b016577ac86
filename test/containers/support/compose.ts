import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { docker, IMAGE, ROOT, run } from './docker';

/** docker-compose 1.29 reads YAML 1.1, where an unquoted `no` is false. */
const YAML_1_1 = { version: '1.1' } as const;

/**
 * Docker Compose as operators run it: Compose v2 (`docker compose`) where the plugin is
 * installed, else the Python docker-compose 1.29 (Debian bookworm has no v2 package).
 */
export interface ComposeCli {
  program: string;
  prefix: string[];
  version: string;
  v1: boolean;
}

export async function findCompose(): Promise<ComposeCli> {
  const v2 = await run('docker', ['compose', 'version', '--short']);
  if (v2.code === 0) {
    return { program: 'docker', prefix: ['compose'], version: v2.stdout.trim(), v1: false };
  }
  const v1 = await run('docker-compose', ['version', '--short']);
  if (v1.code === 0) {
    return { program: 'docker-compose', prefix: [], version: v1.stdout.trim(), v1: true };
  }
  throw new Error('neither `docker compose` nor `docker-compose` is installed');
}

/**
 * One compose project made of the repository's files plus `overrides` (written to a temporary
 * file), with `env` for their ${…} variables. docker-compose 1.29 refuses `ports:` beside
 * `network_mode: host` (Compose v2 and Docker ignore them there), so under it the project runs
 * from the configuration docker-compose itself merged (`config`), less those `ports:`.
 */
export class ComposeProject {
  private readonly dir: string;
  private files: string[];

  private constructor(
    readonly cli: ComposeCli,
    readonly name: string,
    readonly env: Record<string, string>,
    files: string[],
    overrides: Record<string, unknown>,
  ) {
    this.dir = mkdtempSync(join(tmpdir(), 'paygate-compose-'));
    const override = join(this.dir, 'docker-compose.test.yml');
    writeFileSync(override, stringify(overrides, YAML_1_1));
    this.files = [...files.map((f) => join(ROOT, f)), override];
  }

  static async create(options: {
    name: string;
    files: string[];
    overrides: Record<string, unknown>;
    env: Record<string, string>;
  }): Promise<ComposeProject> {
    const cli = await findCompose();
    const tag = IMAGE.split(':')[1] ?? 'latest';
    const env = { PAYGATE_TAG: tag, ...options.env };
    const project = new ComposeProject(cli, options.name, env, options.files, options.overrides);
    if (cli.v1) {
      const merged = parse(await project.compose('--profile', 'scale', 'config'), YAML_1_1) as {
        services: Record<string, { network_mode?: string; ports?: unknown }>;
      };
      for (const service of Object.values(merged.services)) {
        if (service.network_mode === 'host') delete service.ports;
      }
      const rendered = join(project.dir, 'docker-compose.rendered.yml');
      writeFileSync(rendered, stringify(merged, YAML_1_1));
      project.files = [rendered];
    }
    return project;
  }

  /** Runs compose with these arguments; its output, or an error with what it said. */
  async compose(...args: string[]): Promise<string> {
    const files = this.files.flatMap((f) => ['-f', f]);
    // --compatibility: docker-compose 1.29 applies deploy.resources.limits only with it
    const flags = this.cli.v1 ? ['--compatibility'] : [];
    const result = await run(
      this.cli.program,
      [...this.cli.prefix, ...flags, '-p', this.name, ...files, ...args],
      { env: { ...process.env, ...this.env }, timeoutMs: 600_000 },
    );
    if (result.code !== 0) {
      throw new Error(`compose ${args.join(' ')}: exit ${result.code}\n${result.stderr}`);
    }
    return result.stdout;
  }

  /** The container of `service` (its id). */
  async container(service: string): Promise<string> {
    const id = (await this.compose('--profile', 'scale', 'ps', '-q', service)).trim();
    if (!id) throw new Error(`no container for ${service}`);
    return id;
  }

  /** `psql` in the postgres service: the rows of `sql`, one string per row, columns by `|`. */
  async sql(sql: string): Promise<string[]> {
    const out = await docker(
      'exec',
      await this.container('postgres'),
      'psql',
      '-U',
      'paygate',
      '-d',
      'paygate',
      '-tAc',
      sql,
    );
    return out ? out.split('\n') : [];
  }

  /** Stops and removes the project's containers and volumes. */
  async down(): Promise<void> {
    await this.compose('--profile', 'scale', 'down', '-v', '--remove-orphans');
  }

  /** down(), and its temporary files gone. */
  async dispose(): Promise<void> {
    await this.down().finally(() => rmSync(this.dir, { recursive: true, force: true }));
  }
}
