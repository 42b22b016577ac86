import { EntityManager } from 'typeorm';
import { BillLineEntity } from '../../src/clearing/entities/bill-line.entity';
import { BillEntity, BillStatus } from '../../src/clearing/entities/bill.entity';
import { EntryKind, Movement } from '../../src/clearing/journal';
import { toSafeInteger, toSafeIntegerOrZero } from '../../src/database/columns';
import { Database } from '../../src/database/database.service';

/**
 * The bill model: what a date's bills and lines are, computed in TypeScript from the date's
 * journal entries. Clearing builds them in SQL (BillsRepository.replaceBills); tests check that
 * SQL against this model on both engines.
 */

/** One journal entry of the date, with what its lines mean for the merchant. */
export interface EntryFigures {
  entryId: string;
  kind: EntryKind;
  movement: Movement;
  orderId: string;
  refundId: string | null;
  merchantOrderNo: string | null;
  sourceId: number;
  channelCode: string;
  currency: string;
  createdAt: number;
  /** Receivable debit − credit: positive for money in, negative for money out. */
  amount: number;
  /** Fee income credit − debit. */
  fee: number;
  /** Merchant payable credit − debit. */
  net: number;
}

/** The bill of a merchant, date and currency: derived from them alone, so a re-run keeps it. */
export function billIdOf(sourceId: number, date: string, currency: string): string {
  return `bill_${date.replace(/-/g, '')}_${sourceId}_${currency}`;
}

/**
 * The bills of one settlement date from its journal entries: one bill per merchant and
 * currency, one line per entry, lines in recording order. Only the entries decide the result,
 * so the same entries always give the same bills (`generated_at` and `run_id` aside).
 *
 * payment_amount sums the amounts of entries on the payment side (payments, and reversals and
 * corrections of payments), refund_amount the same on the refund side; fee_amount sums every
 * entry's fee (refunds give theirs back); net_amount sums the merchant's payable, which for
 * balanced entries is payment_amount − refund_amount − fee_amount.
 */
export function buildBills(
  date: string,
  entries: readonly EntryFigures[],
  run: { runId: string; status: BillStatus; generatedAt: number },
): { bills: BillEntity[]; lines: BillLineEntity[] } {
  const sorted = [...entries].sort(
    (a, b) =>
      a.sourceId - b.sourceId ||
      compare(a.currency, b.currency) ||
      a.createdAt - b.createdAt ||
      compare(a.entryId, b.entryId),
  );
  const bills = new Map<string, BillEntity>();
  const lines: BillLineEntity[] = [];
  const lineCounts = new Map<string, number>();
  for (const e of sorted) {
    const billId = billIdOf(e.sourceId, date, e.currency);
    let bill = bills.get(billId);
    if (!bill) {
      bill = {
        billId,
        sourceId: e.sourceId,
        settlementDate: date,
        currency: e.currency,
        paymentCount: 0,
        paymentAmount: 0,
        refundCount: 0,
        refundAmount: 0,
        feeAmount: 0,
        netAmount: 0,
        status: run.status,
        runId: run.runId,
        generatedAt: run.generatedAt,
      };
      bills.set(billId, bill);
    }
    if (e.kind === 'payment') bill.paymentCount += 1;
    if (e.kind === 'refund') bill.refundCount += 1;
    if (e.movement === 'payment') bill.paymentAmount += e.amount;
    else bill.refundAmount -= e.amount;
    bill.feeAmount += e.fee;
    bill.netAmount += e.net;
    const lineNo = (lineCounts.get(billId) ?? 0) + 1;
    lineCounts.set(billId, lineNo);
    lines.push({
      billId,
      lineNo,
      entryId: e.entryId,
      type: e.kind,
      orderId: e.orderId,
      refundId: e.refundId,
      merchantOrderNo: e.merchantOrderNo,
      channelCode: e.channelCode,
      amount: e.amount,
      fee: e.fee,
      net: e.net,
      occurredAt: e.createdAt,
    });
  }
  return { bills: [...bills.values()], lines };
}

/** Plain code-unit order: the same on every machine and locale. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Every journal entry of the date with what its lines mean for the merchant, read row by row:
 * the amount the channel moved (receivable debit − credit), the fee (fee income credit − debit)
 * and the merchant's net (payable credit − debit), and the order's merchant order number.
 */
export async function entryFiguresOf(em: EntityManager, date: string): Promise<EntryFigures[]> {
  const { rows } = await Database.sql<Record<string, unknown>>(
    em,
    `SELECT e.id AS entry_id, e.kind AS kind, e.movement AS movement, e.order_id AS order_id,
       e.refund_id AS refund_id, o.merchant_order_no AS merchant_order_no, e.source_id AS source_id,
       e.channel_code AS channel_code, e.currency AS currency, e.created_at AS created_at,
       SUM(CASE WHEN l.account_type = 'channel_receivable' THEN l.debit - l.credit ELSE 0 END) AS amount,
       SUM(CASE WHEN l.account_type = 'fee_income' THEN l.credit - l.debit ELSE 0 END) AS fee,
       SUM(CASE WHEN l.account_type = 'merchant_payable' THEN l.credit - l.debit ELSE 0 END) AS net
     FROM journal_entries e
     JOIN journal_lines l ON l.entry_id = e.id
     LEFT JOIN orders o ON o.order_id = e.order_id
     WHERE e.settlement_date = :date
     GROUP BY e.id, e.kind, e.movement, e.order_id, e.refund_id, o.merchant_order_no, e.source_id,
       e.channel_code, e.currency, e.created_at`,
    { date },
  );
  return rows.map((r) => ({
    entryId: String(r.entry_id),
    kind: r.kind as EntryKind,
    movement: r.movement as Movement,
    orderId: String(r.order_id),
    refundId: (r.refund_id as string | null) ?? null,
    merchantOrderNo: (r.merchant_order_no as string | null) ?? null,
    sourceId: toSafeInteger(r.source_id),
    channelCode: String(r.channel_code),
    currency: String(r.currency),
    createdAt: toSafeInteger(r.created_at),
    amount: toSafeIntegerOrZero(r.amount),
    fee: toSafeIntegerOrZero(r.fee),
    net: toSafeIntegerOrZero(r.net),
  }));
}
