import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../helpers/test-app';
import {
  Answer,
  call,
  createMerchant,
  createSandboxChannel,
  data,
  eventually,
  Merchant,
  Order,
  orderBody,
  pay,
  token,
} from '../faults/support/api';
import {
  docker,
  health,
  IMAGE,
  inspect,
  logs,
  PREFIX,
  removeLeftovers,
  reportFigures,
  run,
  waitFor,
} from './support/docker';

/**
 * The image alone, as `docker run` runs it: on SQLite with a volume, a read-only root file
 * system and its secrets from an env file; then with no network at all.
 */
const NAME = `${PREFIX}-sqlite`;
const VOLUME = `${PREFIX}-sqlite-data`;
const OFFLINE = `${PREFIX}-offline`;
const OFFLINE_VOLUME = `${PREFIX}-offline-data`;
/** The Dockerfile's HEALTHCHECK --start-period. */
const START_PERIOD_MS = 30_000;
/** paygate's default SHUTDOWN_TIMEOUT_MS, which the image keeps. */
const SHUTDOWN_TIMEOUT_MS = 10_000;

const CREDENTIAL = /client_id=([\w-]+)\s+client_secret=([\w-]+)/g;
const is2xx = (a: Answer) => a.status >= 200 && a.status < 300;

async function ready(url: string): Promise<boolean> {
  const res = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(2000) });
  return res.ok;
}

/** An HTTP GET made inside the container, on its own loopback: its status. */
async function statusInside(container: string, path: string): Promise<number> {
  const script = `fetch('http://127.0.0.1:3000${path}').then(r=>{console.log(r.status)},e=>{console.log(0)})`;
  return Number(await docker('exec', container, 'node', '-e', script));
}

