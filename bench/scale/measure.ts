/**
 * The measurements of `npm run bench:scale`, each against its target, all through paygate's
 * HTTP API on a loaded database (the empty-database reads on a second server for comparison).
 */
import { LoadSummary } from './load';
import { ScaleResult } from './result';
import { api, Server, withRss, withStore } from './server';

export interface Target {
  server: Server;
  databaseUrl: string;
  merchantToken: string;
  summary: LoadSummary;
  channelCode: string;
}

const round1 = (n: number) => Math.round(n * 10) / 10;
const round3 = (n: number) => Math.round(n * 1000) / 1000;

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const median = (values: number[]) => percentile(values, 50);

/** Latencies (ms) of GETs of the paths, `concurrency` at a time, `count` in all. */
export async function latencies(
  base: string,
  bearer: string,
  paths: string[],
  count: number,
  concurrency = 4,
): Promise<number[]> {
  const out: number[] = [];
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= count) return;
      const started = performance.now();
      const res = await fetch(`${base}${paths[i % paths.length]}`, {
        headers: { authorization: `Bearer ${bearer}` },
      });
      const body = await res.text();
      if (!res.ok) throw new Error(`GET ${paths[i % paths.length]}: ${res.status} ${body}`);
      out.push(performance.now() - started);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return out;
}

/**
 * Reads by id and by merchant order number: p99 on the loaded database over p99 on the
 * (nearly) empty one, in alternating rounds, the median of the rounds' ratios.
 */
export async function measureReads(
  big: Target,
  empty: Target,
  requests: number,
  rounds = 3,
): Promise<ScaleResult[]> {
  const sample = (t: Target) =>
    withStore(t.databaseUrl, (ds) =>
      ds.query(
        `SELECT order_id, merchant_order_no FROM orders WHERE source_id = ${t.summary.heavySourceId}
         ORDER BY created_at DESC LIMIT 20000`,
      ),
    ) as Promise<{ order_id: string; merchant_order_no: string }[]>;
  const shuffle = <T>(rows: T[]) => rows.sort(() => Math.random() - 0.5).slice(0, 2000);
  const [bigRows, emptyRows] = [shuffle(await sample(big)), shuffle(await sample(empty))];
  const kinds = [
    {
      name: 'read.by_id.p99',
      paths: (rows: typeof bigRows) => rows.map((r) => `/v1/payments/${r.order_id}`),
    },
    {
      name: 'read.by_merchant_order_no.p99',
      paths: (rows: typeof bigRows) =>
        rows.map(
          (r) => `/v1/payments?merchant_order_no=${encodeURIComponent(r.merchant_order_no)}`,
        ),
    },
  ];
  const results: ScaleResult[] = [];
  for (const kind of kinds) {
    const ratios: number[] = [];
    const runs: { empty_p99_ms: number; loaded_p99_ms: number }[] = [];
    // a warm-up of each
    await latencies(empty.server.url, empty.merchantToken, kind.paths(emptyRows), 200);
    await latencies(big.server.url, big.merchantToken, kind.paths(bigRows), 200);
    for (let r = 0; r < rounds; r++) {
      const e = percentile(
        await latencies(empty.server.url, empty.merchantToken, kind.paths(emptyRows), requests),
        99,
      );
      const b = percentile(
        await latencies(big.server.url, big.merchantToken, kind.paths(bigRows), requests),
        99,
      );
      runs.push({ empty_p99_ms: round1(e), loaded_p99_ms: round1(b) });
      ratios.push(b / e);
    }
    const ratio = round3(median(ratios));
    results.push({
      name: kind.name,
      target: 'loaded p99 <= 1.10 x empty-database p99',
      value: ratio,
      unit: 'ratio',
      pass: ratio <= 1.1,
      detail: { rounds: runs, requests_per_round: requests, concurrency: 4 },
    });
  }
  return results;
}

/**
 * A filtered list (the heavy merchant's SUCCEEDED orders, 20 a page): the first page and the
 * 500th reached by cursor (or the deepest there is on a small data set), p99 of each.
 */
