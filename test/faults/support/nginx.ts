import { ChildProcess, spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../helpers/test-app';

const CONFIG = join(__dirname, '..', '..', '..', 'deploy', 'nginx.conf');

/**
 * nginx (Debian's) running deploy/nginx.conf, the load balancer of the compose "scale"
 * profile, on loopback: the same file with the replicas' names replaced by `upstreams` and
 * its port by a free one on 127.0.0.1.
 */
export class Nginx {
  private constructor(
    readonly port: number,
    private readonly child: ChildProcess,
    private readonly dir: string,
  ) {}

  /** What nginx logged (its access log goes to stdout, its errors to stderr: both to one file). */
  output(): string {
    return readFileSync(join(this.dir, 'nginx.log'), 'utf8');
  }

  static async start(upstreams: string[]): Promise<Nginx> {
    const binary = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p));
    if (!binary) throw new Error('nginx not found: apt-get install nginx');
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'paygate-faults-nginx-'));
    const original = readFileSync(CONFIG, 'utf8');
    const servers = [...original.matchAll(/^\s*server (paygate-[a-z]+:3000)/gm)].map((m) => m[1]);
    if (servers.length !== upstreams.length)
      throw new Error(
        `deploy/nginx.conf names ${servers.length} replicas, not ${upstreams.length}`,
      );
    let config = original.replace(/listen 80;/, `listen 127.0.0.1:${port};`);
    servers.forEach((server, i) => (config = config.replace(server, upstreams[i])));
    writeFileSync(join(dir, 'nginx.conf'), config);
    // a file, not a pipe: nginx opens /dev/stdout by name, which a socket pair would refuse
    const log = openSync(join(dir, 'nginx.log'), 'a');
    const child = spawn(
      binary,
      [
        '-p',
        dir,
        '-c',
        join(dir, 'nginx.conf'),
        '-g',
        `daemon off; pid ${join(dir, 'nginx.pid')};`,
      ],
      { stdio: ['ignore', log, log] },
    );
    closeSync(log);
    const nginx = new Nginx(port, child, dir);
    process.once('exit', () => child.kill('SIGKILL'));
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        await fetch(`${nginx.url}/health/live`);
        return nginx;
      } catch {
        if (Date.now() > deadline || child.exitCode !== null) {
          child.kill('SIGKILL');
          const output = nginx.output();
          rmSync(dir, { recursive: true, force: true });
          throw new Error(`nginx did not start:\n${output}`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((r) => this.child.once('exit', r));
      this.child.kill('SIGQUIT');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
