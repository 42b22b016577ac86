import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { toSafeIntegerOrZero } from '../database/columns';
import { Database } from '../database/database.service';
import { JournalEntryEntity } from './entities/journal-entry.entity';
import { JournalLineEntity } from './entities/journal-line.entity';
import { AccountType, LineDraft } from './journal';

export interface BalanceRow {
  account: string;
  accountType: AccountType;
  currency: string;
  debit: number;
  credit: number;
}

export interface BalanceFilter {
  accountType?: AccountType;
  account?: string;
  currency?: string;
  /** Only entries of settlement dates up to and including this one. */
  untilDate?: string;
  /** Resume after this (account, currency). */
  after?: { account: string; currency: string };
  limit: number;
}

export interface JournalFilter {
  orderId?: string;
  sourceId?: number;
  date?: string;
  afterId?: string;
  limit: number;
}

/**
 * The journal. Append-only by construction: this repository can insert entries and lines and
 * read them, and has no statement that updates or deletes either. A mistake is fixed by a new
 * entry (a reversal or a correction), never by changing an old one.
 */
@Injectable()
export class LedgerRepository {
  /**
   * Inserts the entry unless its movement was already posted; true when it was inserted. The
   * unique movement key makes a second posting of one movement impossible, whatever the caller.
   */
  async insertEntry(
    em: EntityManager,
    entry: JournalEntryEntity,
    lines: readonly LineDraft[],
  ): Promise<boolean> {
    const { affected } = await Database.sql(
      em,
      `INSERT INTO journal_entries (id, movement_key, kind, movement, order_id, refund_id, source_id, channel_id,
         channel_code, currency, settlement_date, related_entry_id, memo, created_at)
       VALUES (:id, :movementKey, :kind, :movement, :orderId, :refundId, :sourceId, :channelId,
         :channelCode, :currency, :settlementDate, :relatedEntryId, :memo, :createdAt)
       ON CONFLICT (movement_key) DO NOTHING
       RETURNING id`,
      { ...entry },
    );
    if (affected === 0) return false;
    await em.insert(
      JournalLineEntity,
      lines.map((line, index) => ({ ...line, entryId: entry.id, lineNo: index + 1 })),
    );
    return true;
  }

  findEntry(em: EntityManager, id: string): Promise<JournalEntryEntity | null> {
    return em.findOneBy(JournalEntryEntity, { id });
  }

  findByMovementKey(em: EntityManager, movementKey: string): Promise<JournalEntryEntity | null> {
    return em.findOneBy(JournalEntryEntity, { movementKey });
  }

  linesOf(em: EntityManager, entryIds: string[]): Promise<JournalLineEntity[]> {
    if (entryIds.length === 0) return Promise.resolve([]);
    return em
      .createQueryBuilder(JournalLineEntity, 'l')
      .where('l.entry_id IN (:...entryIds)', { entryIds })
      .orderBy('l.entry_id')
      .addOrderBy('l.line_no')
      .getMany();
  }

  /** Entries in id (recording) order. */
  listEntries(em: EntityManager, filter: JournalFilter): Promise<JournalEntryEntity[]> {
    const qb = em
      .createQueryBuilder(JournalEntryEntity, 'e')
      .orderBy('e.id', 'ASC')
      .take(filter.limit + 1);
    if (filter.orderId) qb.andWhere('e.order_id = :orderId', { orderId: filter.orderId });
    if (filter.sourceId !== undefined)
      qb.andWhere('e.source_id = :sourceId', { sourceId: filter.sourceId });
    if (filter.date) qb.andWhere('e.settlement_date = :date', { date: filter.date });
    if (filter.afterId) qb.andWhere('e.id > :afterId', { afterId: filter.afterId });
    return qb.getMany();
  }

  /** Debit and credit totals per account and currency, summed from the lines. */
  async balances(em: EntityManager, filter: BalanceFilter): Promise<BalanceRow[]> {
    const where: string[] = [];
    const params: Record<string, unknown> = { limit: filter.limit + 1 };
    if (filter.accountType) {
      where.push('l.account_type = :accountType');
      params.accountType = filter.accountType;
    }
    if (filter.account) {
      where.push('l.account = :account');
      params.account = filter.account;
    }
    if (filter.currency) {
      where.push('l.currency = :currency');
      params.currency = filter.currency;
    }
    if (filter.untilDate) {
      where.push(
        'l.entry_id IN (SELECT e.id FROM journal_entries e WHERE e.settlement_date <= :untilDate)',
      );
      params.untilDate = filter.untilDate;
    }
    if (filter.after) {
      where.push(
        '(l.account > :afterAccount OR (l.account = :afterAccount AND l.currency > :afterCurrency))',
      );
      params.afterAccount = filter.after.account;
      params.afterCurrency = filter.after.currency;
    }
    const { rows } = await Database.sql<Record<string, unknown>>(
      em,
      `SELECT l.account AS account, l.account_type AS account_type, l.currency AS currency,
         SUM(l.debit) AS debit, SUM(l.credit) AS credit
       FROM journal_lines l
       ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       GROUP BY l.account, l.account_type, l.currency
       ORDER BY l.account, l.currency
       LIMIT :limit`,
      params,
    );
    return rows.map((r) => ({
      account: String(r.account),
      accountType: r.account_type as AccountType,
      currency: String(r.currency),
      debit: toSafeIntegerOrZero(r.debit),
      credit: toSafeIntegerOrZero(r.credit),
    }));
  }
}