export async function measureList(big: Target, requests: number): Promise<ScaleResult[]> {
  const first = '/v1/payments?status=SUCCEEDED&limit=20';
  let cursor: string | null = null;
  let depth = 1;
  const walk: number[] = [];
  for (; depth < 500; depth++) {
    const started = performance.now();
    const page = await api(
      big.server.url,
      'GET',
      cursor ? `${first}&cursor=${encodeURIComponent(cursor)}` : first,
      big.merchantToken,
    );
    walk.push(performance.now() - started);
    const next = (page.next_cursor as string | null) ?? null;
    if (!next) break;
    cursor = next;
  }
  const deep = cursor ? `${first}&cursor=${encodeURIComponent(cursor)}` : first;
  await latencies(big.server.url, big.merchantToken, [first, deep], 100);
  const firstP99 = percentile(
    await latencies(big.server.url, big.merchantToken, [first], requests),
    99,
  );
  const deepP99 = percentile(
    await latencies(big.server.url, big.merchantToken, [deep], requests),
    99,
  );
  const ratio = round3(deepP99 / firstP99);
  return [
    {
      name: 'list.filtered.deep_page.p99',
      target: `page ${depth} p99 <= 1.20 x first page p99`,
      value: ratio,
      unit: 'ratio',
      pass: ratio <= 1.2,
      detail: {
        page_reached: depth,
        first_page_p99_ms: round1(firstP99),
        deep_page_p99_ms: round1(deepP99),
        walk_p99_ms: round1(percentile(walk, 99)),
        filter: 'status=SUCCEEDED, one merchant, limit=20',
      },
    },
  ];
}

/** The console's statistics over the last 30 days, all merchants: the median of 5 after a warm-up. */
export async function measureStats(big: Target): Promise<ScaleResult[]> {
  const to = big.summary.lastDate;
  const from = new Date(Date.parse(`${to}T00:00:00Z`) - 29 * 86_400_000).toISOString().slice(0, 10);
  const range = `from=${from}&to=${to}`;
  const endpoints = {
    overview: `/v1/stats/overview?${range}`,
    timeseries: `/v1/stats/timeseries?${range}&metric=succeeded_amount&granularity=day`,
    channels: `/v1/stats/channels?${range}`,
    webhooks: `/v1/stats/webhooks?${range}`,
  };
  const results: ScaleResult[] = [];
  for (const [name, path] of Object.entries(endpoints)) {
    const runs = await latencies(big.server.url, big.server.adminToken, [path], 6, 1);
    const measured = runs.slice(1);
    const value = round1(median(measured));
    results.push({
      name: `stats.${name}`,
      target: 'median < 300 ms (30 days, every merchant)',
      value,
      unit: 'ms',
      pass: value < 300,
      detail: { runs_ms: measured.map(round1), from, to },
    });
  }
  return results;
}

/**
 * Streams a GET and reads it to the end: time to the first body byte, total time, bytes and
 * lines, and the server's RSS before and at its peak.
 */
async function streamed(target: Target, path: string) {
  const { result, idleMb, peakMb } = await withRss(target.server.process.pid!, async () => {
    const started = performance.now();
    const res = await fetch(`${target.server.url}${path}`, {
      headers: { authorization: `Bearer ${target.server.adminToken}` },
    });
    if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
    let firstByteMs = 0;
    let bytes = 0;
    let lines = 0;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      if (bytes === 0) firstByteMs = performance.now() - started;
      bytes += chunk.length;
      for (const b of chunk) if (b === 10) lines++;
    }
    return { firstByteMs, totalMs: performance.now() - started, bytes, lines };
  });
  return { ...result, idleMb, peakMb };
}

function streamResults(
  name: string,
  run: Awaited<ReturnType<typeof streamed>>,
  rows: number,
  expectedRows: number,
): ScaleResult[] {
  const growth = round1(run.peakMb - run.idleMb);
  return [
    {
      name: `${name}.first_byte`,
      target: '< 1000 ms',
      value: round1(run.firstByteMs),
      unit: 'ms',
      pass: run.firstByteMs < 1000 && rows === expectedRows,
      detail: {
        rows,
        expected_rows: expectedRows,
        total_ms: round1(run.totalMs),
        bytes: run.bytes,
      },
    },
    {
      name: `${name}.rss_growth`,
      target: 'peak RSS <= idle + 50 MB',
      value: growth,
      unit: 'MB',
      pass: growth <= 50,
      detail: { idle_mb: round1(run.idleMb), peak_mb: round1(run.peakMb) },
    },
  ];
}

/** The console's export of a filter holding half the orders (500,000 of a million). */
export async function measureExport(big: Target, orders: number): Promise<ScaleResult[]> {
  const half = Math.floor(orders / 2);
  const [row] = (await withStore(big.databaseUrl, (ds) =>
    ds.query(`SELECT created_at FROM orders ORDER BY created_at DESC LIMIT 1 OFFSET ${half - 1}`),
  )) as { created_at: string | number }[];
  const from = Number(row.created_at);
  const [count] = (await withStore(big.databaseUrl, (ds) =>
    ds.query(`SELECT COUNT(*) AS n FROM orders WHERE created_at >= ${from}`),
  )) as { n: string | number }[];
  const run = await streamed(
    big,
    `/v1/payments/export?created_from=${encodeURIComponent(new Date(from).toISOString())}`,
  );
  return streamResults('export.orders', run, run.lines - 1, Number(count.n));
}

