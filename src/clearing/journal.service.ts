import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AppError } from '../common/errors/app-error';
import { decodeCursor, DEFAULT_PAGE_SIZE, toPage } from '../common/pagination/pagination';
import { iso } from '../common/time';
import { AppConfig } from '../config/app-config';
import { Database } from '../database/database.service';
import { ClearingError } from './clearing.errors';
import {
  BalancePageDto,
  BalancesQueryDto,
  CorrectEntryDto,
  CorrectionDto,
  JournalEntryDto,
  JournalPageDto,
  JournalQueryDto,
  ReverseEntryDto,
} from './dto/ledger.dto';
import { JournalEntryEntity } from './entities/journal-entry.entity';
import { JournalLineEntity } from './entities/journal-line.entity';
import { account, AccountType } from './journal';
import { BalanceRow, LedgerRepository } from './ledger.repository';
import { LedgerService, PostedEntry } from './ledger.service';
import { checkSettlementDate } from './settlement-dates';

/**
 * The ledger for finance staff: balances summed from the lines, the journal itself, and the
 * only ways to change what it says — a reversal, or a reversal with a correction.
 */
@Injectable()
export class JournalService {
  constructor(
    private readonly db: Database,
    private readonly ledger: LedgerRepository,
    private readonly poster: LedgerService,
    private readonly config: AppConfig,
  ) {}

  async balances(query: BalancesQueryDto): Promise<BalancePageDto> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const cursor = decodeCursor(query.cursor, 'text');
    const timeZone = this.config.env.SETTLEMENT_TZ;
    const untilDate =
      query.date === undefined
        ? undefined
        : checkSettlementDate(query.date, timeZone, Date.now(), { allowFuture: true });
    const rows = await this.db.run((em) =>
      this.ledger.balances(em, {
        accountType: query.account_type as AccountType | undefined,
        account:
          query.source_id !== undefined
            ? account.merchantPayable(query.source_id).account
            : query.account,
        currency: query.currency,
        untilDate,
        after: cursor === undefined ? undefined : balanceCursor(cursor),
        limit,
      }),
    );
    return toPage(rows, limit, (r) => JSON.stringify([r.account, r.currency]), toBalanceDto);
  }

  async journal(query: JournalQueryDto): Promise<JournalPageDto> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const date =
      query.date === undefined
        ? undefined
        : checkSettlementDate(query.date, this.config.env.SETTLEMENT_TZ, Date.now(), {
            allowFuture: true,
          });
    const cursor = decodeCursor(query.cursor, 'text');
    const { entries, lines } = await this.db.run(async (em) => {
      const found = await this.ledger.listEntries(em, {
        orderId: query.order_id,
        sourceId: query.source_id,
        date,
        afterId: cursor,
        limit,
      });
      return {
        entries: found,
        lines: await this.ledger.linesOf(
          em,
          found.slice(0, limit).map((e) => e.id),
        ),
      };
    });
    return toPage(
      entries,
      limit,
      (e) => e.id,
      (e) => toEntryDto(e, lines),
    );
  }

  /** Undoes an entry with its mirror image; an entry is reversed at most once. */
  async reverseEntry(entryId: string, dto: ReverseEntryDto): Promise<JournalEntryDto> {
    const reversal = await this.db.transaction(async (em) => {
      const original = await this.reversible(em, entryId);
      return this.reverse(em, original, dto.reason, Date.now());
    });
    return toEntryDto(reversal.entry, reversal.lines);
  }

  /**
   * Replaces an entry's figures: its reversal and an entry with the right amount and fee,
   * together, on today's bill. The original stays as it was.
   */
  async correctEntry(entryId: string, dto: CorrectEntryDto): Promise<CorrectionDto> {
    const { reversal, correction } = await this.db.transaction(async (em) => {
      const original = await this.reversible(em, entryId);
      const now = Date.now();
      const undone = await this.reverse(em, original, dto.reason, now);
      const replaced = await this.poster.correct(
        em,
        original,
        { amount: dto.amount, fee: dto.fee },
        dto.reason,
        now,
      );
      // the reversal was new, so its correction cannot exist yet
      if (!replaced) throw new Error(`correction of ${entryId} already posted`);
      return { reversal: undone, correction: replaced };
    });
    return {
      reversal: toEntryDto(reversal.entry, reversal.lines),
      correction: toEntryDto(correction.entry, correction.lines),
    };
  }

  private async reversible(em: EntityManager, entryId: string): Promise<PostedEntry> {
    const entry = await this.ledger.findEntry(em, entryId);
    if (!entry) throw ClearingError.entryNotFound();
    if (entry.kind === 'reversal') throw ClearingError.entryNotReversible(entry.kind);
    return { entry, lines: await this.ledger.linesOf(em, [entry.id]) };
  }

  private async reverse(
    em: EntityManager,
    original: PostedEntry,
    reason: string,
    now: number,
  ): Promise<PostedEntry> {
    const reversal = await this.poster.reverse(em, original, reason, now);
    if (!reversal) throw ClearingError.entryAlreadyReversed(original.entry.id);
    return reversal;
  }
}

function balanceCursor(key: string): { account: string; currency: string } {
  try {
    const [accountName, currency] = JSON.parse(key) as unknown[];
    if (typeof accountName === 'string' && typeof currency === 'string')
      return { account: accountName, currency };
  } catch {
    // fall through
  }
  throw new AppError('invalid_cursor');
}

function toBalanceDto(row: BalanceRow) {
  const debitNormal = row.accountType === 'channel_receivable';
  return {
    account: row.account,
    account_type: row.accountType,
    currency: row.currency,
    debit_total: row.debit,
    credit_total: row.credit,
    balance: debitNormal ? row.debit - row.credit : row.credit - row.debit,
  };
}

export function toEntryDto(entry: JournalEntryEntity, lines: JournalLineEntity[]): JournalEntryDto {
  return {
    entry_id: entry.id,
    kind: entry.kind,
    movement: entry.movement,
    order_id: entry.orderId,
    refund_id: entry.refundId,
    source_id: entry.sourceId,
    channel: entry.channelCode,
    currency: entry.currency,
    date: entry.settlementDate,
    related_entry_id: entry.relatedEntryId,
    memo: entry.memo,
    created_at: iso(entry.createdAt),
    lines: lines
      .filter((l) => l.entryId === entry.id)
      .sort((a, b) => a.lineNo - b.lineNo)
      .map((l) => ({
        account: l.account,
        account_type: l.accountType,
        currency: l.currency,
        debit: l.debit,
        credit: l.credit,
      })),
  };
}