describe('the image on SQLite, read-only, with a data volume', () => {
  const figures: Record<string, number | string> = {};
  let dir: string;
  let url: string;
  let admin: { id: string; secret: string };
  let merchant: Merchant;
  let paid: Order;

  beforeAll(async () => {
    await removeLeftovers(NAME);
    dir = mkdtempSync(join(tmpdir(), 'paygate-containers-'));
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    // secrets from an env file, as an operator keeps them out of the command line
    writeFileSync(
      join(dir, 'paygate.env'),
      [
        `JWT_SECRET=${randomBytes(32).toString('hex')}`,
        `CHANNEL_CONFIG_KEY=${randomBytes(32).toString('hex')}`,
        'HOST=127.0.0.1',
        `PORT=${port}`,
        `PUBLIC_BASE_URL=${url}`,
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
  });

  afterAll(async () => {
    await removeLeftovers(NAME);
    rmSync(dir, { recursive: true, force: true });
    reportFigures('sqlite', figures);
  });

  it('starts as a non-root user on a read-only root, healthy within its start period; its first admin made by the create-admin command', async () => {
    const started = Date.now();
    await docker(
      'run',
      '-d',
      '--name',
      NAME,
      '--network',
      'host',
      '--read-only',
      '--tmpfs',
      '/tmp',
      '-v',
      `${VOLUME}:/app/data`,
      '--env-file',
      join(dir, 'paygate.env'),
      IMAGE,
    );
    await waitFor(() => ready(url), 60_000, 'the container to answer /health/ready');
    figures.start_to_ready_ms = Date.now() - started;
    await waitFor(async () => (await health(NAME)) === 'healthy', START_PERIOD_MS, 'healthy');
    figures.start_to_healthy_ms = Date.now() - started;
    expect(Date.now() - started).toBeLessThan(START_PERIOD_MS);

    expect(await inspect(NAME, '{{.Config.User}}')).toBe('node');
    expect(await docker('exec', NAME, 'id', '-u')).toBe('1000');
    // the root file system is read-only, even to root; the application's files are not
    // paygate's to change anyway
    expect(await inspect(NAME, '{{.HostConfig.ReadonlyRootfs}}')).toBe(true);
    const asRoot = await run('docker', ['exec', '-u', 'root', NAME, 'touch', '/app/dist/x']);
    expect(asRoot.stderr).toMatch(/Read-only file system/);
    const asPaygate = await run('docker', ['exec', NAME, 'touch', '/app/dist/main.js']);
    expect(asPaygate.code).not.toBe(0);
    // its database is on the volume, the only place it writes
    expect(await docker('exec', NAME, 'ls', '/app/data')).toMatch(/paygate\.sqlite/);

    // production generates no admin (its secret would be in the service's log): the log says
    // how to make one, and the command prints it on its own output only
    expect([...(await logs(NAME)).matchAll(CREDENTIAL)]).toHaveLength(0);
    expect(await logs(NAME)).toMatch(/node dist\/cli\/create-admin\.js/);
    const created = [
      ...(await docker('exec', NAME, 'node', 'dist/cli/create-admin.js')).matchAll(CREDENTIAL),
    ];
    expect(created).toHaveLength(1);
    admin = { id: created[0][1], secret: created[0][2] };
    expect(await token(url, admin.id, admin.secret)).toEqual(expect.any(String));
    expect(await logs(NAME)).not.toContain(admin.secret);
  });

  it('takes a payment through the sandbox, and the order survives docker restart', async () => {
    const adminToken = await token(url, admin.id, admin.secret);
    merchant = await createMerchant(url, adminToken, { name: 'Container Shop' });
    await createSandboxChannel(url, adminToken);
    const order = await data<Order>(url, 'POST', '/v1/payments/create', {
      token: merchant.token,
      body: orderBody(merchant, 1),
    });
    expect(order.status).toBe('PENDING');
    await pay(url, order);
    paid = await eventually(
      async () => {
        const o = await data<Order>(url, 'GET', `/v1/payments/${order.order_id}`, {
          token: merchant.token,
        });
        return o.status === 'SUCCEEDED' && o;
      },
      20_000,
      'the sandbox payment to succeed',
    );

    const restarting = Date.now();
    await docker('restart', '-t', '15', NAME);
    await waitFor(() => ready(url), 60_000, 'the restarted container to answer');
    figures.restart_to_ready_ms = Date.now() - restarting;

    const after = await data<Order>(url, 'GET', `/v1/payments/${paid.order_id}`, {
      token: await token(url, merchant.clientId, merchant.clientSecret),
    });
    expect(after).toEqual(paid);
    // the same credential after the restart, and still none printed: it is kept in the database
    expect(await token(url, admin.id, admin.secret)).toEqual(expect.any(String));
    expect([...(await logs(NAME)).matchAll(CREDENTIAL)]).toHaveLength(0);
  });

  it('stops on docker stop within SHUTDOWN_TIMEOUT_MS, answering every request in flight', async () => {
    const adminToken = await token(url, admin.id, admin.secret);
    const merchantToken = await token(url, merchant.clientId, merchant.clientSecret);
    // a slow provider above the first channel: each creation waits 2 s on it
    await createSandboxChannel(url, adminToken, { latency_ms: 2000 }, 'sandbox_slow');
    await data(url, 'PATCH', '/v1/channels/sandbox_slow', {
      token: adminToken,
      body: { priority: 10 },
    });
    const inFlight = Array.from({ length: 6 }, (_, i) =>
      call(url, 'POST', '/v1/payments/create', {
        token: merchantToken,
        body: orderBody(merchant, 100 + i),
        headers: { 'idempotency-key': `stop-${i}` },
        timeoutMs: 30_000,
      }),
    );
    // every request reached the server and is waiting on the provider
    await new Promise((r) => setTimeout(r, 800));
    const stopping = Date.now();
    await docker('stop', '-t', '15', NAME);
    figures.stop_ms = Date.now() - stopping;
    const answers = await Promise.all(inFlight);
    figures.in_flight_at_stop = answers.length;
    figures.in_flight_answered_2xx = answers.filter(is2xx).length;

    expect(answers.map((a) => `${a.status} ${a.error ?? ''}`.trim())).toEqual(
      answers.map(() => '201'),
    );
    for (const answer of answers)
      expect((answer.body as { data: Order }).data.channel).toBe('sandbox_slow');
    expect(Date.now() - stopping).toBeLessThan(SHUTDOWN_TIMEOUT_MS);
    // it ended by itself, not killed by Docker at the end of -t
    expect(await inspect(NAME, '{{.State.ExitCode}}')).toBe(0);
    expect(await logs(NAME)).not.toMatch(/"level":"(error|fatal)"/);
  });
});

describe('the image with no network at all (--network none)', () => {
  afterAll(() => removeLeftovers(OFFLINE));

  it('starts from what it carries and answers on its own loopback, documentation included', async () => {
    await removeLeftovers(OFFLINE);
    const started = Date.now();
    await docker(
      'run',
      '-d',
      '--name',
      OFFLINE,
      '--network',
      'none',
      '--read-only',
      '--tmpfs',
      '/tmp',
      '-v',
      `${OFFLINE_VOLUME}:/app/data`,
      '-e',
      `JWT_SECRET=${randomBytes(32).toString('hex')}`,
      '-e',
      `CHANNEL_CONFIG_KEY=${randomBytes(32).toString('hex')}`,
      IMAGE,
    );
    await waitFor(
      async () => (await statusInside(OFFLINE, '/health/ready')) === 200,
      60_000,
      'the offline container to answer on its loopback',
      1000,
    );
    const startMs = Date.now() - started;
    // the pages' assets come from the image, not from a CDN or npm
    const assets = [
      '/docs',
      '/docs/swagger-ui-bundle.js',
      '/reference',
      '/reference/mermaid.min.js',
    ];
    const statuses = await Promise.all(assets.map((path) => statusInside(OFFLINE, path)));
    expect(Object.fromEntries(assets.map((a, i) => [a, statuses[i]]))).toEqual(
      Object.fromEntries(assets.map((a) => [a, 200])),
    );
    expect(await logs(OFFLINE)).not.toMatch(/"level":"(error|fatal)"/);
    reportFigures('offline', { start_to_ready_ms: startMs, assets_served: statuses.length });
  });
});
