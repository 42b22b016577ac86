import { settlementDate } from '../../src/common/time';
import { AppConfig } from '../../src/config/app-config';
import { createOrder, eventually, Order, payOrder, waitForStatus } from './payments';
import { bearer, TestApp, TestMerchant } from './test-app';

export interface Bill {
  bill_id: string;
  source_id: number;
  date: string;
  currency: string;
  payment_count: number;
  payment_amount: number;
  refund_count: number;
  refund_amount: number;
  fee_amount: number;
  net_amount: number;
  status: 'provisional' | 'final';
  generated_at: string;
}

export interface BillLine {
  line_no: number;
  entry_id: string;
  type: string;
  order_id: string;
  refund_id: string | null;
  merchant_order_no: string | null;
  channel: string;
  amount: number;
  fee: number;
  net: number;
  occurred_at: string;
}

/**
 * A fixed-offset zone (Etc/GMT±N) in which it is now around midday, for tests whose movements
 * must all land on one settlement date however late the suite runs. (Etc/GMT-8 is UTC+8.)
 */
export function middayTimeZone(now = Date.now()): string {
  const offset = 12 - new Date(now).getUTCHours();
  if (offset === 0) return 'Etc/GMT';
  return offset > 0 ? `Etc/GMT-${offset}` : `Etc/GMT+${-offset}`;
}

/** Today's settlement date in the app's SETTLEMENT_TZ. */
export function today(t: TestApp): string {
  return settlementDate(Date.now(), t.app.get(AppConfig).env.SETTLEMENT_TZ);
}

export async function runClearing(t: TestApp, date: string) {
  const res = await t.http
    .post('/v1/clearing/runs')
    .set(bearer(await t.adminToken()))
    .send({ date });
  if (res.status !== 201)
    throw new Error(`clearing run failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data as {
    run_id: string;
    status: string;
    bill_status: string;
    bill_count: number;
  };
}

export async function listBills(t: TestApp, token: string, query: string): Promise<Bill[]> {
  const res = await t.http.get(`/v1/clearing/bills?limit=100&${query}`).set(bearer(token));
  if (res.status !== 200)
    throw new Error(`bill list failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data.items as Bill[];
}

/** A bill with every line, following the cursor. */
export async function billWithLines(
  t: TestApp,
  token: string,
  billId: string,
): Promise<{ bill: Bill; lines: BillLine[] }> {
  const lines: BillLine[] = [];
  let cursor: string | null = null;
  let bill: Bill | undefined;
  do {
    const res = await t.http
      .get(`/v1/clearing/bills/${billId}?limit=2${cursor ? `&cursor=${cursor}` : ''}`)
      .set(bearer(token));
    if (res.status !== 200)
      throw new Error(`bill read failed: ${res.status} ${JSON.stringify(res.body)}`);
    const { lines: page, ...rest } = res.body.data as Bill & {
      lines: { items: BillLine[]; next_cursor: string | null };
    };
    bill = rest;
    lines.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return { bill: bill!, lines };
}

/** Created, paid at the sandbox, and SUCCEEDED through its notification. */
export async function paidOrder(
  t: TestApp,
  m: TestMerchant,
  fields: Record<string, unknown>,
): Promise<Order> {
  const order = await createOrder(t, m, fields);
  const paid = await payOrder(t, order);
  if (paid.status >= 300) throw new Error(`sandbox pay failed: ${paid.status}`);
  return waitForStatus(t, m.token, order.order_id, 'SUCCEEDED');
}

/** A refund through the API, waited for until the channel's notification made it SUCCEEDED. */
export async function refundOrder(
  t: TestApp,
  m: TestMerchant,
  orderId: string,
  amount: number,
): Promise<{ refund_id: string; fee_amount: number }> {
  const res = await t.http
    .post(`/v1/payments/${orderId}/refunds`)
    .set(bearer(m.token))
    .send({ amount });
  if (res.status !== 201)
    throw new Error(`refund failed: ${res.status} ${JSON.stringify(res.body)}`);
  const refundId = res.body.data.refund_id as string;
  return eventually(
    async () => {
      const list = await t.http.get(`/v1/payments/${orderId}/refunds`).set(bearer(m.token));
      const refund = (
        list.body.data.items as { refund_id: string; status: string; fee_amount: number }[]
      ).find((r) => r.refund_id === refundId);
      return refund?.status === 'SUCCEEDED' ? refund : undefined;
    },
    10000,
    `refund ${refundId} to succeed`,
  );
}

/** Parses the CSV the download route sends (RFC 4180, as bill-csv writes it). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  if (field !== '' || row.length > 0) rows.push([...row, field]);
  return rows;
}
