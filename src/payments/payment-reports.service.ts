import { createHash } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { settlementDate } from '../common/time';
import { channelFee } from '../common/money/money';
import { ChannelGateway } from '../channels/channel-gateway';
import { AttemptsRepository } from './attempts.repository';
import { AppConfig } from '../config/app-config';
import { Database } from '../database/database.service';
import {
  PaymentStatusReport,
  RefundStatusReport,
} from '../channels/providers/payment-provider.port';
import { OrderEntity } from './entities/order.entity';
import { PaymentExceptionEntity, PaymentExceptionKind } from './entities/payment-exception.entity';
import { RefundEntity } from './entities/refund.entity';
import { OrderTransitions } from './order-transitions.service';
import { OrdersRepository } from './orders.repository';
import { RefundsRepository } from './refunds.repository';

/** What a channel said about a payment, from a notification or from a query. */
export type PaymentReport = Pick<
  PaymentStatusReport,
  'status' | 'channelTradeNo' | 'amount' | 'currency' | 'paidAt'
>;
export type RefundReport = Pick<
  RefundStatusReport,
  'status' | 'channelRefundNo' | 'amount' | 'completedAt'
>;

/**
 * Applies what a channel reports — by notification, status sync, expiry sweep or close — through
 * the one set of transitions. A report that contradicts the order (another amount or
 * currency, another channel, an unknown order) is kept as an exception and not applied.
 */
@Injectable()
export class PaymentReports {
  private readonly logger = new Logger(PaymentReports.name);

  constructor(
    private readonly db: Database,
    private readonly orders: OrdersRepository,
    private readonly refunds: RefundsRepository,
    private readonly transitions: OrderTransitions,
    private readonly attempts: AttemptsRepository,
    private readonly channels: ChannelGateway,
    private readonly config: AppConfig,
  ) {}

  async applyPaymentReport(
    channelId: string,
    orderId: string,
    report: PaymentReport,
  ): Promise<OrderEntity | null> {
    // a success gives an order without a channel (the cashier's) the channel paid, and its fee
    const paidChannel =
      report.status === 'SUCCEEDED' ? await this.channels.describe(channelId) : null;
    let tookOrder = false;
    const applied = await this.db.transaction(async (em) => {
      const now = Date.now();
      const order = await this.orders.findById(em, orderId);
      if (!order) {
        await this.recordException(em, 'unknown_order', channelId, { orderId, report }, now);
        return null;
      }
      const ours =
        order.channelId === null
          ? (await this.attempts.startedChannels(em, orderId)).includes(channelId)
          : order.channelId === channelId;
      if (!ours) {
        await this.recordException(em, 'channel_mismatch', channelId, { order, report }, now);
        return order;
      }
      // an order without a channel is waiting for one of its wallets to be paid: another
      // wallet's failure or close leaves it open for the others
      if (order.channelId === null && report.status !== 'SUCCEEDED') return order;
      switch (report.status) {
        case 'SUCCEEDED': {
          if (report.amount !== null && report.amount !== order.amount) {
            await this.recordException(em, 'amount_mismatch', channelId, { order, report }, now);
            return order;
          }
          if (report.currency !== null && report.currency !== order.currency) {
            await this.recordException(em, 'currency_mismatch', channelId, { order, report }, now);
            return order;
          }
          const paid = {
            paidAt: report.paidAt ?? now,
            channelTradeNo: report.channelTradeNo,
            channel: {
              channelId,
              channelCode: paidChannel?.code ?? order.channelCode ?? '',
              feeAmount: paidChannel
                ? channelFee(order.amount, paidChannel.feeRateBps, paidChannel.fixedFee)
                : order.feeAmount,
            },
          };
          const succeeded = await this.transitions.succeed(em, orderId, paid, now);
          tookOrder = succeeded !== null && order.channelId === null;
          return succeeded ?? order;
        }
        case 'FAILED':
          return (await this.transitions.fail(em, orderId, now)) ?? order;
        case 'CLOSED':
          return (await this.transitions.close(em, orderId, now)) ?? order;
        default:
          return order; // PENDING or NOT_FOUND: nothing has happened yet
      }
    });
    if (tookOrder) await this.closeOtherTrades(orderId, channelId);
    return applied;
  }

