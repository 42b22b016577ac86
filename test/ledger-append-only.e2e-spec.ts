import { settlementDate } from '../src/common/time';
import { Database } from '../src/database/database.service';
import { OrderTransitions } from '../src/payments/order-transitions.service';
import { listBills, paidOrder, runClearing } from './helpers/clearing';
import { createOrder, createSandboxChannel } from './helpers/payments';
import { testEngine } from './helpers/scratch-database';
import { bearer, createMerchant, startTestApp, TestApp, TestMerchant } from './helpers/test-app';

/** The error the database raises for `sql`, or null when it ran. */
async function refusal(t: TestApp, sql: string): Promise<string | null> {
  try {
    await t.dataSource.query(sql);
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

describe(`the ledger is append-only in the database (${testEngine()})`, () => {
  let t: TestApp;
  let m: TestMerchant;
  let pastDate: string;

  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_PER_SECOND: '10000', SETTLEMENT_TZ: 'Asia/Shanghai' });
    m = await createMerchant(t);
    await createSandboxChannel(t);
    await paidOrder(t, m, { amount: 1200 });
    // a payment two days ago, cleared now: its bill is final
    const order = await createOrder(t, m, { amount: 880 });
    const twoDaysAgo = Date.now() - 2 * 86400_000;
    await t.app
      .get(Database)
      .transaction((em) =>
        t.app
          .get(OrderTransitions)
          .succeed(em, order.order_id, { paidAt: twoDaysAgo, channelTradeNo: null }, twoDaysAgo),
      );
    pastDate = settlementDate(twoDaysAgo, 'Asia/Shanghai');
    expect(await runClearing(t, pastDate)).toMatchObject({ bill_status: 'final', bill_count: 1 });
  });
  afterAll(() => t.close());

  it('refuses UPDATE and DELETE of journal entries and lines, whoever issues them', async () => {
    const [{ n }] = await t.dataSource.query(`SELECT COUNT(*) AS n FROM journal_lines`);
    expect(Number(n)).toBeGreaterThan(0);
    for (const sql of [
      `UPDATE journal_entries SET memo = 'edited'`,
      `DELETE FROM journal_entries`,
      `UPDATE journal_lines SET debit = debit + 1`,
      `DELETE FROM journal_lines`,
    ]) {
      expect(await refusal(t, sql)).toMatch(/append-only/);
    }
    if (testEngine() === 'postgres') {
      expect(await refusal(t, `TRUNCATE journal_lines`)).toMatch(/append-only/);
    }
    const [after] = await t.dataSource.query(`SELECT COUNT(*) AS n FROM journal_lines`);
    expect(after.n).toEqual(n);
  });

  it('refuses changing or deleting a final bill and its lines; a re-run keeps it as it is', async () => {
    const [bill] = await listBills(t, m.token, `date=${pastDate}`);
    expect(bill).toMatchObject({ status: 'final', payment_amount: 880 });
    for (const sql of [
      `UPDATE bills SET net_amount = 0 WHERE bill_id = '${bill.bill_id}'`,
      `DELETE FROM bills WHERE bill_id = '${bill.bill_id}'`,
      `UPDATE bill_lines SET amount = 1 WHERE bill_id = '${bill.bill_id}'`,
      `DELETE FROM bill_lines WHERE bill_id = '${bill.bill_id}'`,
    ]) {
      expect(await refusal(t, sql)).toMatch(/final/);
    }
    expect(await runClearing(t, pastDate)).toMatchObject({
      status: 'succeeded',
      bill_status: 'final',
      bill_count: 1,
    });
    expect(await listBills(t, m.token, `date=${pastDate}`)).toEqual([bill]);
    // a movement reported late onto that date: the final bill stays, the run says why it failed
    const late = await createOrder(t, m, { amount: 300 });
    const when = Date.parse(`${pastDate}T12:00:00+08:00`);
    await t.app
      .get(Database)
      .transaction((em) =>
        t.app
          .get(OrderTransitions)
          .succeed(em, late.order_id, { paidAt: when, channelTradeNo: null }, when),
      );
    const admin = bearer(await t.adminToken());
    await t.http.post('/v1/clearing/runs').set(admin).send({ date: pastDate }).expect(500);
    const runs = await t.http.get(`/v1/clearing/runs?date=${pastDate}`).set(admin).expect(200);
    expect(runs.body.data.items[0]).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/^final_bills_differ; see the log/),
    });
    expect(await listBills(t, m.token, `date=${pastDate}`)).toEqual([bill]);
  });

  it('still rebuilds provisional bills, and reversals are new entries that balance', async () => {
    const today = settlementDate(Date.now(), 'Asia/Shanghai');
    const first = await runClearing(t, today);
    expect(first).toMatchObject({ status: 'succeeded', bill_status: 'provisional' });
    expect(await runClearing(t, today)).toMatchObject({ status: 'succeeded' });
    const admin = bearer(await t.adminToken());
    const journal = await t.http.get(`/v1/clearing/journal?date=${today}`).set(admin).expect(200);
    const entry = journal.body.data.items[0];
    const reversed = await t.http
      .post(`/v1/clearing/journal/${entry.entry_id}/reversal`)
      .set(admin)
      .send({ reason: 'posted in error' });
    expect(reversed.status).toBe(201);
    expect(reversed.body.data).toMatchObject({
      kind: 'reversal',
      related_entry_id: entry.entry_id,
    });
    const [sums] = await t.dataSource.query(
      `SELECT SUM(debit) AS debit, SUM(credit) AS credit FROM journal_lines`,
    );
    expect(Number(sums.debit)).toBe(Number(sums.credit));
  });
});
