import { CsvNumber, CsvTable } from '../common/csv/csv';
import { toMajorUnits } from '../common/money/money';
import { iso } from '../common/time';
import { BillLineEntity } from './entities/bill-line.entity';
import { BillEntity } from './entities/bill.entity';

/**
 * A bill's lines as CSV: one row per movement in line order, no totals row. Amounts are
 * integer minor units, signed as on the bill (refunds negative), each followed at the end by
 * its decimal form for people reading it. Only `merchant_order_no` is the merchant's own text.
 */
function billCsvTable(bill: BillEntity): CsvTable<BillLineEntity> {
  const decimal = (minor: number) => new CsvNumber(toMajorUnits(minor, bill.currency));
  return new CsvTable<BillLineEntity>([
    { header: 'line_no', value: (l) => l.lineNo },
    { header: 'type', value: (l) => l.type },
    { header: 'order_id', value: (l) => l.orderId },
    { header: 'refund_id', value: (l) => l.refundId },
    { header: 'merchant_order_no', value: (l) => l.merchantOrderNo },
    { header: 'channel', value: (l) => l.channelCode },
    { header: 'occurred_at', value: (l) => iso(l.occurredAt) },
    { header: 'currency', value: () => bill.currency },
    { header: 'amount', value: (l) => l.amount },
    { header: 'fee', value: (l) => l.fee },
    { header: 'net', value: (l) => l.net },
    { header: 'amount_decimal', value: (l) => decimal(l.amount) },
    { header: 'fee_decimal', value: (l) => decimal(l.fee) },
    { header: 'net_decimal', value: (l) => decimal(l.net) },
  ]);
}

export const BILL_CSV_COLUMNS = billCsvTable({} as BillEntity).columns.map((c) => c.header);

/** A bill as CSV (see CsvTable): a header row, then one row per movement. */
export function billCsv(bill: BillEntity, lines: readonly BillLineEntity[]): string {
  return billCsvTable(bill).document(lines);
}

/** The same CSV line by line, for a download streamed from keyset batches. */
export function billCsvLines(
  bill: BillEntity,
  lines: Iterable<BillLineEntity> | AsyncIterable<BillLineEntity>,
): AsyncGenerator<string> {
  return billCsvTable(bill).lines(lines);
}