  /**
   * The first wallet paid: the trades the order's other attempts made are closed at their
   * channels, so the payer cannot pay twice. One that was paid meanwhile is applied like any
   * report, and so kept as an exception (channel_mismatch) for reconciliation and a refund.
   */
  private async closeOtherTrades(orderId: string, winner: string): Promise<void> {
    const channels = await this.db.run((em) => this.attempts.tradeChannels(em, orderId));
    for (const channelId of channels.filter((c) => c !== winner)) {
      try {
        const report = await this.channels.closePayment(channelId, orderId, null);
        if (report.status === 'SUCCEEDED') {
          await this.applyPaymentReport(channelId, orderId, report);
        }
      } catch (error) {
        this.logger.warn(
          { err: error, order_id: orderId, channel_id: channelId },
          'the trade of another attempt could not be closed',
        );
      }
    }
  }

  async applyRefundReport(
    channelId: string,
    refundId: string,
    report: RefundReport,
  ): Promise<RefundEntity | null> {
    return this.db.transaction(async (em) => {
      const now = Date.now();
      const refund = await this.refunds.findById(em, refundId);
      if (!refund) {
        await this.recordException(em, 'unknown_refund', channelId, { refundId, report }, now);
        return null;
      }
      if (refund.channelId !== channelId) {
        await this.recordException(em, 'channel_mismatch', channelId, { refundId, report }, now);
        return refund;
      }
      if (report.status === 'SUCCEEDED') {
        if (report.amount !== null && report.amount !== refund.amount) {
          await this.recordException(
            em,
            'amount_mismatch',
            channelId,
            { refundId, refund, report },
            now,
          );
          return refund;
        }
        const done = await this.transitions.refundSucceeded(
          em,
          refundId,
          { channelRefundNo: report.channelRefundNo, completedAt: report.completedAt ?? now },
          now,
        );
        return done?.refund ?? refund;
      }
      if (report.status === 'FAILED')
        return (
          (await this.transitions.refundFailed(
            em,
            refundId,
            'the channel refused the refund',
            now,
          )) ?? refund
        );
      return refund;
    });
  }

  /**
   * One row per distinct contradiction: the id is derived from what was reported, so the same
   * notification delivered fifty times is recorded once.
   */
  private async recordException(
    em: EntityManager,
    kind: PaymentExceptionKind,
    channelId: string,
    facts: {
      orderId?: string;
      refundId?: string;
      order?: OrderEntity;
      refund?: RefundEntity;
      report: PaymentReport | RefundReport;
    },
    now: number,
  ): Promise<void> {
    const { order, refund, report } = facts;
    const reportedCurrency = 'currency' in report ? report.currency : null;
    const row: PaymentExceptionEntity = {
      id: '',
      kind,
      channelId,
      orderId: order?.orderId ?? refund?.orderId ?? facts.orderId ?? null,
      refundId: refund?.refundId ?? facts.refundId ?? null,
      channelTradeNo: 'channelTradeNo' in report ? report.channelTradeNo : null,
      expectedAmount: refund?.amount ?? order?.amount ?? null,
      reportedAmount: report.amount,
      expectedCurrency: order?.currency ?? refund?.currency ?? null,
      reportedCurrency,
      reportedStatus: report.status,
      settlementDate: settlementDate(now, this.config.env.SETTLEMENT_TZ),
      createdAt: now,
    };
    const identity = [
      kind,
      channelId,
      row.orderId,
      row.refundId,
      row.reportedAmount,
      row.reportedCurrency,
      row.reportedStatus,
    ].join('|');
    row.id = `exc_${createHash('sha256').update(identity).digest('hex').slice(0, 32)}`;
    await Database.sql(
      em,
      `INSERT INTO payment_exceptions (id, kind, channel_id, order_id, refund_id, channel_trade_no, expected_amount,
         reported_amount, expected_currency, reported_currency, reported_status, settlement_date, created_at)
       VALUES (:id, :kind, :channelId, :orderId, :refundId, :channelTradeNo, :expectedAmount, :reportedAmount,
         :expectedCurrency, :reportedCurrency, :reportedStatus, :settlementDate, :createdAt)
       ON CONFLICT (id) DO NOTHING`,
      { ...row },
    );
    this.logger.warn(
      { kind, channel_id: channelId, order_id: row.orderId, refund_id: row.refundId },
      'channel report not applied',
    );
  }
}
