import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Interner } from '../common/interner';
import { toSafeInteger } from '../database/columns';
import { Database } from '../database/database.service';
import { PaymentExceptionEntity } from '../payments/entities/payment-exception.entity';
import { ReconciliationEntity } from './entities/reconciliation.entity';
import { GatewayMovement } from './reconcile';

const PAID = ['SUCCEEDED', 'PARTIALLY_REFUNDED', 'REFUNDED'];
/**
 * Only what a comparison reads, as plain rows: a day may hold hundreds of thousands of
 * movements, and whole entities cost several times the memory.
 */
const PAYMENT_COLUMNS =
  'order_id, channel_trade_no, channel_code, amount, currency, fee_amount, status';
const REFUND_COLUMNS = `r.refund_id, r.order_id, r.amount, r.currency, r.fee_amount, r.status,
  o.channel_code AS order_channel_code, o.channel_trade_no AS order_channel_trade_no`;
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
    const strings = new Interner();
    // the drivers' rows are dropped as soon as they are mapped
    const found = (
      await Database.sql(
        em,
        `SELECT ${PAYMENT_COLUMNS} FROM orders
         WHERE channel_code = :channelCode AND status IN (:...paid)
           AND paid_at >= :start AND paid_at < :end`,
        { channelCode, paid: PAID, start, end },
      )
    ).rows.map((row) => paymentOf(row, strings));
    const refunds = await Database.sql(
      em,
      `SELECT ${REFUND_COLUMNS} FROM refunds r JOIN orders o ON o.order_id = r.order_id
       WHERE o.channel_code = :channelCode AND r.status = 'SUCCEEDED'
         AND r.completed_at >= :start AND r.completed_at < :end`,
      { channelCode, start, end },
    );
    for (const row of refunds.rows) found.push(refundOf(row, strings));
    return found;
  }

  /** Payments and refunds by id, whatever their state or time. */
  async movementsByIds(
    em: EntityManager,
    ids: { orderIds: string[]; refundIds: string[] },
  ): Promise<GatewayMovement[]> {
    const strings = new Interner();
    const found: GatewayMovement[] = [];
    for (const orderIds of chunks(ids.orderIds)) {
      const { rows } = await Database.sql(
        em,
        `SELECT ${PAYMENT_COLUMNS} FROM orders WHERE order_id IN (:...orderIds)`,
        { orderIds },
      );
      for (const row of rows) found.push(paymentOf(row, strings));
    }
    for (const refundIds of chunks(ids.refundIds)) {
      const { rows } = await Database.sql(
        em,
        `SELECT ${REFUND_COLUMNS} FROM refunds r JOIN orders o ON o.order_id = r.order_id
         WHERE r.refund_id IN (:...refundIds)`,
        { refundIds },
      );
      for (const row of rows) found.push(refundOf(row, strings));
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

function paymentOf(row: Record<string, unknown>, strings: Interner): GatewayMovement {
  const status = strings.of(row.status as string);
  return {
    type: 'payment',
    orderId: row.order_id as string,
    refundId: null,
    channelTradeNo: (row.channel_trade_no as string | null) ?? null,
    channelCode: strings.of((row.channel_code as string | null) ?? null),
    amount: toSafeInteger(row.amount),
    currency: strings.of(row.currency as string),
    fee: toSafeInteger(row.fee_amount),
    status,
    succeeded: PAID.includes(status),
  };
}

function refundOf(row: Record<string, unknown>, strings: Interner): GatewayMovement {
  const status = strings.of(row.status as string);
  return {
    type: 'refund',
    orderId: row.order_id as string,
    refundId: row.refund_id as string,
    channelTradeNo: (row.order_channel_trade_no as string | null) ?? null,
    channelCode: strings.of((row.order_channel_code as string | null) ?? null),
    amount: toSafeInteger(row.amount),
    currency: strings.of(row.currency as string),
    fee: toSafeInteger(row.fee_amount),
    status,
    succeeded: status === 'SUCCEEDED',
  };
}

function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += ID_CHUNK) out.push(items.slice(i, i + ID_CHUNK));
  return out;
}
