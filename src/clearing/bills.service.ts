import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Principal } from '../auth/principal';
import {
  decodeCursor,
  DEFAULT_PAGE_SIZE,
  PageQueryDto,
  toPage,
} from '../common/pagination/pagination';
import { iso } from '../common/time';
import { AppConfig } from '../config/app-config';
import { Database } from '../database/database.service';
import { billCsvLines } from './bill-csv';
import { BillsRepository } from './bills.repository';
import { ClearingError } from './clearing.errors';
import {
  BillDetailDto,
  BillDto,
  BillLineDto,
  BillPageDto,
  ListBillsQueryDto,
} from './dto/bill.dto';
import { BillLineEntity } from './entities/bill-line.entity';
import { BillEntity } from './entities/bill.entity';
import { checkSettlementDate } from './settlement-dates';

/** Lines per query of a bill download. */
const DOWNLOAD_BATCH = 5000;

/** 账单查询: merchants read their own bills, admins any. Another merchant's bill is 404. */
@Injectable()
export class BillsService {
  constructor(
    private readonly db: Database,
    private readonly bills: BillsRepository,
    private readonly config: AppConfig,
  ) {}

  async listBills(principal: Principal, query: ListBillsQueryDto): Promise<BillPageDto> {
    const date = checkSettlementDate(query.date, this.config.env.SETTLEMENT_TZ, Date.now(), {
      allowFuture: true,
    });
    let sourceId = query.source_id;
    if (principal.role !== 'admin') {
      if (sourceId !== undefined && sourceId !== principal.sourceId)
        throw ClearingError.sourceIdMismatch(sourceId);
      sourceId = principal.sourceId ?? undefined;
    }
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const after = decodeCursor(query.cursor, 'text');
    const rows = await this.db.run((em) =>
      this.bills.listBills(em, {
        date,
        sourceId,
        currency: query.currency,
        afterBillId: after,
        limit,
      }),
    );
    return toPage(rows, limit, (b) => b.billId, toBillDto);
  }

  async getBill(principal: Principal, billId: string, query: PageQueryDto): Promise<BillDetailDto> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const afterLineNo = decodeCursor(query.cursor, 'integer') ?? 0;
    const { bill, lines } = await this.db.run(async (em) => {
      const found = await this.readable(em, principal, billId);
      return { bill: found, lines: await this.bills.listLines(em, billId, afterLineNo, limit) };
    });
    return {
      ...toBillDto(bill),
      lines: toPage(lines, limit, (l) => l.lineNo, toBillLineDto),
    };
  }

  /**
   * The bill as CSV lines, its lines read by keyset batches of DOWNLOAD_BATCH: a 200,000-line
   * bill streams in flat memory instead of being built whole. The bill is checked (and a
   * missing one answered 404) before the first byte.
   */
  async downloadBill(
    principal: Principal,
    billId: string,
  ): Promise<{ filename: string; lines: AsyncIterable<string> }> {
    const bill = await this.db.run((em) => this.readable(em, principal, billId));
    const batches = linesInBatches(
      (after, limit) => this.db.run((em) => this.bills.listLines(em, billId, after, limit)),
      DOWNLOAD_BATCH,
    );
    return { filename: `${bill.billId}.csv`, lines: billCsvLines(bill, batches) };
  }

  private async readable(
    em: EntityManager,
    principal: Principal,
    billId: string,
  ): Promise<BillEntity> {
    const bill = await this.bills.findBill(em, billId);
    if (!bill || (principal.role !== 'admin' && bill.sourceId !== principal.sourceId))
      throw ClearingError.billNotFound();
    return bill;
  }
}

/**
 * Every line of a bill in line order, read `batch` at a time after the last line number seen.
 * `read(after, limit)` returns up to limit + 1 lines (the extra one says there are more).
 */
export async function* linesInBatches(
  read: (afterLineNo: number, limit: number) => Promise<BillLineEntity[]>,
  batch: number,
): AsyncGenerator<BillLineEntity> {
  let after = 0;
  for (;;) {
    const rows = await read(after, batch);
    yield* rows.slice(0, batch);
    if (rows.length <= batch) return;
    after = rows[batch - 1].lineNo;
  }
}

export function toBillDto(bill: BillEntity): BillDto {
  return {
    bill_id: bill.billId,
    source_id: bill.sourceId,
    date: bill.settlementDate,
    currency: bill.currency,
    payment_count: bill.paymentCount,
    payment_amount: bill.paymentAmount,
    refund_count: bill.refundCount,
    refund_amount: bill.refundAmount,
    fee_amount: bill.feeAmount,
    net_amount: bill.netAmount,
    status: bill.status,
    generated_at: iso(bill.generatedAt),
  };
}

function toBillLineDto(line: BillLineEntity): BillLineDto {
  return {
    line_no: line.lineNo,
    entry_id: line.entryId,
    type: line.type,
    order_id: line.orderId,
    refund_id: line.refundId,
    merchant_order_no: line.merchantOrderNo,
    channel: line.channelCode,
    amount: line.amount,
    fee: line.fee,
    net: line.net,
    occurred_at: iso(line.occurredAt),
  };
}
