import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { BillsRepository } from '../src/clearing/bills.repository';
import { CLEARING_JOB } from '../src/clearing/clearing-scheduler';
import { ClearingRunsService } from '../src/clearing/clearing-runs.service';
import { settlementDate, settlementDayBounds } from '../src/common/time';
import { Database } from '../src/database/database.service';
import { OrderTransitions } from '../src/payments/order-transitions.service';
import {
  Bill,
  billWithLines,
  listBills,
  middayTimeZone,
  paidOrder,
  parseCsv,
  refundOrder,
  runClearing,
  today,
} from './helpers/clearing';
import {
  createOrder,
  createSandboxChannel,
  eventually,
  payOrder,
  waitForStatus,
} from './helpers/payments';
import { createScratchDatabase, testEngine } from './helpers/scratch-database';
import { bearer, createMerchant, startTestApp, TestApp, TestMerchant } from './helpers/test-app';

/** The bill fields that must not change when a date is cleared again. */
const stable = ({ generated_at: _generatedAt, ...rest }: Bill) => rest;

describe(`清算 bills on ${testEngine()}`, () => {
  let t: TestApp;
  let m: TestMerchant;
  let other: TestMerchant;
  let date: string;
  let cny: Bill;
  let usd: Bill;

  beforeAll(async () => {
    // a zone where it is midday now, so every movement of the test lands on one date
    t = await startTestApp({ RATE_LIMIT_PER_SECOND: '10000', SETTLEMENT_TZ: middayTimeZone() });
    // fee = 1 + round_half_up(amount × 60 / 10000)
    await createSandboxChannel(t, { fee_rate_bps: 60, fixed_fee: 1 });
    m = await createMerchant(t, { name: 'Bill Shop' });
    other = await createMerchant(t, { name: 'Other Shop' });
    date = today(t);

    // CNY: 1000 (fee 1 + 6 = 7) refunded in full; 2575 (fee 1 + 15.45→15 = 16) refunded 1000
    // (fee back round_half_up(16 × 1000 / 2575) = 6.21→6); 125 (fee 1 + 0.75→1 = 2)
    const c1 = await paidOrder(t, m, { amount: 1000, merchant_order_no: 'C-1' });
    const c2 = await paidOrder(t, m, { amount: 2575, merchant_order_no: '=C,2"' });
    await paidOrder(t, m, { amount: 125, merchant_order_no: 'C3;@SUM(A1)' });
    expect([c1.fee_amount, c2.fee_amount]).toEqual([7, 16]);
    expect((await refundOrder(t, m, c1.order_id, 1000)).fee_amount).toBe(7);
    expect((await refundOrder(t, m, c2.order_id, 1000)).fee_amount).toBe(6);
    // USD: 999 (fee 1 + 5.994→6 = 7) refunded 333 (fee back 2.333→2) then 666 (the rest: 5);
    // 250 (fee 1 + 1.5→2 = 3)
    const u1 = await paidOrder(t, m, { amount: 999, currency: 'USD' });
    await paidOrder(t, m, { amount: 250, currency: 'USD' });
    expect((await refundOrder(t, m, u1.order_id, 333)).fee_amount).toBe(2);
    expect((await refundOrder(t, m, u1.order_id, 666)).fee_amount).toBe(5);
    // no money moves for a failed or a closed order
    const failed = await createOrder(t, m, { amount: 4000 });
    await payOrder(t, failed, 'fail');
    await waitForStatus(t, m.token, failed.order_id, 'FAILED');
    const closed = await createOrder(t, m, { amount: 5000 });
    await t.http.post(`/v1/payments/${closed.order_id}/close`).set(bearer(m.token)).expect(200);
    // another merchant's payment: 500 (fee 1 + 3 = 4)
    await paidOrder(t, other, { amount: 500 });

    const run = await runClearing(t, date);
    expect(run).toMatchObject({ status: 'succeeded', bill_status: 'provisional', bill_count: 3 });
    const bills = await listBills(t, m.token, `date=${date}`);
    cny = bills.find((b) => b.currency === 'CNY')!;
    usd = bills.find((b) => b.currency === 'USD')!;
  });
  afterAll(() => t.close());

  it('adds up to the hand-computed figures, per merchant and currency', async () => {
    expect(stable(cny)).toEqual({
      bill_id: `bill_${date.replace(/-/g, '')}_${m.sourceId}_CNY`,
      source_id: m.sourceId,
      date,
      currency: 'CNY',
      payment_count: 3,
      payment_amount: 3700, // 1000 + 2575 + 125
      refund_count: 2,
      refund_amount: 2000, // 1000 + 1000
      fee_amount: 12, // (7 + 16 + 2) − (7 + 6)
      net_amount: 1688, // 3700 − 2000 − 12
      status: 'provisional',
    });
    expect(stable(usd)).toMatchObject({
      currency: 'USD',
      payment_count: 2,
      payment_amount: 1249, // 999 + 250
      refund_count: 2,
      refund_amount: 999, // 333 + 666
      fee_amount: 3, // (7 + 3) − (2 + 5)
      net_amount: 247, // 1249 − 999 − 3
      status: 'provisional',
    });
    const { lines } = await billWithLines(t, m.token, cny.bill_id);
    expect(lines.map((l) => [l.line_no, l.type, l.amount, l.fee, l.net])).toEqual([
      [1, 'payment', 1000, 7, 993],
      [2, 'payment', 2575, 16, 2559],
      [3, 'payment', 125, 2, 123],
      [4, 'refund', -1000, -7, -993],
      [5, 'refund', -1000, -6, -994],
    ]);
    expect(lines[0].merchant_order_no).toBe('C-1');
    expect(lines.every((l) => l.channel === 'sandbox_main')).toBe(true);
  });

  it('gives the same bills and lines when the date is cleared again', async () => {
    const before = await billWithLines(t, m.token, cny.bill_id);
    const second = await runClearing(t, date);
    expect(second.bill_count).toBe(3);
    const bills = await listBills(t, m.token, `date=${date}`);
    expect(bills.map(stable)).toEqual([cny, usd].map(stable));
    const after = await billWithLines(t, m.token, cny.bill_id);
    expect(after.lines).toEqual(before.lines);
    // runs of one date at once queue behind each other and end with the same bills
    const admin = bearer(await t.adminToken());
    const runs = await Promise.all(
      Array.from({ length: 5 }, () => t.http.post('/v1/clearing/runs').set(admin).send({ date })),
    );
    expect(runs.map((r) => [r.status, r.body.data.status])).toEqual(
      Array(5).fill([201, 'succeeded']),
    );
    expect((await listBills(t, m.token, `date=${date}`)).map(stable)).toEqual(
      [cny, usd].map(stable),
    );
    expect((await billWithLines(t, m.token, cny.bill_id)).lines).toEqual(before.lines);
  });

  it('keeps the last bills when a run dies half-way, and the next run gives them again', async () => {
    const before = await billWithLines(t, m.token, cny.bill_id);
    const lastBills = await listBills(t, m.token, `date=${date}`);
    const bills = t.app.get(BillsRepository);
    // the run dies after deleting the date's bills, before writing the new ones
    const crash = jest.spyOn(bills, 'replaceBills').mockImplementationOnce(async (em, day) => {
      await Database.sql(em, `DELETE FROM bills WHERE settlement_date = :day`, { day });
      throw new Error('killed half-way');
    });
    try {
      const failed = await t.http
        .post('/v1/clearing/runs')
        .set(bearer(await t.adminToken()))
        .send({ date });
      expect(failed.status).toBe(500);
      expect(JSON.stringify(failed.body)).not.toContain('killed');
    } finally {
      crash.mockRestore();
    }
    // the transaction rolled back: the last run's bills are all still there
    expect(await listBills(t, m.token, `date=${date}`)).toEqual(lastBills);
    const runs = await t.http
      .get(`/v1/clearing/runs?date=${date}&limit=1`)
      .set(bearer(await t.adminToken()))
      .expect(200);
    expect(runs.body.data.items[0]).toMatchObject({ status: 'failed', bill_count: null });
    expect(runs.body.data.items[0].error).toMatch(/^internal_error; see the log for run clr_/);
    await runClearing(t, date);
    expect((await listBills(t, m.token, `date=${date}`)).map(stable)).toEqual(
      [cny, usd].map(stable),
    );
    expect((await billWithLines(t, m.token, cny.bill_id)).lines).toEqual(before.lines);
  });

  it("lets a merchant read only its own bills: another merchant's bill is 404", async () => {
    const own = await listBills(t, other.token, `date=${date}`);
    expect(own.map((b) => [b.source_id, b.currency, b.net_amount])).toEqual([
      [other.sourceId, 'CNY', 496],
    ]);
    for (const path of [
      `/v1/clearing/bills/${cny.bill_id}`,
      `/v1/clearing/bills/${cny.bill_id}/download`,
      '/v1/clearing/bills/bill_nonexistent',
    ]) {
      const res = await t.http.get(path).set(bearer(other.token));
      expect([path, res.status, res.body.reason]).toEqual([path, 404, 'bill_not_found']);
    }
    const foreign = await t.http
      .get(`/v1/clearing/bills?date=${date}&source_id=${m.sourceId}`)
      .set(bearer(other.token));
    expect(foreign.status).toBe(403);
    expect(foreign.body.reason).toBe('source_id_mismatch');
    const admin = await t.adminToken();
    const all = await listBills(t, admin, `date=${date}`);
    expect(all.map((b) => [b.source_id, b.currency]).sort()).toEqual(
      [
        [m.sourceId, 'CNY'],
        [m.sourceId, 'USD'],
        [other.sourceId, 'CNY'],
      ].sort(),
    );
    const one = await listBills(t, admin, `date=${date}&source_id=${other.sourceId}`);
    expect(one.map((b) => b.source_id)).toEqual([other.sourceId]);
    expect((await billWithLines(t, admin, cny.bill_id)).lines).toHaveLength(5);
  });

  it('pages bills and refuses a bad date', async () => {
    const first = await t.http
      .get(`/v1/clearing/bills?date=${date}&limit=1`)
      .set(bearer(m.token))
      .expect(200);
    expect(first.body.data.items.map((b: Bill) => b.currency)).toEqual(['CNY']);
    const second = await t.http
      .get(`/v1/clearing/bills?date=${date}&limit=1&cursor=${first.body.data.next_cursor}`)
      .set(bearer(m.token))
      .expect(200);
    expect(second.body.data.items.map((b: Bill) => b.currency)).toEqual(['USD']);
    expect(second.body.data.next_cursor).toBeNull();
    for (const bad of ['2026-02-30', '2026-2-1', 'yesterday', '']) {
      const res = await t.http.get(`/v1/clearing/bills?date=${bad}`).set(bearer(m.token));
      expect([bad, res.status, res.body.reason]).toEqual([bad, 400, 'invalid_date']);
    }
    const missing = await t.http.get('/v1/clearing/bills').set(bearer(m.token));
    expect(missing.status).toBe(400);
    expect(missing.body.errors).toEqual([expect.objectContaining({ field: 'date' })]);
    const future = await listBills(t, m.token, 'date=2999-01-01');
    expect(future).toEqual([]);
  });

  it('downloads a bill as CSV that matches it line for line, with no totals row', async () => {
    const NEUTRALISED: Record<string, string> = {
      '=C,2"': `'=C,2"`,
      'C3;@SUM(A1)': `C3;'@SUM(A1)`,
    };
    const res = await t.http.get(`/v1/clearing/bills/${cny.bill_id}/download`).set(bearer(m.token));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="${cny.bill_id}.csv"`);
    const [header, ...rows] = parseCsv(res.text);
    expect(header).toEqual([
      'line_no',
      'type',
      'order_id',
      'refund_id',
      'merchant_order_no',
      'channel',
      'occurred_at',
      'currency',
      'amount',
      'fee',
      'net',
      'amount_decimal',
      'fee_decimal',
      'net_decimal',
    ]);
    const { lines } = await billWithLines(t, m.token, cny.bill_id);
    expect(rows).toEqual(
      lines.map((l) => [
        String(l.line_no),
        l.type,
        l.order_id,
        l.refund_id ?? '',
        // a merchant's text is kept from being read as a spreadsheet formula, also after a
        // semicolon, on which spreadsheets in some locales split
        NEUTRALISED[l.merchant_order_no ?? ''] ?? l.merchant_order_no ?? '',
        l.channel,
        l.occurred_at,
        'CNY',
        String(l.amount),
        String(l.fee),
        String(l.net),
        (l.amount / 100).toFixed(2),
        (l.fee / 100).toFixed(2),
        (l.net / 100).toFixed(2),
      ]),
    );
    const column = (name: string) => rows.map((r) => Number(r[header.indexOf(name)]));
    const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
    expect(sum(column('net'))).toBe(cny.net_amount);
    expect(sum(column('fee'))).toBe(cny.fee_amount);
    expect(rows[1][4]).toBe(`'=C,2"`);
    expect(res.text).toContain(`"'=C,2"""`);
    expect(res.text).toContain(`"C3;'@SUM(A1)"`);
    const refused = await t.http
      .get(`/v1/clearing/bills/${cny.bill_id}/download`)
      .set(bearer(m.token))
      .set('accept', 'application/json');
    expect(refused.status).toBe(406);
  });

  it('posts a balanced journal per movement, and balances derived from the lines', async () => {
    const admin = bearer(await t.adminToken());
    const { lines } = await billWithLines(t, m.token, cny.bill_id);
    const journal = await t.http
      .get(`/v1/clearing/journal?order_id=${lines[1].order_id}`)
      .set(admin)
      .expect(200);
    const entries = journal.body.data.items as {
      kind: string;
      lines: { account: string; debit: number; credit: number }[];
    }[];
    expect(entries.map((e) => e.kind)).toEqual(['payment', 'refund']);
    const [payment, refund] = entries;
    expect(payment.lines.map((l) => [l.account.split(':')[0], l.debit, l.credit])).toEqual([
      ['channel', 2575, 0],
      ['merchant', 0, 2559],
      ['fee_income', 0, 16],
    ]);
    expect(refund.lines.map((l) => [l.account.split(':')[0], l.debit, l.credit])).toEqual([
      ['channel', 0, 1000],
      ['merchant', 994, 0],
      ['fee_income', 6, 0],
    ]);
    const balances = await t.http
      .get(`/v1/clearing/balances?source_id=${m.sourceId}`)
      .set(admin)
      .expect(200);
    expect(
      balances.body.data.items.map((b: { currency: string; balance: number }) => [
        b.currency,
        b.balance,
      ]),
    ).toEqual([
      ['CNY', cny.net_amount],
      ['USD', usd.net_amount],
    ]);
    const fees = await t.http
      .get('/v1/clearing/balances?account_type=fee_income&currency=USD')
      .set(admin)
      .expect(200);
    expect(fees.body.data.items).toEqual([
      expect.objectContaining({ account: 'fee_income', currency: 'USD', balance: 3 }),
    ]);
    const page1 = await t.http
      .get(`/v1/clearing/balances?source_id=${m.sourceId}&limit=1`)
      .set(admin)
      .expect(200);
    const page2 = await t.http
      .get(
        `/v1/clearing/balances?source_id=${m.sourceId}&limit=1&cursor=${page1.body.data.next_cursor}`,
      )
      .set(admin)
      .expect(200);
    expect([...page1.body.data.items, ...page2.body.data.items]).toEqual(balances.body.data.items);
    expect(page2.body.data.next_cursor).toBeNull();
    const refused = await t.http.get('/v1/clearing/balances').set(bearer(m.token));
    expect(refused.status).toBe(403);
  });

  it('fixes a posted movement only with new entries: a reversal, or a reversal and a correction', async () => {
    const shop = await createMerchant(t, { name: 'Fix Shop' });
    const admin = bearer(await t.adminToken());
    const order = await paidOrder(t, shop, { amount: 1000 }); // fee 7
    const journal = await t.http
      .get(`/v1/clearing/journal?order_id=${order.order_id}`)
      .set(admin)
      .expect(200);
    const original = journal.body.data.items[0];
    const corrected = await t.http
      .post(`/v1/clearing/journal/${original.entry_id}/correction`)
      .set(admin)
      .send({ amount: 990, fee: 6, reason: 'the channel settled 9.90' })
      .expect(201);
    expect(corrected.body.data.reversal).toMatchObject({
      kind: 'reversal',
      related_entry_id: original.entry_id,
      memo: 'the channel settled 9.90',
      lines: original.lines.map((l: { debit: number; credit: number }) => ({
        ...l,
        debit: l.credit,
        credit: l.debit,
      })),
    });
    expect(corrected.body.data.correction).toMatchObject({
      kind: 'correction',
      related_entry_id: original.entry_id,
    });
    const again = await t.http
      .post(`/v1/clearing/journal/${original.entry_id}/reversal`)
      .set(admin)
      .send({ reason: 'twice' });
    expect(again.status).toBe(409);
    expect(again.body.reason).toBe('entry_already_reversed');
    const ofReversal = await t.http
      .post(`/v1/clearing/journal/${corrected.body.data.reversal.entry_id}/reversal`)
      .set(admin)
      .send({ reason: 'undo the undo' });
    expect(ofReversal.status).toBe(409);
    expect(ofReversal.body.reason).toBe('entry_not_reversible');
    const unknown = await t.http
      .post('/v1/clearing/journal/je_nope/reversal')
      .set(admin)
      .send({ reason: 'x' });
    expect(unknown.status).toBe(404);
    // the original entry is untouched
    const after = await t.http
      .get(`/v1/clearing/journal?order_id=${order.order_id}`)
      .set(admin)
      .expect(200);
    expect(after.body.data.items[0]).toEqual(original);
    expect(after.body.data.items.map((e: { kind: string }) => e.kind)).toEqual([
      'payment',
      'reversal',
      'correction',
    ]);

    await runClearing(t, date);
    const [bill] = await listBills(t, shop.token, `date=${date}`);
    expect(stable(bill)).toMatchObject({
      payment_count: 1,
      payment_amount: 990, // 1000 − 1000 + 990
      refund_count: 0,
      refund_amount: 0,
      fee_amount: 6, // 7 − 7 + 6
      net_amount: 984,
    });
    const { lines } = await billWithLines(t, shop.token, bill.bill_id);
    expect(lines.map((l) => [l.type, l.amount, l.fee, l.net])).toEqual([
      ['payment', 1000, 7, 993],
      ['reversal', -1000, -7, -993],
      ['correction', 990, 6, 984],
    ]);
    const audit = await t.dataSource.query(
      `SELECT action, target_id FROM audit_logs WHERE action IN ('clearing.correct', 'clearing.reverse') ORDER BY created_at, id`,
    );
    expect(audit.map((a: { action: string }) => a.action)).toEqual([
      'clearing.correct',
      'clearing.reverse',
      'clearing.reverse',
      'clearing.reverse',
    ]);
  });

  it('clears on request only dates that have begun; a past date clears final', async () => {
    const admin = bearer(await t.adminToken());
    const future = await t.http.post('/v1/clearing/runs').set(admin).send({ date: '2999-12-31' });
    expect(future.status).toBe(400);
    expect(future.body.reason).toBe('date_in_future');
    const invalid = await t.http.post('/v1/clearing/runs').set(admin).send({ date: '2026-13-01' });
    expect(invalid.status).toBe(400);
    expect(invalid.body.reason).toBe('invalid_date');
    const merchant = await t.http.post('/v1/clearing/runs').set(bearer(m.token)).send({ date });
    expect(merchant.status).toBe(403);
    const past = await runClearing(t, '2020-01-01');
    expect(past).toMatchObject({
      date: '2020-01-01',
      status: 'succeeded',
      bill_status: 'final',
      bill_count: 0,
      trigger: 'manual',
    });
    const runs = await t.http.get('/v1/clearing/runs?date=2020-01-01').set(admin).expect(200);
    expect(runs.body.data.items).toEqual([past]);
    // a retried request with its Idempotency-Key gets the first run back, not a second run
    const keyed = () =>
      t.http
        .post('/v1/clearing/runs')
        .set(admin)
        .set('idempotency-key', 'clear-2020-01-02')
        .send({ date: '2020-01-02' });
    const first = await keyed();
    const replay = await keyed();
    expect([first.status, replay.status, replay.headers['idempotent-replayed']]).toEqual([
      201,
      201,
      'true',
    ]);
    expect(replay.body.data.run_id).toBe(first.body.data.run_id);
    const audit = await t.dataSource.query(
      `SELECT target_id, result FROM audit_logs WHERE action = 'clearing.run' AND target_id = '${past.run_id}'`,
    );
    expect(audit).toEqual([{ target_id: past.run_id, result: 'success' }]);
  });
});

