import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { toSafeInteger } from '../../../database/columns';
import { Database } from '../../../database/database.service';
import { Interner } from '../../../common/interner';
import { SandboxPaymentEntity } from './entities/sandbox-payment.entity';
import { SandboxRefundEntity } from './entities/sandbox-refund.entity';

/** The sandbox provider's own books: what a real provider would keep on its side. */
@Injectable()
export class SandboxRepository {
  findPayment(em: EntityManager, orderId: string): Promise<SandboxPaymentEntity | null> {
    return em.findOneBy(SandboxPaymentEntity, { orderId });
  }

  /** Records the first outcome of a trade; false when one was already recorded. */
  async insertOutcome(em: EntityManager, row: SandboxPaymentEntity): Promise<boolean> {
    const { affected } = await Database.sql(
      em,
      `INSERT INTO sandbox_payments
         (order_id, channel_id, trade_no, status, amount, currency, refunded_amount, created_at, paid_at)
       VALUES (:orderId, :channelId, :tradeNo, :status, :amount, :currency, 0, :createdAt, :paidAt)
       ON CONFLICT (order_id) DO NOTHING
       RETURNING order_id`,
      { ...row },
    );
    return affected > 0;
  }

  findRefund(em: EntityManager, refundId: string): Promise<SandboxRefundEntity | null> {
    return em.findOneBy(SandboxRefundEntity, { refundId });
  }

  /**
   * Adds a refund to a paid trade if the refunded total stays within the paid amount; false
   * otherwise. The row lock makes concurrent refunds of one trade queue behind each other.
   */
  async addRefunded(
    em: EntityManager,
    orderId: string,
    channelId: string,
    amount: number,
    currency: string,
  ): Promise<boolean> {
    const { affected } = await Database.sql(
      em,
      `UPDATE sandbox_payments SET refunded_amount = refunded_amount + :amount
       WHERE order_id = :orderId AND channel_id = :channelId AND status = 'SUCCEEDED'
         AND currency = :currency AND refunded_amount + :amount <= amount
       RETURNING order_id`,
      { orderId, channelId, amount, currency },
    );
    return affected > 0;
  }

  async insertRefund(em: EntityManager, row: SandboxRefundEntity): Promise<void> {
    await em.insert(SandboxRefundEntity, row);
  }

  /**
   * Payments of a channel paid within [start, end): only what a statement line shows, as plain
   * rows (a day may hold hundreds of thousands; entities would cost several times the memory).
   */
  async paidBetween(
    em: EntityManager,
    channelId: string,
    start: number,
    end: number,
  ): Promise<StatementPayment[]> {
    const { rows } = await Database.sql<Record<string, unknown>>(
      em,
      `SELECT order_id, trade_no, amount, currency, paid_at FROM sandbox_payments
       WHERE channel_id = :channelId AND status = 'SUCCEEDED'
         AND paid_at >= :start AND paid_at < :end
       ORDER BY paid_at ASC`,
      { channelId, start, end },
    );
    const currencies = new Interner();
    return rows.map((row) => ({
      orderId: row.order_id as string,
      tradeNo: row.trade_no as string,
      amount: toSafeInteger(row.amount),
      currency: currencies.of(row.currency as string),
      paidAt: toSafeInteger(row.paid_at),
    }));
  }

  /** Refunds of a channel completed within [start, min(end, now)], as plain rows. */
  async completedBetween(
    em: EntityManager,
    channelId: string,
    start: number,
    end: number,
    now: number,
  ): Promise<StatementRefund[]> {
    const { rows } = await Database.sql<Record<string, unknown>>(
      em,
      `SELECT refund_id, order_id, amount, currency, completes_at FROM sandbox_refunds
       WHERE channel_id = :channelId
         AND completes_at >= :start AND completes_at < :end AND completes_at <= :now
       ORDER BY completes_at ASC`,
      { channelId, start, end, now },
    );
    const currencies = new Interner();
    return rows.map((row) => ({
      refundId: row.refund_id as string,
      orderId: row.order_id as string,
      amount: toSafeInteger(row.amount),
      currency: currencies.of(row.currency as string),
      completesAt: toSafeInteger(row.completes_at),
    }));
  }
}

export interface StatementPayment {
  orderId: string;
  tradeNo: string;
  amount: number;
  currency: string;
  paidAt: number;
}

export interface StatementRefund {
  refundId: string;
  orderId: string;
  amount: number;
  currency: string;
  completesAt: number;
}
