import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';

export interface CannedReply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export interface PublicEndpoint {
  /** A public unicast IPv4 address, routed from this host to the namespace only. */
  address: string;
  url(path: string): string;
  close(): Promise<void>;
}

// runs inside the namespace: answers each path with its canned reply
const SERVER = `
const routes = JSON.parse(process.argv[1]);
require('node:http')
  .createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const reply = routes[req.url.split('?')[0]] || { status: 404 };
      res.writeHead(reply.status, reply.headers || {});
      res.end(reply.body || '');
    });
  })
  .listen(80, '0.0.0.0', () => console.log('listening'));
`;

/**
 * An HTTP endpoint the SSRF guard permits, yet on this machine: a server in a network namespace
 * made for the test, at a random address of 11.0.0.0/8 (public unicast), reached over a veth
 * pair with a host route for that one address. So a test can keep the guard on and still talk
 * to a permitted endpoint (e.g. one that redirects inside). Needs root and iproute2.
 */
export async function startPublicEndpoint(
  routes: Record<string, CannedReply>,
): Promise<PublicEndpoint> {
  const id = randomBytes(3).toString('hex');
  const ns = `paygate-test-${id}`;
  const hostSide = `pgw${id}h`;
  const nsSide = `pgw${id}n`;
  const address = `11.${randomInt(1, 255)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;
  let server: ChildProcess | undefined;
  const teardown = () => {
    server?.kill();
    ipQuietly('link', 'del', hostSide);
    ipQuietly('netns', 'del', ns);
  };
  try {
    ip('netns', 'add', ns);
    ip('link', 'add', hostSide, 'type', 'veth', 'peer', 'name', nsSide);
    ip('link', 'set', nsSide, 'netns', ns);
    ip('link', 'set', hostSide, 'up');
    ip('-n', ns, 'link', 'set', 'lo', 'up');
    ip('-n', ns, 'addr', 'add', `${address}/32`, 'dev', nsSide);
    ip('-n', ns, 'link', 'set', nsSide, 'up');
    ip('-n', ns, 'route', 'add', 'default', 'dev', nsSide);
    ip('route', 'add', `${address}/32`, 'dev', hostSide);
    server = spawn(
      'ip',
      ['netns', 'exec', ns, process.execPath, '-e', SERVER, JSON.stringify(routes)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve, reject) => {
      server!.once('exit', (code) => reject(new Error(`namespace server exited (${code})`)));
      server!.stdout!.once('data', () => resolve());
    });
  } catch (error) {
    teardown();
    throw new Error(
      `could not set up a network namespace endpoint (needs root and iproute2): ${String(error)}`,
    );
  }
  return {
    address,
    url: (path) => `http://${address}${path}`,
    close: async () => {
      const child = server!;
      const exited =
        child.exitCode !== null || child.signalCode !== null
          ? Promise.resolve()
          : new Promise((resolve) => child.once('exit', resolve));
      teardown();
      await exited;
    },
  };
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function ipQuietly(...args: string[]): void {
  try {
    ip(...args);
  } catch {
    // already gone
  }
}
