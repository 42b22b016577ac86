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
import { billCsv } from './bill-csv';
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

  async downloadBill(
    principal: Principal,
    billId: string,
  ): Promise<{ filename: string; csv: string }> {
    const { bill, lines } = await this.db.run(async (em) => {
      const found = await this.readable(em, principal, billId);
      return { bill: found, lines: await this.bills.listLines(em, billId) };
    });
    return { filename: `${bill.billId}.csv`, csv: billCsv(bill, lines) };
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
