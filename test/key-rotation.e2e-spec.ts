import { randomBytes } from 'node:crypto';
import { decode } from 'jsonwebtoken';
import { DataSource } from 'typeorm';
import { KeysService } from '../src/common/crypto/keys.service';
import { rotateSealedValues } from '../src/common/crypto/key-rotation';
import { SecretBox } from '../src/common/crypto/secret-box';
import { loadConfig } from '../src/config/app-config';
import { buildDataSourceOptions } from '../src/database/data-source-options';
import { createOrder, createSandboxChannel, payOrder, waitForStatus } from './helpers/payments';
import { createScratchDatabase, ScratchDatabase, testEngine } from './helpers/scratch-database';
import {
  bearer,
  createMerchant,
  getToken,
  startTestApp,
  TestApp,
  TestMerchant,
} from './helpers/test-app';

const K1 = randomBytes(32).toString('hex');
const K2 = randomBytes(32).toString('base64');
const J1 = `jwt-one-${randomBytes(24).toString('hex')}`;
const J2 = `jwt-two-${randomBytes(24).toString('hex')}`;

/** What `npm run keys:rotate` runs, on a connection of its own as the command has. */
async function rotate(database: ScratchDatabase, ring: string, batchSize = 5) {
  const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: database.url });
  const dataSource = new DataSource(buildDataSourceOptions(config));
  await dataSource.initialize();
  try {
    return await rotateSealedValues(dataSource, new SecretBox(SecretBox.parseRing(ring)), {
      batchSize,
    });
  } finally {
    await dataSource.destroy();
  }
}

/** The same merchant creation, Idempotency-Key and all: a replay of the stored response. */
async function merchantReplay(app: TestApp) {
  return app.http
    .post('/v1/merchants')
    .set(bearer(await app.adminToken()))
    .set('idempotency-key', 'rotation-merchant')
    .send({ name: 'Rotation Shop', notify_url: 'http://127.0.0.1:9/hook' });
}

const sum = (counts: { resealed: number }[]) => counts.reduce((n, c) => n + c.resealed, 0);

