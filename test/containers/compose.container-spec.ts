import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { settlementDate } from '../../src/common/time';
import { MIGRATIONS } from '../../src/database/migrations';
import { verifyWebhookSignature } from '../../src/webhooks/webhook-signature';
import { middayTimeZone } from '../helpers/clearing';
import { freePort } from '../helpers/test-app';
import { WebhookReceiver } from '../helpers/webhook-receiver';
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
import { CreateRequest, retryCreate, startCreateLoad } from '../faults/support/load';
import { ComposeProject } from './support/compose';
import {
  docker,
  health,
  inspect,
  logs,
  PREFIX,
  ROOT,
  reportFigures,
  waitFor,
} from './support/docker';

/**
 * docker-compose.yml as an operator runs it, on this machine's host network
 * (docker-compose.host.yml): PostgreSQL and one instance, then the "scale" profile (two
 * replicas behind nginx, Redis) on the same database. The test adds only what it needs to
 * reach its own webhook receiver and to know the admin credential.
 */
const PROJECT = `${PREFIX}-compose`;
const ADMIN_ID = 'adm_containers';
const ADMIN_SECRET = randomBytes(24).toString('hex');
/** The token endpoint's limit per client and per IP, per minute (the default). */
const TOKEN_LIMIT = 30;

const is2xx = (a: Answer) => a.status >= 200 && a.status < 300;
const orderIdOf = (a: Answer) => (a.body as { data: { order_id: string } }).data.order_id;
const reasonOf = (a: Answer) => (a.body as { reason?: string } | undefined)?.reason;

interface ComposeFile {
  services: Record<string, Record<string, unknown>>;
  volumes?: Record<string, unknown>;
  secrets?: Record<string, unknown>;
}

describe('docker-compose.yml, production defaults', () => {
  const file = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), {
    merge: true,
  }) as ComposeFile;

  it('publishes no database, keeps its data in a named volume and its secrets in files', () => {
    expect(file.services.postgres.ports).toBeUndefined();
    expect(file.services.redis.ports).toBeUndefined();
    expect(file.services.postgres.volumes).toEqual(['pgdata:/var/lib/postgresql/data']);
    expect(Object.keys(file.volumes ?? {})).toEqual(['pgdata']);
    // paygate and nginx are published on loopback only, for a TLS proxy in front
    expect(file.services.paygate.ports).toEqual(['${PAYGATE_PUBLISH:-127.0.0.1:3000}:3000']);
    expect(file.services.nginx.ports).toEqual(['${NGINX_PUBLISH:-127.0.0.1:8080}:80']);
    for (const name of ['paygate', 'paygate-a', 'paygate-b']) {
      const env = file.services[name].environment as Record<string, string>;
      const values = Object.entries(env).filter(([k]) => /SECRET|KEY|PASSWORD/.test(k));
      expect(values.every(([k, v]) => k.endsWith('_FILE') && v.startsWith('/run/secrets/'))).toBe(
        true,
      );
      expect(file.services[name].restart).toBe('unless-stopped');
      expect(file.services[name].read_only).toBe(true);
    }
  });
});

