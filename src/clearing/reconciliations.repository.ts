import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Database } from '../database/database.service';
import { OrderEntity } from '../payments/entities/order.entity';
import { PaymentExceptionEntity } from '../payments/entities/payment-exception.entity';
import { RefundEntity } from '../payments/entities/refund.entity';
import { ReconciliationEntity } from './entities/reconciliation.entity';
import { GatewayMovement } from './reconcile';

const PAID = ['SUCCEEDED', 'PARTIALLY_REFUNDED', 'REFUNDED'];
/** Ids per IN list: well inside both engines' limits on bound parameters. */
const ID_CHUNK = 500;

/**
 * What reconciliation reads of the gateway's records (orders, refunds and notification
 * exceptions, owned by payments; read only) and the reconciliations it stores.
 */
@Injectable()
export class ReconciliationsRepository {
  /**
   * Payments and refunds of a channel code whose time at the channel (paid_at, completed_at:
   * what the channel reported) falls in [start, end). The channel's statement is cut by the
   * same clock, so a notification that arrived after midnight still matches its day.
   */
  async movementsBetween(
    em: EntityManager,
    channelCode: string,
    start: number,
    end: number,
  ): Promise<GatewayMovement[]> {
    const orders = await Database.sql(
      em,
      `SELECT * FROM orders WHERE channel_code = :channelCode AND status IN (:...paid)
         AND paid_at >= :start AND paid_at < :end`,
      { channelCode, paid: PAID, start, end },
    );
    const refunds = await Database.sql(
      em,
      `SELECT r.*, o.channel_code AS order_channel_code, o.channel_trade_no AS order_channel_trade_no
       FROM refunds r JOIN orders o ON o.order_id = r.order_id
       WHERE o.channel_code = :channelCode AND r.status = 'SUCCEEDED'
         AND r.completed_at >= :start AND r.completed_at < :end`,
      { channelCode, start, end },
    );
    return [
      ...orders.rows.map((row) => paymentOf(Database.hydrate(em, OrderEntity, row))),
      ...refunds.rows.map((row) => refundOf(em, row)),
    ];
  }

  /** Payments and refunds by id, whatever their state or time. */
  async movementsByIds(
    em: EntityManager,
    ids: { orderIds: string[]; refundIds: string[] },
  ): Promise<GatewayMovement[]> {
    const found: GatewayMovement[] = [];
    for (const orderIds of chunks(ids.orderIds)) {
      const { rows } = await Database.sql(
        em,
        `SELECT * FROM orders WHERE order_id IN (:...orderIds)`,
        { orderIds },
      );
      found.push(...rows.map((row) => paymentOf(Database.hydrate(em, OrderEntity, row))));
    }
    for (const refundIds of chunks(ids.refundIds)) {
      const { rows } = await Database.sql(
        em,
        `SELECT r.*, o.channel_code AS order_channel_code, o.channel_trade_no AS order_channel_trade_no
         FROM refunds r JOIN orders o ON o.order_id = r.order_id
         WHERE r.refund_id IN (:...refundIds)`,
        { refundIds },
      );
      found.push(...rows.map((row) => refundOf(em, row)));
    }
    return found;
  }

  exceptionsOn(em: EntityManager, date: string): Promise<PaymentExceptionEntity[]> {
    return em.find(PaymentExceptionEntity, {
      where: { settlementDate: date },
      order: { id: 'ASC' },
    });
  }

  async insert(em: EntityManager, row: ReconciliationEntity): Promise<void> {
    await em.insert(ReconciliationEntity, row);
  }

  /** Newest first. */
  list(
    em: EntityManager,
    filter: { date?: string; channelCode?: string; beforeId?: string; limit: number },
  ): Promise<ReconciliationEntity[]> {
    const qb = em
      .createQueryBuilder(ReconciliationEntity, 'r')
      .orderBy('r.reconciliation_id', 'DESC')
      .take(filter.limit + 1);
    if (filter.date) qb.andWhere('r.settlement_date = :date', { date: filter.date });
    if (filter.channelCode)
      qb.andWhere('r.channel_code = :channelCode', { channelCode: filter.channelCode });
    if (filter.beforeId) qb.andWhere('r.reconciliation_id < :before', { before: filter.beforeId });
    return qb.getMany();
  }
}

function paymentOf(order: OrderEntity): GatewayMovement {
  return {
    type: 'payment',
    orderId: order.orderId,
    refundId: null,
    channelTradeNo: order.channelTradeNo,
    channelCode: order.channelCode,
    amount: order.amount,
    currency: order.currency,
    fee: order.feeAmount,
    status: order.status,
    succeeded: PAID.includes(order.status),
  };
}

function refundOf(em: EntityManager, row: Record<string, unknown>): GatewayMovement {
  const refund = Database.hydrate(em, RefundEntity, row);
  return {
    type: 'refund',
    orderId: refund.orderId,
    refundId: refund.refundId,
    channelTradeNo: (row.order_channel_trade_no as string | null) ?? null,
    channelCode: (row.order_channel_code as string | null) ?? null,
    amount: refund.amount,
    currency: refund.currency,
    fee: refund.feeAmount,
    status: refund.status,
    succeeded: refund.status === 'SUCCEEDED',
  };
}

function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += ID_CHUNK) out.push(items.slice(i, i + ID_CHUNK));
  return out;
}
