import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Database } from '../database/database.service';
import { BillLineEntity } from './entities/bill-line.entity';
import { BillEntity, BillStatus } from './entities/bill.entity';

/** A re-run of a date whose bills are final found different figures: they stay as they are. */
export class FinalBillsDifferError extends Error {
  constructor(readonly date: string) {
    super(
      `the bills of ${date} are final and the journal now gives different ones: they are kept; ` +
        `reconcile the date and post corrections on an open date`,
    );
  }
}

/**
 * Every journal entry of :date with what its lines mean for the merchant: the amount the
 * channel moved (receivable debit − credit), the fee (fee income credit − debit) and the
 * merchant's net (payable credit − debit). Summed from the lines, so bills add up to the
 * ledger by construction.
 */
const ENTRY_FIGURES = `SELECT e.id AS entry_id, e.kind AS kind, e.movement AS movement,
    e.order_id AS order_id, e.refund_id AS refund_id, e.source_id AS source_id,
    e.channel_code AS channel_code, e.currency AS currency, e.created_at AS created_at,
    SUM(CASE WHEN l.account_type = 'channel_receivable' THEN l.debit - l.credit ELSE 0 END) AS amount,
    SUM(CASE WHEN l.account_type = 'fee_income' THEN l.credit - l.debit ELSE 0 END) AS fee,
    SUM(CASE WHEN l.account_type = 'merchant_payable' THEN l.credit - l.debit ELSE 0 END) AS net
  FROM journal_entries e
  JOIN journal_lines l ON l.entry_id = e.id
  WHERE e.settlement_date = :date
  GROUP BY e.id, e.kind, e.movement, e.order_id, e.refund_id, e.source_id, e.channel_code,
    e.currency, e.created_at`;

/** A bill's id, `bill_<YYYYMMDD>_<source_id>_<currency>`, for a row of ENTRY_FIGURES and :day. */
const BILL_ID = `'bill_' || CAST(:day AS varchar(8)) || '_' || CAST(f.source_id AS varchar(20)) || '_' || f.currency`;

/**
 * A bill's figures over its entries: payments and refunds counted by
 * kind, amounts by the side money moved (reversals and corrections included), fees and the
 * merchant's net summed.
 */
