import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { proportionalShare } from '../common/money/money';
import { OutboxRepository } from '../webhooks/outbox.repository';
import { OrderEntity } from './entities/order.entity';
import { RefundEntity } from './entities/refund.entity';
import { statusAfterRefund } from './order-state';
import { OrdersRepository } from './orders.repository';
import { PaymentEffects } from './payment-effects';
import { RefundsRepository } from './refunds.repository';
import { toOrderDto, toRefundDto } from './order.mapper';

/**
 * Every state change of orders and refunds, each applied inside the caller's transaction as a
 * conditional update, with its merchant webhook event (outbox) and its ledger entries
 * (PaymentEffects) in the same transaction. A change that lost a race returns null and writes
 * nothing, so a duplicate or out-of-order report can never apply twice.
 */
@Injectable()
export class OrderTransitions {
  constructor(
    private readonly orders: OrdersRepository,
    private readonly refunds: RefundsRepository,
    private readonly outbox: OutboxRepository,
    private readonly effects: PaymentEffects,
  ) {}

  async succeed(
    em: EntityManager,
    orderId: string,
    paid: {
      paidAt: number;
      channelTradeNo: string | null;
      /** The channel that was paid, for an order that has none yet (see markSucceeded). */
      channel?: { channelId: string; channelCode: string; feeAmount: number };
    },
    now: number,
  ): Promise<OrderEntity | null> {
    const order = await this.orders.markSucceeded(em, orderId, { ...paid, now });
    if (!order) return null;
    await this.outbox.append(
      em,
      { sourceId: order.sourceId, type: 'payment.succeeded', orderId, data: toOrderDto(order) },
      now,
    );
    await this.effects.paymentSucceeded(em, order, now);
    return order;
  }

  async fail(em: EntityManager, orderId: string, now: number): Promise<OrderEntity | null> {
    const order = await this.orders.markFailed(em, orderId, now);
    if (!order) return null;
    await this.outbox.append(
      em,
      { sourceId: order.sourceId, type: 'payment.failed', orderId, data: toOrderDto(order) },
      now,
    );
    return order;
  }

  async close(em: EntityManager, orderId: string, now: number): Promise<OrderEntity | null> {
    const order = await this.orders.markClosed(em, orderId, now);
    if (!order) return null;
    await this.outbox.append(
      em,
      { sourceId: order.sourceId, type: 'payment.closed', orderId, data: toOrderDto(order) },
      now,
    );
    return order;
  }

  /**
   * close for several orders in one transaction (the expiry sweep's batches): one UPDATE, and
   * their events appended together. Returns the orders it closed; the others had moved on.
   */
  async closeMany(em: EntityManager, orderIds: string[], now: number): Promise<OrderEntity[]> {
    // the same lock order in every batch
    const closed = await this.orders.markClosedMany(em, [...orderIds].sort(), now);
    await this.outbox.appendMany(
      em,
      closed.map((order) => ({
        sourceId: order.sourceId,
        type: 'payment.closed' as const,
        orderId: order.orderId,
        data: toOrderDto(order),
      })),
      now,
    );
    return closed;
  }

  /**
   * A refund succeeded: it gives back its share of the payment's fee, round_half_up(fee ×
   * refund / amount), and the refund that completes a full refund gives back whatever fee is
   * left, so the fees refunded never exceed the fee charged. The order row is locked first, so
   * two refunds completing at once see each other's amounts.
   */
  async refundSucceeded(
    em: EntityManager,
    refundId: string,
    report: { channelRefundNo: string | null; completedAt: number },
    now: number,
  ): Promise<{ order: OrderEntity; refund: RefundEntity } | null> {
    const pending = await this.refunds.findById(em, refundId);
    if (!pending || pending.status !== 'PENDING') return null;
    const current = await this.orders.findForUpdate(em, pending.orderId);
    if (!current) return null;
    const refundedAfter = current.refundedAmount + pending.amount;
    const fee =
      refundedAfter >= current.amount
        ? current.feeAmount - current.feeRefundedAmount
        : Math.min(
            proportionalShare(current.feeAmount, pending.amount, current.amount),
            current.feeAmount - current.feeRefundedAmount,
          );
    const refund = await this.refunds.markSucceeded(em, refundId, {
      feeAmount: fee,
      channelRefundNo: report.channelRefundNo,
      completedAt: report.completedAt,
    });
    if (!refund) return null;
    const order = await this.orders.applyRefund(em, refund.orderId, {
      amount: refund.amount,
      fee,
      status: statusAfterRefund(current.amount, refundedAfter),
      now,
    });
    if (!order)
      throw new Error(
        `refund ${refundId} succeeded for order ${refund.orderId}, which is not refundable`,
      );
    await this.outbox.append(
      em,
      {
        sourceId: order.sourceId,
        type: 'refund.succeeded',
        orderId: order.orderId,
        refundId,
        data: toRefundDto(refund),
      },
      now,
    );
    await this.effects.refundSucceeded(em, order, refund, now);
    return { order, refund };
  }

  /** A refund failed: its reservation on the order is released. */
  async refundFailed(
    em: EntityManager,
    refundId: string,
    reason: string,
    now: number,
  ): Promise<RefundEntity | null> {
    const refund = await this.refunds.markFailed(em, refundId, reason, now);
    if (!refund) return null;
    await this.orders.releaseRefund(em, refund.orderId, refund.amount, now);
    await this.outbox.append(
      em,
      {
        sourceId: refund.sourceId,
        type: 'refund.failed',
        orderId: refund.orderId,
        refundId,
        data: toRefundDto(refund),
      },
      now,
    );
    return refund;
  }
}