describe('docker compose on PostgreSQL: one instance, then the scale profile', () => {
  let project: ComposeProject;
  let dir: string;
  let receiver: WebhookReceiver;
  const settlementTz = middayTimeZone();
  const ports: Record<string, number> = {};
  const figures: Record<string, number | string> = {};
  const single = () => `http://127.0.0.1:${ports.PAYGATE_PORT}`;
  const lb = () => `http://127.0.0.1:${ports.NGINX_PORT}`;
  let lbAdmin: string;
  let loadMerchant: Merchant;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'paygate-compose-secrets-'));
    const secrets: Record<string, { file: string }> = {};
    for (const name of ['postgres_password', 'jwt_secret', 'channel_config_key']) {
      const path = join(dir, name);
      writeFileSync(path, `${randomBytes(32).toString('hex')}\n`);
      chmodSync(path, 0o444);
      secrets[name] = { file: path };
    }
    for (const name of [
      'POSTGRES_PORT',
      'REDIS_PORT',
      'PAYGATE_PORT',
      'PAYGATE_A_PORT',
      'PAYGATE_B_PORT',
      'NGINX_PORT',
    ])
      ports[name] = await freePort();
    receiver = await WebhookReceiver.start();
    // what this test needs beyond the operator's files: its receiver is on loopback, it knows
    // the admin credential, and its settlement day is the one it runs in
    const testEnv = {
      WEBHOOK_ALLOW_PRIVATE: 'true',
      BOOTSTRAP_ADMIN_CLIENT_ID: ADMIN_ID,
      BOOTSTRAP_ADMIN_CLIENT_SECRET: ADMIN_SECRET,
      SETTLEMENT_TZ: settlementTz,
    };
    project = await ComposeProject.create({
      name: PROJECT,
      files: ['docker-compose.yml', 'docker-compose.host.yml'],
      overrides: {
        services: {
          paygate: { environment: testEnv },
          'paygate-a': { environment: testEnv },
          'paygate-b': { environment: testEnv },
        },
        secrets,
      },
      env: Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
    });
    figures.compose = `${project.cli.program} ${project.cli.prefix.join(' ')} ${project.cli.version}`;
    await project.down();
  });

  afterAll(async () => {
    await receiver?.close();
    rmSync(dir, { recursive: true, force: true });
    reportFigures('compose', figures);
    await project?.dispose();
  });

  it('migrates at start and takes a payment, a signed webhook and a clearing run', async () => {
    const started = Date.now();
    await project.compose('up', '-d', '--no-build', 'postgres', 'paygate');
    await waitFor(
      async () => (await fetch(`${single()}/health/ready`)).ok,
      90_000,
      'the compose instance to answer',
    );
    figures.up_to_ready_ms = Date.now() - started;

    const applied = await project.sql('SELECT name FROM migrations ORDER BY id');
    expect(applied).toHaveLength(MIGRATIONS.length);

    const admin = await token(single(), ADMIN_ID, ADMIN_SECRET);
    const merchant = await createMerchant(single(), admin, {
      name: 'Compose Shop',
      notify_url: receiver.url('/paygate'),
    });
    await createSandboxChannel(single(), admin);
    const order = await data<Order>(single(), 'POST', '/v1/payments/create', {
      token: merchant.token,
      body: orderBody(merchant, 1, { amount: 12345 }),
    });
    await pay(single(), order);
    const hook = await waitFor(
      async () => receiver.hits.find((h) => JSON.parse(h.body).type === 'payment.succeeded'),
      30_000,
      'the payment.succeeded webhook',
    );
    expect(JSON.parse(hook.body).data.order_id).toBe(order.order_id);
    expect(
      verifyWebhookSignature(
        hook.body,
        hook.headers['paygate-signature'] as string,
        merchant.webhookSecret,
      ),
    ).toBe(true);

    const date = settlementDate(Date.now(), settlementTz);
    await data(single(), 'POST', '/v1/clearing/runs', { token: admin, body: { date } });
    const bills = await data<{ items: Record<string, unknown>[] }>(
      single(),
      'GET',
      `/v1/clearing/bills?date=${date}`,
      { token: merchant.token },
    );
    expect(bills.items).toEqual([
      expect.objectContaining({
        source_id: merchant.sourceId,
        date,
        currency: 'CNY',
        payment_count: 1,
        payment_amount: 12345,
        refund_count: 0,
      }),
    ]);
  });

  it('runs as the file says: secrets as files, limits, restart policy, read-only, no bridge', async () => {
    const id = await project.container('paygate');
    const env = await inspect<string[]>(id, '{{json .Config.Env}}');
    const jwtSecret = readFileSync(join(dir, 'jwt_secret'), 'utf8').trim();
    expect(env.join('\n')).not.toContain(jwtSecret);
    expect(env).toContain('JWT_SECRET_FILE=/run/secrets/jwt_secret');
    expect(await inspect(id, '{{.HostConfig.RestartPolicy.Name}}')).toBe('unless-stopped');
    expect(await inspect(id, '{{.HostConfig.ReadonlyRootfs}}')).toBe(true);
    expect(await inspect(id, '{{.HostConfig.Memory}}')).toBe(512 * 1024 * 1024);
    expect(await inspect(id, '{{.HostConfig.NanoCpus}}')).toBe(1e9);
    expect(await project.sql('SHOW listen_addresses')).toEqual(['127.0.0.1']);
    const volumes = await docker('volume', 'ls', '--format', '{{.Name}}');
    expect(volumes.split('\n')).toContain(`${PROJECT}_pgdata`);
    // host networking only: compose made no network of its own
    expect(await docker('network', 'ls', '--format', '{{.Name}}')).not.toMatch(PROJECT);
  });

  it('scale: two replicas behind nginx share the rate limit through Redis', async () => {
    const started = Date.now();
    await project.compose('--profile', 'scale', 'up', '-d', '--no-build', 'nginx');
    await waitFor(async () => (await fetch(`${lb()}/health/ready`)).ok, 90_000, 'nginx');
    figures.scale_up_to_ready_ms = Date.now() - started;

    // every token this test needs, before the burst uses up the minute's allowance
    lbAdmin = await token(lb(), ADMIN_ID, ADMIN_SECRET);
    const merchant = await createMerchant(lb(), lbAdmin, { name: 'Busy Shop' });
    loadMerchant = await createMerchant(lb(), lbAdmin, { name: 'Load Shop' });
    // the token endpoint allows TOKEN_LIMIT per client per minute: counted apart, two
    // replicas would let every one of these through
    const burst = await Promise.all(
      Array.from({ length: TOKEN_LIMIT + 10 }, () =>
        call(lb(), 'POST', '/v1/auth/token', {
          body: {
            grant_type: 'client_credentials',
            client_id: merchant.clientId,
            client_secret: merchant.clientSecret,
          },
          // each granted token costs a scrypt of the secret: slow on a busy machine
          timeoutMs: 90_000,
        }),
      ),
    );
    const granted = burst.filter(is2xx).length;
    const limited = burst.filter((a) => a.status === 429).length;
    // on a machine this busy, a replica may shed a request as 503 `unavailable` (its database
    // pool did not answer in time), paygate's documented overload answer: counted, not granted
    const shed = burst.filter((a) => a.status === 503 && reasonOf(a) === 'unavailable').length;
    figures.token_burst = `${burst.length} sent, ${granted} granted, ${limited} limited, ${shed} shed`;
    expect(granted + limited + shed).toBe(burst.length);
    expect(granted).toBeLessThanOrEqual(TOKEN_LIMIT);
    expect(limited).toBeGreaterThanOrEqual(10 - shed);
    // and both replicas answered some of them
    for (const service of ['paygate-a', 'paygate-b']) {
      expect(await logs(await project.container(service))).toMatch(/"url":"\/v1\/auth\/token"/);
    }
  });

  it('scale: a replica killed under load loses no acknowledged order, and retries finish the rest', async () => {
    const merchant = loadMerchant;
    await createSandboxChannel(lb(), lbAdmin, { latency_ms: 100 }, 'sandbox_scale');
    const victim = await project.container('paygate-a');

    const load = startCreateLoad({ urls: () => [lb()], merchant, concurrency: 6 });
    await eventually(async () => load.answered2xx() >= 60, 90_000, '60 creates answered', 50);
    const killedAt = Date.now();
    await docker('kill', victim);
    const answeredAtKill = load.answered2xx();
    await eventually(
      async () => load.answered2xx() >= answeredAtKill + 60,
      90_000,
      '60 more creates answered by the surviving replica',
      50,
    );
    const sent = await load.stop();

    const acknowledged = sent.filter((r) => is2xx(r.answer));
    // the kill costs answers (no answer, or nginx's 502 for a request the replica dropped)
    const unanswered = sent.filter((r) => !is2xx(r.answer));
    expect(unanswered.filter((r) => r.answer.status !== 0 && r.answer.status !== 502)).toEqual([]);

    // every acknowledged order is in the database
    const rows = await project.sql(
      `SELECT order_id FROM orders WHERE source_id = ${merchant.sourceId}`,
    );
    const stored = new Set(rows);
    const missing = acknowledged.filter((r) => !stored.has(orderIdOf(r.answer)));
    expect(missing.map((r) => r.key)).toEqual([]);

    // every unanswered one, retried with its key, ends in one order (after the 30 s lock of
    // a request that died half-way: 409 idempotency_in_progress until then, by design)
    const pending = new Set<CreateRequest>(unanswered);
    const retried = new Map<string, string>();
    const refused: string[] = [];
    await eventually(
      async () => {
        for (const request of [...pending]) {
          const retry = await retryCreate(request, merchant.token, lb());
          if (is2xx(retry)) {
            retried.set(request.key, orderIdOf(retry));
            pending.delete(request);
          } else if (!(retry.status === 409 && reasonOf(retry) === 'idempotency_in_progress')) {
            refused.push(`${request.key}: ${retry.status} ${retry.text}`);
            pending.delete(request);
          }
        }
        return pending.size === 0;
      },
      90_000,
      'every unanswered create to succeed on retry',
      1000,
    );
    expect(refused).toEqual([]);

    const perKey = await project.sql(
      `SELECT idempotency_key, COUNT(*) FROM orders WHERE source_id = ${merchant.sourceId} ` +
        'GROUP BY idempotency_key HAVING COUNT(*) > 1',
    );
    expect(perKey).toEqual([]);
    const total = await project.sql(
      `SELECT COUNT(*) FROM orders WHERE source_id = ${merchant.sourceId}`,
    );
    expect(Number(total[0])).toBe(acknowledged.length + retried.size);

    figures.load_sent = sent.length;
    figures.load_acknowledged = acknowledged.length;
    figures.load_unanswered_at_kill = unanswered.length;
    figures.unanswered_retried_to_2xx = retried.size;
    figures.acknowledged_missing = missing.length;
    figures.orders_in_database = Number(total[0]);
    figures.retries_done_ms = Date.now() - killedAt;
  });

  it('scale: a replica that crashes is restarted by Docker and served again', async () => {
    const survivor = await project.container('paygate-b');
    // a crash, not `docker kill` (which Docker counts as stopping it by hand): SIGKILL to the
    // container's process from the host
    process.kill(await inspect<number>(survivor, '{{.State.Pid}}'), 'SIGKILL');
    const crashed = Date.now();
    await waitFor(
      async () => (await inspect<number>(survivor, '{{.RestartCount}}')) >= 1,
      30_000,
      'Docker to restart the crashed replica',
    );
    await waitFor(async () => (await health(survivor)) === 'healthy', 60_000, 'healthy again');
    figures.crash_to_healthy_ms = Date.now() - crashed;
    // the other replica was killed above: what nginx answers now, the restarted one answered
    // (once nginx tries it again: it leaves a failed server out for 10 s)
    await waitFor(
      async () => (await call(lb(), 'GET', '/v1/merchants', { token: lbAdmin })).status === 200,
      30_000,
      'nginx to answer through the restarted replica',
    );
  });
});