describe(`key rotation without downtime (${testEngine()})`, () => {
  let database: ScratchDatabase;
  let t: TestApp | undefined;
  let m: TestMerchant;
  let firstSecret: string;
  let oldToken: string;

  beforeAll(async () => {
    database = await createScratchDatabase();
    // everything sealed and signed under the first keys
    t = await startTestApp(
      { CHANNEL_CONFIG_KEYS: `k1:${K1}`, JWT_SECRETS: `j1:${J1}`, RATE_LIMIT_PER_SECOND: '10000' },
      database,
    );
    await createSandboxChannel(t);
    const created = await merchantReplay(t);
    expect(created.status).toBe(201);
    firstSecret = created.body.data.client_secret;
    m = await createMerchant(t, { notify_url: 'http://127.0.0.1:9/other' });
    oldToken = m.token;
    expect(decode(oldToken, { complete: true })?.header.kid).toBe('j1');
    const [channel] = await t.dataSource.query(`SELECT config FROM channels`);
    expect(JSON.parse(channel.config).secret).toMatch(/^v2:k1:/);
    await t.close();
    t = undefined;
  });

  afterAll(async () => {
    await t?.close();
    await database.drop();
  });

  it('re-seals everything while orders are being created, and none of them fails', async () => {
    // step 2 of the procedure: the new key first, the old one still listed
    t = await startTestApp(
      {
        CHANNEL_CONFIG_KEYS: `k2:${K2},k1:${K1}`,
        JWT_SECRETS: `j2:${J2},j1:${J1}`,
        RATE_LIMIT_PER_SECOND: '10000',
      },
      database,
    );
    const app = t;
    // a token signed before the rotation is still accepted; new ones carry the new kid
    await app.http.get(`/v1/merchants/${m.sourceId}`).set(bearer(oldToken)).expect(200);
    m = { ...m, token: await getToken(app.url, m.clientId, m.clientSecret) };
    expect(decode(m.token, { complete: true })?.header.kid).toBe('j2');

    let creating = true;
    const created: string[] = [];
    const failures: string[] = [];
    const load = (async () => {
      for (let i = 0; creating || i < 10; i++) {
        try {
          const order = await createOrder(
            app,
            m,
            { amount: 100 + i },
            {
              'idempotency-key': `during-rotation-${i}`,
            },
          );
          created.push(order.order_id);
        } catch (error) {
          failures.push((error as Error).message);
        }
      }
    })();
    const counts = await rotate(database, `k2:${K2},k1:${K1}`, 3);
    creating = false;
    await load;
    expect(failures).toEqual([]);
    expect(created.length).toBeGreaterThanOrEqual(10);
    const byTable = Object.fromEntries(counts.map((c) => [c.table, c]));
    expect(byTable.channels.resealed).toBe(1);
    // two merchants (the admin's and the helper's), each with its webhook secret
    expect(byTable.merchants.resealed).toBe(2);
    expect(byTable.idempotency_keys.resealed).toBeGreaterThanOrEqual(1);
    expect(counts.every((c) => c.failed === 0)).toBe(true);
    // run again, it finds nothing left to do (an interrupted run resumes the same way)
    expect(sum(await rotate(database, `k2:${K2},k1:${K1}`))).toBe(0);
    const stale = await app.dataSource.query(
      `SELECT COUNT(*) AS n FROM merchants WHERE webhook_secret NOT LIKE 'v2:k2:%'`,
    );
    expect(Number(stale[0].n)).toBe(0);
  });

  it('runs on the new key alone once the old one is dropped: everything still opens', async () => {
    await t!.close();
    t = await startTestApp(
      { CHANNEL_CONFIG_KEYS: `k2:${K2}`, JWT_SECRETS: `j2:${J2}`, RATE_LIMIT_PER_SECOND: '10000' },
      database,
    );
    const app = t;
    // the stored idempotent response (sealed under k1 at first) replays, secrets included
    const replay = await merchantReplay(app);
    expect(replay.status).toBe(201);
    expect(replay.body.data.client_secret).toBe(firstSecret);
    // the channel's secret opens: an order is created and paid through the sandbox
    const order = await createOrder(app, m);
    expect((await payOrder(app, order)).status).toBeLessThan(300);
    await waitForStatus(app, m.token, order.order_id, 'SUCCEEDED');
    // and every sealed value in the database opens under the new key alone
    const box = app.app.get(KeysService).secretBox;
    const merchants = await app.dataSource.query(`SELECT webhook_secret FROM merchants`);
    for (const row of merchants) expect(box.open(row.webhook_secret)).toMatch(/^whsec_/);
    const bodies = await app.dataSource.query(
      `SELECT response_body FROM idempotency_keys WHERE response_body NOT LIKE '{%'`,
    );
    for (const row of bodies) expect(() => JSON.parse(box.open(row.response_body))).not.toThrow();
    // a token signed with the dropped secret is refused
    await app.http.get(`/v1/merchants/${m.sourceId}`).set(bearer(oldToken)).expect(401);
  });

  it('names the key a value was sealed under when the ring does not hold it', async () => {
    const app = t!;
    const stray = new SecretBox([{ id: 'k1', key: Buffer.from(K1, 'hex') }]).seal('whsec_old');
    await app.dataSource.query(
      `UPDATE merchants SET webhook_secret = '${stray}' WHERE source_id = ${m.sourceId}`,
    );
    const counts = await rotate(database, `k2:${K2}`);
    const merchants = counts.find((c) => c.table === 'merchants')!;
    expect(merchants.failed).toBe(1);
    expect(merchants.failures[0]).toContain(
      `merchants ${m.sourceId} webhook_secret: sealed under key "k1", which is not in CHANNEL_CONFIG_KEYS`,
    );
    expect(() => app.app.get(KeysService).secretBox.open(stray)).toThrow(/"k1"/);
  });
});
