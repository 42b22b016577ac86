import { Injectable } from '@nestjs/common';
import { Principal } from '../auth/principal';
import { ChannelGateway } from '../channels/channel-gateway';
import {
  ProviderError,
  RefundRequest,
  RefundStatusReport,
} from '../channels/providers/payment-provider.port';
import { AppError } from '../common/errors/app-error';
import { HttpResult, withStatus } from '../common/http/envelope';
import { decodeCursor, toPage } from '../common/pagination/pagination';
import { parseTimestamp } from '../common/time';
import { newId } from '../common/ids';
import { AppConfig } from '../config/app-config';
import { isUniqueViolation } from '../database/database-errors';
import { Database } from '../database/database.service';
import { QueryRefundsDto, RefundPageDto } from './dto/query-refunds.dto';
import { CreateRefundDto, RefundDto, RefundListDto } from './dto/refund.dto';
import { OrderEntity } from './entities/order.entity';
import { RefundEntity } from './entities/refund.entity';
import { canChange } from './order-state';
import { toRefundDto } from './order.mapper';
import { OrderTransitions } from './order-transitions.service';
import { OrdersRepository } from './orders.repository';
import { PaymentError } from './payments.errors';
import { PaymentReports } from './payment-reports.service';
import { PaymentsService } from './payments.service';
import { RefundsRepository } from './refunds.repository';

/**
 * Refunds: the amount is set aside on the order in the same statement that checks it (so
 * concurrent refunds can never together exceed what was paid), the refund is recorded, and only
 * then is the channel asked. A channel that does not answer leaves the refund PENDING; the
 * status sync asks again later, so a refund is never reported as failed while it may have
 * happened.
 */
@Injectable()
export class RefundsService {
  constructor(
    private readonly db: Database,
    private readonly orders: OrdersRepository,
    private readonly refunds: RefundsRepository,
    private readonly transitions: OrderTransitions,
    private readonly reports: PaymentReports,
    private readonly payments: PaymentsService,
    private readonly channels: ChannelGateway,
    private readonly config: AppConfig,
  ) {}

  async createRefund(
    principal: Principal,
    orderId: string,
    dto: CreateRefundDto,
  ): Promise<RefundDto | HttpResult<RefundDto>> {
    const order = await this.payments.readable(principal, orderId);
    if (dto.merchant_refund_no) {
      const existing = await this.db.run((em) =>
        this.refunds.findByMerchantRefundNo(em, order.sourceId, dto.merchant_refund_no!),
      );
      if (existing) return this.repeated(existing, order, dto);
    }
    if (!canChange('refund', order.status) || order.channelId === null)
      throw PaymentError.invalidState('order', order.status);
    const now = Date.now();
    const refund: RefundEntity = {
      refundId: newId('re'),
      orderId,
      sourceId: order.sourceId,
      merchantRefundNo: dto.merchant_refund_no ?? null,
      amount: dto.amount,
      currency: order.currency,
      status: 'PENDING',
      reason: dto.reason ?? null,
      feeAmount: 0,
      channelId: order.channelId,
      channelRefundNo: null,
      failureReason: null,
      nextSyncAt: this.syncAt(now, 0),
      createdAt: now,
      completedAt: null,
    };
    try {
      await this.db.transaction(async (em) => {
        const reserved = await this.orders.reserveRefund(em, orderId, dto.amount, now);
        if (!reserved) {
          const current = await this.orders.findById(em, orderId);
          if (!current || !canChange('refund', current.status))
            throw PaymentError.invalidState('order', current?.status ?? 'unknown');
          throw PaymentError.refundExceedsAmount(current.amount - current.refundReservedAmount);
        }
        await this.refunds.insert(em, refund);
      });
    } catch (error) {
      if (!isUniqueViolation(error) || !dto.merchant_refund_no) throw error;
      const existing = await this.db.run((em) =>
        this.refunds.findByMerchantRefundNo(em, order.sourceId, dto.merchant_refund_no!),
      );
      if (!existing) throw error;
      return this.repeated(existing, order, dto);
    }
    return toRefundDto(await this.askChannel(refund, order));
  }

  async listRefunds(principal: Principal, orderId: string): Promise<RefundListDto> {
    await this.payments.readable(principal, orderId);
    const rows = await this.db.run((em) => this.refunds.listByOrder(em, orderId));
    return { items: rows.map(toRefundDto), next_cursor: null };
  }

