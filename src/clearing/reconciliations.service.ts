import { Injectable } from '@nestjs/common';
import { ChannelGateway } from '../channels/channel-gateway';
import { ProviderError, StatementLine } from '../channels/providers/payment-provider.port';
import { newId } from '../common/ids';
import { decodeCursor, DEFAULT_PAGE_SIZE, toPage } from '../common/pagination/pagination';
import { iso, settlementDayBounds } from '../common/time';
import { AppConfig } from '../config/app-config';
import { Database } from '../database/database.service';
import { PaymentExceptionEntity } from '../payments/entities/payment-exception.entity';
import { ClearingError } from './clearing.errors';
import {
  CreateReconciliationDto,
  ListReconciliationsQueryDto,
  ReconciliationDto,
  ReconciliationPageDto,
} from './dto/reconciliation.dto';
import { ReconciliationEntity } from './entities/reconciliation.entity';
import { Discrepancy, indexMovements, names, reconcile } from './reconcile';
import { ReconciliationsRepository } from './reconciliations.repository';
import { checkSettlementDate } from './settlement-dates';

/**
 * Reconciliation (对账): a channel's statement for a date against the gateway's own records.
 * The statement is fetched through the channel gateway before any database work (a provider is
 * never called inside a transaction); the result is stored, and every run of it is kept.
 */
@Injectable()
export class ReconciliationsService {
  constructor(
    private readonly db: Database,
    private readonly repository: ReconciliationsRepository,
    private readonly channels: ChannelGateway,
    private readonly config: AppConfig,
  ) {}

  async reconcile(dto: CreateReconciliationDto): Promise<ReconciliationDto> {
    const timeZone = this.config.env.SETTLEMENT_TZ;
    const date = checkSettlementDate(dto.date, timeZone, Date.now());
    const code = dto.channel;
    const statement = await this.fetchStatement(code, date);
    const { start, end } = settlementDayBounds(date, timeZone);
    const { inWindow, exceptions } = await this.db.run(async (em) => ({
      inWindow: await this.repository.movementsBetween(em, code, start, end),
      exceptions: await this.repository.exceptionsOn(em, date),
    }));
    const index = indexMovements(inWindow);
    inWindow.length = 0; // the index holds them now
    const elsewhere = statement.filter((l) => !names(index, l));
    const others = await this.db.run((em) =>
      this.repository.movementsByIds(em, {
        orderIds: unique(elsewhere.filter((l) => l.type === 'payment').map((l) => l.orderId)),
        refundIds: unique(
          elsewhere.flatMap((l) => (l.type === 'refund' && l.refundId ? [l.refundId] : [])),
        ),
      }),
    );
    const result = reconcile({
      channelCode: code,
      statement,
      gatewayMovements: index,
      otherGatewayRecords: others,
      exceptions: await this.exceptionsOfCode(exceptions, code),
    });
    const row: ReconciliationEntity = {
      reconciliationId: newId('rec'),
      settlementDate: date,
      channelCode: code,
      statementLineCount: statement.length,
      matchedCount: result.matchedCount,
      discrepancyCount: result.discrepancies.length,
      discrepancies: JSON.stringify(result.discrepancies),
      createdAt: Date.now(),
    };
    await this.db.run((em) => this.repository.insert(em, row));
    return toReconciliationDto(row);
  }

  async listReconciliations(query: ListReconciliationsQueryDto): Promise<ReconciliationPageDto> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const date =
      query.date === undefined
        ? undefined
        : checkSettlementDate(query.date, this.config.env.SETTLEMENT_TZ, Date.now(), {
            allowFuture: true,
          });
    const before = decodeCursor(query.cursor, 'text');
    const rows = await this.db.run((em) =>
      this.repository.list(em, {
        date,
        channelCode: query.channel,
        beforeId: before,
        limit,
      }),
    );
    return toPage(rows, limit, (r) => r.reconciliationId, toReconciliationDto);
  }

  private async fetchStatement(code: string, date: string): Promise<StatementLine[]> {
    try {
      return await this.channels.fetchStatement(code, date);
    } catch (error) {
      if (!(error instanceof ProviderError)) throw error;
      if (error.kind === 'rejected') throw ClearingError.statementUnavailable(date, error.message);
      throw ClearingError.channelUnavailable();
    }
  }

  /** Exceptions name a channel by id; keep those of channels that have (had) this code. */
  private async exceptionsOfCode(
    exceptions: PaymentExceptionEntity[],
    code: string,
  ): Promise<PaymentExceptionEntity[]> {
    const codes = new Map<string, string | undefined>();
    for (const channelId of unique(exceptions.map((e) => e.channelId))) {
      codes.set(channelId, (await this.channels.describe(channelId))?.code);
    }
    return exceptions.filter((e) => codes.get(e.channelId) === code);
  }
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}

function toReconciliationDto(row: ReconciliationEntity): ReconciliationDto {
  return {
    reconciliation_id: row.reconciliationId,
    date: row.settlementDate,
    channel: row.channelCode,
    statement_line_count: row.statementLineCount,
    matched_count: row.matchedCount,
    discrepancies: JSON.parse(row.discrepancies) as Discrepancy[],
    created_at: iso(row.createdAt),
  };
}