describe(`the daily clearing run on two instances (${testEngine()})`, () => {
  it('fires on CLEARING_CRON in SETTLEMENT_TZ for the day before, and runs once per date', async () => {
    const database = await createScratchDatabase();
    const env = {
      RATE_LIMIT_PER_SECOND: '10000',
      JOBS_ENABLED: 'true',
      SETTLEMENT_TZ: 'Asia/Shanghai',
      CLEARING_CRON: '* * * * * *', // every second, so the test need not wait for 00:30
    };
    const a = await startTestApp(env, database);
    const b = await startTestApp({ ...env, MIGRATIONS_RUN: 'false' }, database);
    try {
      const jobs = [a, b].map((x) => x.app.get(SchedulerRegistry).getCronJob(CLEARING_JOB));
      for (const job of jobs) {
        expect(job.cronTime.source).toBe('* * * * * *');
        expect(job.cronTime.timeZone).toBe('Asia/Shanghai');
      }
      const yesterday = settlementDate(
        settlementDayBounds(settlementDate(Date.now(), 'Asia/Shanghai'), 'Asia/Shanghai').start - 1,
        'Asia/Shanghai',
      );
      const admin = bearer(await a.adminToken());
      const scheduled = await eventually(async () => {
        const res = await a.http.get(`/v1/clearing/runs?date=${yesterday}`).set(admin);
        const done = res.body.data.items.filter(
          (r: { trigger: string; status: string }) =>
            r.trigger === 'scheduled' && r.status === 'succeeded',
        );
        return done.length > 0 ? done : undefined;
      });
      expect(scheduled).toEqual([
        expect.objectContaining({ date: yesterday, bill_status: 'final', trigger: 'scheduled' }),
      ]);
      // both instances keep firing; the date is never cleared twice by the schedule
      const finished = Date.parse(scheduled[0].finished_at);
      await eventually(async () =>
        jobs.every((job: CronJob) => (job.lastDate()?.getTime() ?? 0) > finished + 1000),
      );
      const rows = await a.dataSource.query(
        `SELECT COUNT(*) AS n FROM clearing_runs WHERE triggered_by = 'scheduled' AND settlement_date = '${yesterday}'`,
      );
      expect(Number(rows[0].n)).toBe(1);

      // called at once on both instances for another day: one of them clears it
      const merchant = await createMerchant(a);
      await createSandboxChannel(a);
      const order = await createOrder(a, merchant, { amount: 880 });
      const twoDaysAgo = Date.now() - 2 * 86400_000;
      await a.app
        .get(Database)
        .transaction((em) =>
          a.app
            .get(OrderTransitions)
            .succeed(em, order.order_id, { paidAt: twoDaysAgo, channelTradeNo: null }, twoDaysAgo),
        );
      const at = twoDaysAgo + 86400_000;
      const results = await Promise.all(
        [a, b, a, b].map((x) => x.app.get(ClearingRunsService).runScheduled(at)),
      );
      const ran = results.filter((r) => r !== null);
      expect(ran).toEqual([
        expect.objectContaining({ trigger: 'scheduled', bill_count: 1, status: 'succeeded' }),
      ]);
      const day = settlementDate(twoDaysAgo, 'Asia/Shanghai');
      expect(ran[0]!.date).toBe(day);
      const bills = await a.http
        .get(`/v1/clearing/bills?date=${day}`)
        .set(bearer(merchant.token))
        .expect(200);
      expect(bills.body.data.items).toEqual([
        expect.objectContaining({ payment_amount: 880, status: 'final' }),
      ]);
    } finally {
      await b.close();
      await a.close();
      await database.drop();
    }
  });
});