  /**
   * 退款列表: the refunds the caller may see, newest first. Operators see every merchant's (or
   * one's, with `source_id`); a merchant only its own, and naming another is 403.
   */
  async queryRefunds(principal: Principal, query: QueryRefundsDto): Promise<RefundPageDto> {
    if (
      principal.role !== 'admin' &&
      query.source_id !== undefined &&
      query.source_id !== principal.sourceId
    ) {
      throw PaymentError.sourceIdMismatch(query.source_id);
    }
    const createdFrom =
      query.created_from === undefined ? undefined : parseTimestamp(query.created_from);
    const createdTo = query.created_to === undefined ? undefined : parseTimestamp(query.created_to);
    if (createdFrom !== undefined && createdTo !== undefined && createdTo <= createdFrom) {
      throw AppError.validation([
        { field: 'created_to', message: 'created_to must come after created_from' },
      ]);
    }
    const limit = query.limit ?? 20;
    const rows = await this.db.run((em) =>
      this.refunds.list(em, {
        sourceId: principal.role === 'admin' ? query.source_id : (principal.sourceId ?? -1),
        status: query.status,
        orderId: query.order_id,
        createdFrom,
        createdTo,
        beforeRefundId: decodeCursor(query.cursor, 'text'),
        limit: limit + 1,
      }),
    );
    return toPage(
      rows,
      limit,
      (row) => row.refund.refundId,
      (row) => ({
        ...toRefundDto(row.refund),
        source_id: row.refund.sourceId,
        merchant_order_no: row.merchantOrderNo,
      }),
    );
  }

  /** Asks the channel about a PENDING refund (status sync) and applies the answer. */
  async syncRefund(refund: RefundEntity): Promise<RefundEntity | null> {
    const order = await this.db.run((em) => this.orders.findById(em, refund.orderId));
    if (!order) return null;
    let report: RefundStatusReport;
    try {
      report = await this.channels.queryRefund(refund.channelId, refundRequest(refund, order));
    } catch (error) {
      if (error instanceof ProviderError) return this.scheduleNextSync(refund);
      throw error;
    }
    if (report.status === 'SUCCEEDED' || report.status === 'FAILED') {
      return this.reports.applyRefundReport(refund.channelId, refund.refundId, report);
    }
    return this.scheduleNextSync(refund);
  }

  private async askChannel(refund: RefundEntity, order: OrderEntity): Promise<RefundEntity> {
    let report: RefundStatusReport;
    try {
      report = await this.channels.refund(refund.channelId, refundRequest(refund, order));
    } catch (error) {
      if (!(error instanceof ProviderError)) throw error;
      if (error.kind === 'rejected') {
        const failed = await this.db.transaction((em) =>
          this.transitions.refundFailed(em, refund.refundId, error.message, Date.now()),
        );
        return failed ?? refund;
      }
      // no answer: it may have happened; the status sync will ask
      return refund;
    }
    if (report.status === 'SUCCEEDED' || report.status === 'FAILED') {
      return (
        (await this.reports.applyRefundReport(refund.channelId, refund.refundId, report)) ?? refund
      );
    }
    await this.db.run((em) =>
      this.refunds.recordChannelRefundNo(
        em,
        refund.refundId,
        report.channelRefundNo,
        refund.nextSyncAt,
      ),
    );
    return (await this.db.run((em) => this.refunds.findById(em, refund.refundId))) ?? refund;
  }

  private async scheduleNextSync(refund: RefundEntity): Promise<RefundEntity> {
    const next = this.syncAfter(refund.createdAt, Date.now());
    await this.db.run((em) => this.refunds.recordChannelRefundNo(em, refund.refundId, null, next));
    return refund;
  }

  /** The same merchant_refund_no again: the same refund (200), or 409 if it asked for something else. */
  private repeated(
    existing: RefundEntity,
    order: OrderEntity,
    dto: CreateRefundDto,
  ): HttpResult<RefundDto> {
    if (existing.orderId !== order.orderId || existing.amount !== dto.amount) {
      throw PaymentError.duplicateMerchantRefundNo(dto.merchant_refund_no!);
    }
    return withStatus(200, toRefundDto(existing));
  }

  private syncAt(createdAt: number, index: number): number | null {
    const offset = this.config.env.STATUS_SYNC_SCHEDULE[index];
    return offset === undefined ? null : createdAt + offset * 1000;
  }

  /** The next point of STATUS_SYNC_SCHEDULE after `now`; past the last one, a check every last interval. */
  private syncAfter(createdAt: number, now: number): number {
    const schedule = this.config.env.STATUS_SYNC_SCHEDULE;
    for (const offset of schedule)
      if (createdAt + offset * 1000 > now) return createdAt + offset * 1000;
    return now + (schedule[schedule.length - 1] ?? 900) * 1000;
  }
}

function refundRequest(refund: RefundEntity, order: OrderEntity): RefundRequest {
  return {
    orderId: order.orderId,
    refundId: refund.refundId,
    channelTradeNo: order.channelTradeNo,
    amount: refund.amount,
    orderAmount: order.amount,
    currency: refund.currency,
    reason: refund.reason,
  };
}
