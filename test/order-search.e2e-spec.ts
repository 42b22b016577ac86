import request from 'supertest';
import {
  CONSOLE_ENV,
  ConsolePerson,
  consolePerson,
  merchantTeam,
  SETUP_TIMEOUT_MS,
} from './helpers/console';
import {
  createOrder,
  createSandboxChannel,
  Order,
  payOrder,
  waitForStatus,
} from './helpers/payments';
import { testEngine } from './helpers/scratch-database';
import { bearer, createMerchant, startTestApp, TestApp, TestMerchant } from './helpers/test-app';

/** RFC 4180 CSV into rows of cells (quotes, doubled quotes, CRLF). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  if (cell !== '' || row.length > 0) rows.push([...row, cell]);
  return rows;
}

describe(`order search and CSV export on ${testEngine()}`, () => {
  let t: TestApp;
  let a: TestMerchant;
  let b: TestMerchant;
  let finance: ConsolePerson;
  let operator: ConsolePerson;
  const ours: Order[] = [];
  const theirs: Order[] = [];

  beforeAll(async () => {
    t = await startTestApp({ ...CONSOLE_ENV, RATE_LIMIT_PER_SECOND: '10000' });
    await createSandboxChannel(t, {}, { notify_delay_ms: 0 });
    a = await createMerchant(t, { name: 'Shop A' });
    b = await createMerchant(t, { name: 'Shop B' });
    for (let i = 1; i <= 25; i++) {
      ours.push(
        await createOrder(t, a, {
          amount: i * 100,
          merchant_order_no: i === 7 ? '=HYPERLINK("http://x.example","go")' : `SO-${i}`,
          product_name: i === 8 ? 'apple, "red"' : 'apple',
        }),
      );
    }
    for (let i = 1; i <= 5; i++) theirs.push(await createOrder(t, b, { amount: i * 500 }));
    for (const order of ours.filter((_, i) => i % 3 === 0)) {
      await payOrder(t, order).expect(200);
      await waitForStatus(t, a.token, order.order_id, 'SUCCEEDED');
    }
    finance = (await merchantTeam(t, a.sourceId, ['finance'])).finance!;
    operator = await consolePerson(t, { scope: 'operator', role: 'admin' });
  }, SETUP_TIMEOUT_MS);
  afterAll(() => t.close());

  /** Every page of a search, following next_cursor. */
  async function everyPage(person: ConsolePerson, query: string, limit: number) {
    const items: Order[] = [];
    const totals = new Set<string>();
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await person.browser
        .call(
          'get',
          `/v1/payments/search?${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`,
        )
        .expect(200);
      items.push(...(res.body.data.items as Order[]));
      totals.add(`${res.body.data.total_count}/${res.body.data.total_exact}`);
      cursor = res.body.data.next_cursor as string | null;
      pages++;
    } while (cursor);
    return { items, totals: [...totals], pages };
  }

  it('lists a filter over several pages, newest first, with its exact total; exports the same rows', async () => {
    const query = 'amount_min=500&amount_max=2000';
    const expected = ours
      .filter((o) => o.amount >= 500 && o.amount <= 2000)
      .map((o) => o.order_id)
      .reverse();
    expect(expected).toHaveLength(16);
    const listed = await everyPage(finance, query, 5);
    expect(listed.pages).toBe(4);
    expect(listed.items.map((o) => o.order_id)).toEqual(expected);
    expect(listed.totals).toEqual(['16/true']);

    const csv = await finance.browser.call('get', `/v1/payments/export?${query}`).expect(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toMatch(
      /^attachment; filename="orders-\d{4}-\d{2}-\d{2}\.csv"$/,
    );
    const [header, ...rows] = parseCsv(csv.text);
    expect(header).toEqual([
      'order_id',
      'source_id',
      'merchant_order_no',
      'product_id',
      'product_name',
      'status',
      'channel',
      'channel_trade_no',
      'currency',
      'amount',
      'fee_amount',
      'refunded_amount',
      'late_payment',
      'created_at',
      'paid_at',
      'amount_decimal',
      'fee_decimal',
      'refunded_decimal',
    ]);
    const cell = (row: string[], name: string) => row[header.indexOf(name)];
    expect(rows.map((r) => cell(r, 'order_id'))).toEqual(expected);
    for (const [i, order] of listed.items.entries()) {
      const row = rows[i];
      expect({
        source_id: Number(cell(row, 'source_id')),
        status: cell(row, 'status'),
        channel: cell(row, 'channel'),
        channel_trade_no: cell(row, 'channel_trade_no'),
        amount: Number(cell(row, 'amount')),
        fee_amount: Number(cell(row, 'fee_amount')),
        created_at: cell(row, 'created_at'),
        paid_at: cell(row, 'paid_at') || null,
        amount_decimal: cell(row, 'amount_decimal'),
      }).toEqual({
        source_id: a.sourceId,
        status: order.status,
        channel: order.channel,
        channel_trade_no: order.channel_trade_no,
        amount: order.amount,
        fee_amount: order.fee_amount,
        created_at: order.created_at,
        paid_at: order.paid_at,
        amount_decimal: (order.amount / 100).toFixed(2),
      });
    }
    // the merchant's own text cannot become a formula, and commas and quotes survive
    const formula = rows.find((r) => cell(r, 'order_id') === ours[6].order_id)!;
    expect(cell(formula, 'merchant_order_no')).toBe(`'=HYPERLINK("http://x.example","go")`);
    const quoted = rows.find((r) => cell(r, 'order_id') === ours[7].order_id)!;
    expect(cell(quoted, 'product_name')).toBe('apple, "red"');
  });

  it('finds one order by its id, merchant order number or channel trade number in one box', async () => {
    const paid = ours[3];
    for (const q of [paid.order_id, 'SO-4', paid.channel_trade_no as string]) {
      const res = await finance.browser
        .call('get', `/v1/payments/search?q=${encodeURIComponent(q)}`)
        .expect(200);
      expect(res.body.data.items.map((o: Order) => o.order_id)).toEqual([paid.order_id]);
      expect([res.body.data.total_count, res.body.data.total_exact]).toEqual([1, true]);
    }
    // another merchant's order is not found, not even by its id
    const foreign = await finance.browser
      .call('get', `/v1/payments/search?q=${theirs[0].order_id}`)
      .expect(200);
    expect(foreign.body.data).toEqual({
      items: [],
      next_cursor: null,
      total_count: 0,
      total_exact: true,
    });
  });

  it('filters by status, channel and creation time', async () => {
    const succeeded = await everyPage(finance, 'status=SUCCEEDED', 100);
    expect(succeeded.items.map((o) => o.order_id).sort()).toEqual(
      ours
        .filter((_, i) => i % 3 === 0)
        .map((o) => o.order_id)
        .sort(),
    );
    const none = await everyPage(finance, 'channel=nowhere', 100);
    expect(none.items).toEqual([]);
    const from = ours[10].created_at as string;
    const to = ours[15].created_at as string;
    const window = await everyPage(
      finance,
      `created_from=${encodeURIComponent(from)}&created_to=${encodeURIComponent(to)}`,
      100,
    );
    const inWindow = ours.filter(
      (o) => (o.created_at as string) >= from && (o.created_at as string) < to,
    );
    expect(window.items.map((o) => o.order_id).sort()).toEqual(
      inWindow.map((o) => o.order_id).sort(),
    );
  });

  it('lets operators search every merchant or one; a merchant may not name another', async () => {
    const all = await everyPage(operator, 'currency=CNY', 100);
    expect(all.items.length).toBe(30);
    const onlyB = await everyPage(operator, `source_id=${b.sourceId}`, 100);
    expect(onlyB.items.map((o) => o.order_id)).toEqual(theirs.map((o) => o.order_id).reverse());
    const refused = await finance.browser.call(
      'get',
      `/v1/payments/search?source_id=${b.sourceId}`,
    );
    expect([refused.status, refused.body.reason]).toEqual([403, 'source_id_mismatch']);
    const exportRefused = await finance.browser.call(
      'get',
      `/v1/payments/export?source_id=${b.sourceId}`,
    );
    expect([exportRefused.status, exportRefused.body.reason]).toEqual([403, 'source_id_mismatch']);
    const backwards = await finance.browser.call(
      'get',
      '/v1/payments/search?amount_min=500&amount_max=100',
    );
    expect([backwards.status, backwards.body.reason]).toEqual([400, 'validation_failed']);
    // a merchant's server uses the same search with its token, and the old list is unchanged
    const api = await request(t.url)
      .get('/v1/payments/search?limit=100')
      .set(bearer(b.token))
      .expect(200);
    expect(api.body.data.total_count).toBe(5);
    const list = await request(t.url)
      .get('/v1/payments?limit=100')
      .set(bearer(b.token))
      .expect(200);
    expect(Object.keys(list.body.data).sort()).toEqual(['items', 'next_cursor']);
  });

  it('writes each export in the audit log with its filter and the email of who made it', async () => {
    const rows = await request(t.url)
      .get(
        `/v1/admin/audit-logs?action=payments.export&actor_email=${encodeURIComponent(finance.email)}`,
      )
      .set(bearer(await t.adminToken()))
      .expect(200);
    expect(rows.body.data.items[0]).toEqual(
      expect.objectContaining({
        actor_email: finance.email,
        actor_role: 'merchant_finance',
        result: 'failure',
        reason: 'source_id_mismatch',
      }),
    );
    expect(rows.body.data.items.at(-1)).toEqual(
      expect.objectContaining({
        result: 'success',
        detail: { amount_min: '500', amount_max: '2000' },
      }),
    );
  });

  it('counts exactly up to 10,000 matching orders; past that PostgreSQL estimates, flagged', async () => {
    const c = await createMerchant(t, { name: 'Shop C' });
    const now = Date.now();
    await t.dataSource.query(
      `WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < 10050)
       INSERT INTO orders (order_id, source_id, product_id, product_name, amount, currency, status,
         routing, expires_at, created_at, updated_at)
       SELECT 'ord_bulk_' || i, ${c.sourceId}, 'p', 'bulk', 100 + i, 'CNY', 'PENDING', '{}',
         ${now + 3_600_000}, ${now} + i, ${now} + i
       FROM seq`,
    );
    const res = await request(t.url)
      .get('/v1/payments/search?limit=3')
      .set(bearer(c.token))
      .expect(200);
    expect(res.body.data.items).toHaveLength(3);
    if (testEngine() === 'sqlite') {
      expect([res.body.data.total_count, res.body.data.total_exact]).toEqual([10050, true]);
    } else {
      expect(res.body.data.total_exact).toBe(false);
      expect(res.body.data.total_count).toBeGreaterThan(10_000);
    }
    const exact = await request(t.url)
      .get('/v1/payments/search?amount_max=5100')
      .set(bearer(c.token))
      .expect(200);
    expect([exact.body.data.total_count, exact.body.data.total_exact]).toEqual([5000, true]);
    // the export streams every one of them, a page at a time
    const csv = await request(t.url)
      .get('/v1/payments/export')
      .set(bearer(c.token))
      .buffer(true)
      .parse((res, done) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => done(null, text));
      })
      .expect(200);
    const lines = (csv.body as string).split('\r\n').filter(Boolean);
    expect(lines).toHaveLength(10051);
  });
});
