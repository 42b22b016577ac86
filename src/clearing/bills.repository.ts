import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { toSafeInteger, toSafeIntegerOrZero } from '../database/columns';
import { Database } from '../database/database.service';
import { EntryFigures } from './bill-builder';
import { BillLineEntity } from './entities/bill-line.entity';
import { BillEntity } from './entities/bill.entity';
import { EntryKind, Movement } from './journal';

/** A re-run of a date whose bills are final found different figures: they stay as they are. */
export class FinalBillsDifferError extends Error {
  constructor(readonly date: string) {
    super(
      `the bills of ${date} are final and the journal now gives different ones: they are kept; ` +
        `reconcile the date and post corrections on an open date`,
    );
  }
}

/** Bills' figures and the movements on each, order-independent. */
function fingerprint(
  bills: Pick<
    BillEntity,
    | 'billId'
    | 'paymentCount'
    | 'paymentAmount'
    | 'refundCount'
    | 'refundAmount'
    | 'feeAmount'
    | 'netAmount'
  >[],
  lines: Pick<BillLineEntity, 'billId' | 'entryId'>[],
): string {
  const figures = bills
    .map((b) =>
      [
        b.billId,
        b.paymentCount,
        b.paymentAmount,
        b.refundCount,
        b.refundAmount,
        b.feeAmount,
        b.netAmount,
      ].join(','),
    )
    .sort();
  const movements = lines.map((l) => `${l.billId}:${l.entryId}`).sort();
  return JSON.stringify([figures, movements]);
}

/** Rows per INSERT: well inside both engines' limits on bound parameters. */
const INSERT_CHUNK = 500;

export interface BillListFilter {
  date: string;
  sourceId?: number;
  currency?: string;
  afterBillId?: string;
  limit: number;
}

/**
 * Bills and their lines: derived data, rebuilt from the journal by each clearing run of a date
 * (unlike the journal, these rows are replaced).
 */
@Injectable()
export class BillsRepository {
  /**
   * Marks the date as being cleared by this run. On PostgreSQL the upsert holds the date's row
   * lock until the transaction ends, so two runs of one date (two instances, a retry) queue
   * instead of interleaving their deletes and inserts.
   */
  async lockDate(em: EntityManager, date: string, runId: string, now: number): Promise<void> {
    await Database.sql(
      em,
      `INSERT INTO clearing_days (settlement_date, run_id, generated_at) VALUES (:date, :runId, :now)
       ON CONFLICT (settlement_date) DO UPDATE SET run_id = excluded.run_id, generated_at = excluded.generated_at`,
      { date, runId, now },
    );
  }

  /**
   * Every journal entry of the date with what its lines mean for the merchant: the amount the
   * channel moved (receivable debit − credit), the fee (fee income credit − debit) and the
   * merchant's net (payable credit − debit). Summed from the lines, so bills add up to the
   * ledger by construction.
   */
  async entryFigures(em: EntityManager, date: string): Promise<EntryFigures[]> {
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

  /**
   * The date's bills and lines become exactly these. Final bills are never rewritten (the
   * database refuses it): when the date's bills are final already, the new ones must be the
   * same, and nothing is written; otherwise FinalBillsDifferError.
   */
  async replaceBills(
    em: EntityManager,
    date: string,
    bills: BillEntity[],
    lines: BillLineEntity[],
  ): Promise<void> {
    const final = await this.finalBillsFingerprint(em, date);
    if (final !== null) {
      if (final === fingerprint(bills, lines)) return;
      throw new FinalBillsDifferError(date);
    }
    await Database.sql(
      em,
      `DELETE FROM bill_lines WHERE bill_id IN (SELECT bill_id FROM bills WHERE settlement_date = :date)`,
      { date },
    );
    await Database.sql(em, `DELETE FROM bills WHERE settlement_date = :date`, { date });
    for (let i = 0; i < bills.length; i += INSERT_CHUNK)
      await em.insert(BillEntity, bills.slice(i, i + INSERT_CHUNK));
    for (let i = 0; i < lines.length; i += INSERT_CHUNK)
      await em.insert(BillLineEntity, lines.slice(i, i + INSERT_CHUNK));
  }

  /** What identifies the date's final bills and their lines; null when none is final. */
  private async finalBillsFingerprint(em: EntityManager, date: string): Promise<string | null> {
    const bills = await em.find(BillEntity, { where: { settlementDate: date } });
    if (!bills.some((b) => b.status === 'final')) return null;
    const { rows } = await Database.sql<{ bill_id: string; entry_id: string }>(
      em,
      `SELECT l.bill_id AS bill_id, l.entry_id AS entry_id FROM bill_lines l
       JOIN bills b ON b.bill_id = l.bill_id WHERE b.settlement_date = :date`,
      { date },
    );
    return fingerprint(
      bills,
      rows.map((r) => ({ billId: r.bill_id, entryId: r.entry_id })),
    );
  }

  listBills(em: EntityManager, filter: BillListFilter): Promise<BillEntity[]> {
    const qb = em
      .createQueryBuilder(BillEntity, 'b')
      .where('b.settlement_date = :date', { date: filter.date })
      .orderBy('b.bill_id', 'ASC')
      .take(filter.limit + 1);
    if (filter.sourceId !== undefined)
      qb.andWhere('b.source_id = :sourceId', { sourceId: filter.sourceId });
    if (filter.currency) qb.andWhere('b.currency = :currency', { currency: filter.currency });
    if (filter.afterBillId) qb.andWhere('b.bill_id > :after', { after: filter.afterBillId });
    return qb.getMany();
  }

  findBill(em: EntityManager, billId: string): Promise<BillEntity | null> {
    return em.findOneBy(BillEntity, { billId });
  }

  /** Lines after `afterLineNo`, in order; all of them without a limit. */
  listLines(
    em: EntityManager,
    billId: string,
    afterLineNo = 0,
    limit?: number,
  ): Promise<BillLineEntity[]> {
    const qb = em
      .createQueryBuilder(BillLineEntity, 'l')
      .where('l.bill_id = :billId AND l.line_no > :afterLineNo', { billId, afterLineNo })
      .orderBy('l.line_no', 'ASC');
    if (limit !== undefined) qb.take(limit + 1);
    return qb.getMany();
  }
}
