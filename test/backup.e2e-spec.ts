import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config/app-config';
import { backupDatabase, restoreDatabase } from '../src/database/backup';
import { paidOrder } from './helpers/clearing';
import { createOrder, createSandboxChannel, getOrder } from './helpers/payments';
import { createScratchDatabase, ScratchDatabase, testEngine } from './helpers/scratch-database';
import { bearer, createMerchant, startTestApp, TestApp } from './helpers/test-app';

const configFor = (database: ScratchDatabase) =>
  loadConfig({ NODE_ENV: 'test', DATABASE_URL: database.url });

describe(`backup and restore (${testEngine()})`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'paygate-backup-'));
  const opened: TestApp[] = [];
  const databases: ScratchDatabase[] = [];
  afterAll(async () => {
    for (const app of opened) await app.close();
    for (const database of databases) await database.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('backs up while orders are created; the restored copy serves every order acknowledged before, ledger balanced', async () => {
    const source = await createScratchDatabase();
    databases.push(source);
    const t = await startTestApp({ RATE_LIMIT_PER_SECOND: '10000' }, source);
    opened.push(t);
    const m = await createMerchant(t);
    await createSandboxChannel(t);
    const paid = [];
    for (const amount of [1000, 2500, 399]) paid.push(await paidOrder(t, m, { amount }));

    const acknowledged: string[] = [];
    let creating = true;
    let loadFailed = false;
    const load = (async () => {
      for (let i = 0; creating; i++) {
        acknowledged.push((await createOrder(t, m, { amount: 100 + i })).order_id);
      }
    })().catch((error: unknown) => {
      loadFailed = true;
      throw error;
    });
    while (acknowledged.length < 10 && !loadFailed) await new Promise((r) => setTimeout(r, 20));
    const before = [...acknowledged, ...paid.map((o) => o.order_id)];
    const file = join(dir, testEngine() === 'sqlite' ? 'paygate.sqlite' : 'paygate.dump');
    await backupDatabase(configFor(source), file);
    creating = false;
    await load;
    expect(statSync(file).size).toBeGreaterThan(0);
    // a backup never overwrites one already there
    await expect(backupDatabase(configFor(source), file)).rejects.toThrow(/exists/);
    // and a restore never goes over a database in use
    await expect(restoreDatabase(configFor(source), file)).rejects.toThrow(/new database/);

    const target = await createScratchDatabase();
    databases.push(target);
    await restoreDatabase(configFor(target), file);
    const restored = await startTestApp({ RATE_LIMIT_PER_SECOND: '10000' }, target);
    opened.push(restored);
    for (const orderId of before) {
      expect((await getOrder(restored, m.token, orderId)).order_id).toBe(orderId);
    }
    for (const order of paid) {
      expect(await getOrder(restored, m.token, order.order_id)).toMatchObject({
        status: 'SUCCEEDED',
        amount: order.amount,
      });
    }
    const [sums] = await restored.dataSource.query(
      `SELECT COUNT(*) AS n, SUM(debit) AS debit, SUM(credit) AS credit FROM journal_lines`,
    );
    expect(Number(sums.n)).toBeGreaterThan(0);
    expect(Number(sums.debit)).toBe(Number(sums.credit));
    const balances = await restored.http
      .get('/v1/clearing/balances?account_type=merchant_payable')
      .set(bearer(await restored.adminToken()))
      .expect(200);
    expect(balances.body.data.items.length).toBeGreaterThan(0);
    // the restored ledger is append-only too: its triggers came back with the schema
    await expect(restored.dataSource.query(`DELETE FROM journal_lines`)).rejects.toThrow(
      /append-only/,
    );
    // and it takes new orders
    await createOrder(restored, m);
    // two instances, paid orders and a restore: minutes on a machine as busy as CI gets
  }, 240_000);
});