const BILL_FIGURES = `SUM(CASE WHEN f.kind = 'payment' THEN 1 ELSE 0 END) AS payment_count,
    SUM(CASE WHEN f.movement = 'payment' THEN f.amount ELSE 0 END) AS payment_amount,
    SUM(CASE WHEN f.kind = 'refund' THEN 1 ELSE 0 END) AS refund_count,
    0 - SUM(CASE WHEN f.movement = 'payment' THEN 0 ELSE f.amount END) AS refund_amount,
    SUM(f.fee) AS fee_amount,
    SUM(f.net) AS net_amount`;

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
   * Rebuilds the date's bills and lines from its journal entries inside the database (one
   * INSERT … SELECT each), so memory and round trips stay flat whatever the day's volume: a
   * day of 220,000 movements no longer passes through the server. One bill per merchant and
   * currency, one line per entry in recording order, figures summed from the entry's lines
   * (test/helpers/bill-builder.ts is the model this SQL is checked against). Final bills are never
   * rewritten (the database refuses it): when the date's bills are final already, the journal
   * must still give the same ones, and nothing is written; otherwise FinalBillsDifferError.
   * Returns the number of bills of the date.
   */
  async replaceBills(
    em: EntityManager,
    date: string,
    run: { runId: string; status: BillStatus; generatedAt: number },
  ): Promise<number> {
    const params = { date, day: date.replace(/-/g, '') };
    const { rows: finals } = await Database.sql<{ n: number | string }>(
      em,
      `SELECT COUNT(*) AS n FROM bills WHERE settlement_date = :date AND status = 'final'`,
      params,
    );
    if (Number(finals[0].n) > 0) {
      if (!(await this.sameAsJournal(em, date))) throw new FinalBillsDifferError(date);
      return this.countBills(em, date);
    }
    await Database.sql(
      em,
      `DELETE FROM bill_lines WHERE bill_id IN (SELECT bill_id FROM bills WHERE settlement_date = :date)`,
      params,
    );
    await Database.sql(em, `DELETE FROM bills WHERE settlement_date = :date`, params);
    await Database.sql(
      em,
      `WITH f AS (${ENTRY_FIGURES})
       INSERT INTO bills (bill_id, source_id, settlement_date, currency, payment_count,
         payment_amount, refund_count, refund_amount, fee_amount, net_amount, status, run_id,
         generated_at)
       SELECT ${BILL_ID}, f.source_id, :date, f.currency, ${BILL_FIGURES}, :status, :runId,
         :generatedAt
       FROM f GROUP BY f.source_id, f.currency`,
      { ...params, status: run.status, runId: run.runId, generatedAt: run.generatedAt },
    );
    // the merchant order number by a primary-key lookup per line: a join lets PostgreSQL read
    // the whole orders table when the day holds a fifth of it
    const binary = em.connection.options.type === 'postgres' ? ' COLLATE "C"' : '';
    await Database.sql(
      em,
      `WITH f AS (${ENTRY_FIGURES})
       INSERT INTO bill_lines (bill_id, line_no, entry_id, type, order_id, refund_id,
         merchant_order_no, channel_code, amount, fee, net, occurred_at)
       SELECT ${BILL_ID},
         ROW_NUMBER() OVER (PARTITION BY f.source_id, f.currency
           ORDER BY f.created_at, f.entry_id${binary}),
         f.entry_id, f.kind, f.order_id, f.refund_id,
         (SELECT o.merchant_order_no FROM orders o WHERE o.order_id = f.order_id),
         f.channel_code, f.amount, f.fee, f.net, f.created_at
       FROM f`,
      params,
    );
    return this.countBills(em, date);
  }

  /**
   * Whether the date's bills hold what the journal gives now: the same figures on the same
   * bills, and each of the date's entries on its bill (bill_lines.entry_id is unique).
   */
  private async sameAsJournal(em: EntityManager, date: string): Promise<boolean> {
    const params = { date, day: date.replace(/-/g, '') };
    const { rows: expected } = await Database.sql<Record<string, unknown>>(
      em,
      `WITH f AS (${ENTRY_FIGURES})
       SELECT ${BILL_ID} AS bill_id, ${BILL_FIGURES}
       FROM f GROUP BY f.source_id, f.currency`,
      params,
    );
    const { rows: stored } = await Database.sql<Record<string, unknown>>(
      em,
      `SELECT bill_id, payment_count, payment_amount, refund_count, refund_amount, fee_amount,
         net_amount FROM bills WHERE settlement_date = :date`,
      params,
    );
    const figures = (rows: Record<string, unknown>[]) =>
      JSON.stringify(
        rows
          .map((r) =>
            [
              r.bill_id,
              r.payment_count,
              r.payment_amount,
              r.refund_count,
              r.refund_amount,
              r.fee_amount,
              r.net_amount,
            ]
              .map(String)
              .join(','),
          )
          .sort(),
      );
    if (figures(expected) !== figures(stored)) return false;
    const { rows: lines } = await Database.sql<{
      total: number | string;
      missing: number | string;
    }>(
      em,
      `WITH f AS (${ENTRY_FIGURES})
       SELECT (SELECT COUNT(*) FROM bill_lines l JOIN bills b ON b.bill_id = l.bill_id
                 WHERE b.settlement_date = :date) AS total,
         (SELECT COUNT(*) FROM f LEFT JOIN bill_lines l
                 ON l.entry_id = f.entry_id AND l.bill_id = ${BILL_ID}
               WHERE l.entry_id IS NULL) AS missing,
         (SELECT COUNT(*) FROM f) AS entries`,
      params,
    );
    const row = lines[0] as Record<string, unknown>;
    return Number(row.missing) === 0 && Number(row.total) === Number(row.entries);
  }

  private async countBills(em: EntityManager, date: string): Promise<number> {
    const { rows } = await Database.sql<{ n: number | string }>(
      em,
      `SELECT COUNT(*) AS n FROM bills WHERE settlement_date = :date`,
      { date },
    );
    return Number(rows[0].n);
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