/** Bills of the heavy date: what identifies them, to compare two runs. */
async function billsFingerprint(big: Target): Promise<string> {
  const date = big.summary.heavyDate;
  const rows = await withStore(big.databaseUrl, (ds) =>
    ds.query(
      `SELECT b.bill_id, b.payment_count, b.payment_amount, b.refund_count, b.refund_amount,
         b.fee_amount, b.net_amount, COUNT(l.line_no) AS line_count, SUM(l.net) AS line_net
       FROM bills b LEFT JOIN bill_lines l ON l.bill_id = b.bill_id
       WHERE b.settlement_date = '${date}'
       GROUP BY b.bill_id, b.payment_count, b.payment_amount, b.refund_count, b.refund_amount,
         b.fee_amount, b.net_amount
       ORDER BY b.bill_id`,
    ),
  );
  return JSON.stringify(rows.map((r: Record<string, unknown>) => Object.values(r).map(String)));
}

/** Clears the heavy date twice; the second run must find the same (final) bills. */
export async function measureClearing(big: Target): Promise<ScaleResult[]> {
  const date = big.summary.heavyDate;
  const runOnce = () =>
    withRss(big.server.process.pid!, async () => {
      const started = performance.now();
      const run = await api(big.server.url, 'POST', '/v1/clearing/runs', big.server.adminToken, {
        date,
      });
      return { seconds: (performance.now() - started) / 1000, run };
    });
  const first = await runOnce();
  const before = await billsFingerprint(big);
  const second = await runOnce();
  const after = await billsFingerprint(big);
  const [entries] = (await withStore(big.databaseUrl, (ds) =>
    ds.query(`SELECT COUNT(*) AS n FROM journal_entries WHERE settlement_date = '${date}'`),
  )) as { n: string | number }[];
  return [
    {
      name: 'clearing.day.seconds',
      target: '< 60 s',
      value: round1(first.result.seconds),
      unit: 's',
      pass: first.result.seconds < 60 && first.result.run.status === 'succeeded',
      detail: {
        date,
        journal_entries: Number(entries.n),
        bill_count: first.result.run.bill_count,
        rerun_seconds: round1(second.result.seconds),
      },
    },
    {
      name: 'clearing.day.peak_rss',
      target: '< 300 MB',
      value: round1(Math.max(first.peakMb, second.peakMb)),
      unit: 'MB',
      pass: Math.max(first.peakMb, second.peakMb) < 300,
      detail: { idle_mb: round1(first.idleMb) },
    },
    {
      name: 'clearing.day.rerun_identical',
      target: 'the same bills and lines after a re-run',
      value: before === after && second.result.run.status === 'succeeded' ? 1 : 0,
      unit: 'bool',
      pass: before === after && second.result.run.status === 'succeeded',
    },
  ];
}

/** The heavy merchant's bill of the heavy date as CSV (after measureClearing). */
export async function measureBillCsv(big: Target): Promise<ScaleResult[]> {
  const billId = `bill_${big.summary.heavyDate.replace(/-/g, '')}_${big.summary.heavySourceId}_CNY`;
  const [count] = (await withStore(big.databaseUrl, (ds) =>
    ds.query(`SELECT COUNT(*) AS n FROM bill_lines WHERE bill_id = '${billId}'`),
  )) as { n: string | number }[];
  const run = await streamed(big, `/v1/clearing/bills/${billId}/download`);
  return streamResults('bill_csv', run, run.lines - 1, Number(count.n));
}

/** Reconciles the heavy date's sandbox statement against the gateway's records. */
export async function measureReconciliation(big: Target): Promise<ScaleResult[]> {
  const { result, idleMb, peakMb } = await withRss(big.server.process.pid!, async () => {
    const started = performance.now();
    const rec = await api(
      big.server.url,
      'POST',
      '/v1/clearing/reconciliations',
      big.server.adminToken,
      { date: big.summary.heavyDate, channel: big.channelCode },
    );
    return { seconds: (performance.now() - started) / 1000, rec };
  });
  const lines = Number(result.rec.statement_line_count);
  const discrepancies = (result.rec.discrepancies as unknown[]).length;
  return [
    {
      name: 'reconciliation.seconds',
      target: '< 60 s, every line matched',
      value: round1(result.seconds),
      unit: 's',
      pass: result.seconds < 60 && discrepancies === 0,
      detail: {
        statement_lines: lines,
        matched: result.rec.matched_count,
        discrepancies,
      },
    },
    {
      name: 'reconciliation.peak_rss',
      target: '< 300 MB',
      value: round1(peakMb),
      unit: 'MB',
      pass: peakMb < 300,
      detail: { idle_mb: round1(idleMb) },
    },
  ];
}
