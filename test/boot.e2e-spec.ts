import { ChildProcess, spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { createScratchDatabase, testEngine } from './helpers/scratch-database';
import { freePort } from './helpers/test-app';

const ROOT = join(__dirname, '..');
const MAIN = join(ROOT, 'src', 'main.ts');
const CREATE_ADMIN = join(ROOT, 'src', 'cli', 'create-admin.ts');
/** How long a start may take: ts-node compiles src/ first, slow on a loaded 2-core machine. */
const BOOT_MS = 150_000;

/** `node src/main.ts` as an operator starts it, with only the environment given. */
function startProcess(env: Record<string, string>, cwd: string, main = MAIN): ChildProcess {
  return spawn(process.execPath, ['-r', require.resolve('ts-node/register/transpile-only'), main], {
    cwd,
    env: {
      PATH: process.env.PATH ?? '',
      TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'),
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function collect(child: ChildProcess): {
  out: () => string;
  exited: Promise<number | string | null>;
} {
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  // a process ended by a signal reports the signal's name
  return {
    out: () => out,
    exited: new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal))),
  };
}

async function waitReady(url: string, child: { exited: Promise<unknown> }): Promise<void> {
  let done = false;
  void child.exited.then(() => (done = true));
  // compiling src/ under ts-node takes a while on a busy machine
  const deadline = Date.now() + BOOT_MS;
  while (Date.now() < deadline && !done) {
    try {
      const res = await request(url).get('/health/ready');
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server at ${url} never became ready`);
}

describe('starting paygate', () => {
  // every test here starts `src/main.ts` under ts-node, which compiles the application first
  jest.setTimeout(2 * BOOT_MS);
  let cwd: string;
  beforeAll(() => {
    cwd = mkdtempSync(join(tmpdir(), 'paygate-boot-'));
  });
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));

  it('stops with exit code 1 and one line naming a bad variable', async () => {
    const child = startProcess({ PORT: 'not-a-port' }, cwd);
    const { out, exited } = collect(child);
    expect(await exited).toBe(1);
    const lines = out().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^paygate: invalid configuration: PORT must be an integer/);
  });

  it('refuses production without JWT_SECRET', async () => {
    const { out, exited } = collect(
      startProcess({ NODE_ENV: 'production', CHANNEL_CONFIG_KEY: 'a'.repeat(64) }, cwd),
    );
    expect(await exited).toBe(1);
    expect(out().trim()).toBe(
      'paygate: invalid configuration: JWT_SECRET is required in production',
    );
  });

  it(
    `serves /health/ready with no set-up (${testEngine() === 'postgres' ? 'DATABASE_URL on PostgreSQL' : 'the embedded SQLite default'}), then shuts down cleanly on SIGTERM`,
    async () => {
      const port = await freePort();
      const scratch = testEngine() === 'postgres' ? await createScratchDatabase() : undefined;
      const child = startProcess(
        {
          PORT: String(port),
          HOST: '127.0.0.1',
          ...(scratch ? { DATABASE_URL: scratch.url } : {}),
        },
        cwd,
      );
      const proc = collect(child);
      try {
        const url = `http://127.0.0.1:${port}`;
        await waitReady(url, proc);
        if (!scratch) expect(existsSync(join(cwd, 'data', 'paygate.sqlite'))).toBe(true);
        // the generated admin credential is printed once, since none was configured
        expect(proc.out()).toMatch(/client_id=adm_[0-9a-f]+ client_secret=pgs_/);
        // a request in flight when SIGTERM arrives (its body still arriving) gets its answer
        const body = JSON.stringify({
          grant_type: 'client_credentials',
          client_id: 'x',
          client_secret: 'y',
        });
        const inflight = new Promise<number>((resolve, reject) => {
          const req = httpRequest(
            {
              host: '127.0.0.1',
              port,
              agent: false,
              method: 'POST',
              path: '/v1/auth/token',
              headers: { 'content-type': 'application/json', 'content-length': body.length },
            },
            (res) => {
              res.resume();
              resolve(res.statusCode ?? 0);
            },
          );
          req.on('error', reject);
          req.write(body.slice(0, 10));
          setTimeout(() => {
            child.kill('SIGTERM');
            setTimeout(() => req.end(body.slice(10)), 300);
          }, 200);
        });
        expect(await inflight).toBe(401);
        // Nest closes the server and the database, then re-raises the signal to end the process
        expect(await proc.exited).toBe('SIGTERM');
        expect(proc.out()).not.toMatch(/"level":"(error|fatal)"/);
      } finally {
        child.kill('SIGKILL');
        await scratch?.drop();
      }
    },
    2 * BOOT_MS,
  );

  it('generates no admin in production: the operator creates one, its secret on their terminal only', async () => {
    const port = await freePort();
    const scratch =
      testEngine() === 'postgres'
        ? await createScratchDatabase()
        : { url: `sqlite:${join(cwd, 'production.sqlite')}`, drop: async () => undefined };
    const env = {
      NODE_ENV: 'production',
      JWT_SECRET: 'boot-test-jwt-secret-0123456789abcdef0123',
      CHANNEL_CONFIG_KEY: 'b'.repeat(64),
      DATABASE_URL: scratch.url,
    };
    const child = startProcess({ ...env, PORT: String(port), HOST: '127.0.0.1' }, cwd);
    const proc = collect(child);
    try {
      const url = `http://127.0.0.1:${port}`;
      await waitReady(url, proc);
      expect(proc.out()).toContain('no admin credential exists and none is generated');
      expect(proc.out()).not.toMatch(/client_secret=|pgs_/);
      const command = collect(startProcess(env, cwd, CREATE_ADMIN));
      expect(await command.exited).toBe(0);
      const printed = /client_id=(adm_[0-9a-f]+)\nclient_secret=(pgs_[\w-]+)/.exec(command.out());
      expect(printed).not.toBeNull();
      const [, clientId, secret] = printed as RegExpExecArray;
      const token = await request(url)
        .post('/v1/auth/token')
        .send({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret });
      expect([token.status, token.body.data?.scope]).toEqual([200, 'admin']);
      // the service never saw the secret
      expect(proc.out()).not.toContain(secret);
    } finally {
      child.kill('SIGKILL');
      await proc.exited;
      await scratch.drop();
    }
  }, 150_000);
});
