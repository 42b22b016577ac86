import { toMajorUnits } from '../common/money/money';
import { iso } from '../common/time';
import { BillLineEntity } from './entities/bill-line.entity';
import { BillEntity } from './entities/bill.entity';

export const BILL_CSV_COLUMNS = [
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
] as const;

/**
 * A bill as CSV (RFC 4180, UTF-8, CRLF): a header row, then one row per movement in line
 * order, no totals row. Amounts are integer minor units, signed as on the bill (refunds
 * negative), each followed at the end by its decimal form for people reading it.
 */
export function billCsv(bill: BillEntity, lines: readonly BillLineEntity[]): string {
  const rows = [BILL_CSV_COLUMNS.join(',')];
  for (const l of lines) {
    rows.push(
      [
        String(l.lineNo),
        l.type,
        l.orderId,
        l.refundId ?? '',
        text(l.merchantOrderNo ?? ''),
        l.channelCode,
        iso(l.occurredAt),
        bill.currency,
        String(l.amount),
        String(l.fee),
        String(l.net),
        toMajorUnits(l.amount, bill.currency),
        toMajorUnits(l.fee, bill.currency),
        toMajorUnits(l.net, bill.currency),
      ].join(','),
    );
  }
  return `${rows.join('\r\n')}\r\n`;
}

/**
 * A field the merchant chose: quoted when it holds a separator or a quote, and kept from being
 * read as a formula by spreadsheets (a leading =, +, -, @, tab or CR gets a ' in front).
 */
function text(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) || safe !== safe.trim() ? `"${safe.replace(/"/g, '""')}"` : safe;
}
