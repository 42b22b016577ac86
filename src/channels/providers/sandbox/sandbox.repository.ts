import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Database } from '../../../database/database.service';
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

  /** Payments of a channel paid within [start, end). */
  paidBetween(
    em: EntityManager,
    channelId: string,
    start: number,
    end: number,
  ): Promise<SandboxPaymentEntity[]> {
    return em
      .createQueryBuilder(SandboxPaymentEntity, 'p')
      .where('p.channel_id = :channelId AND p.status = :status', { channelId, status: 'SUCCEEDED' })
      .andWhere('p.paid_at >= :start AND p.paid_at < :end', { start, end })
      .orderBy('p.paid_at', 'ASC')
      .getMany();
  }

  /** Refunds of a channel completed within [start, min(end, now)]. */
  completedBetween(
    em: EntityManager,
    channelId: string,
    start: number,
    end: number,
    now: number,
  ): Promise<SandboxRefundEntity[]> {
    return em
      .createQueryBuilder(SandboxRefundEntity, 'r')
      .where('r.channel_id = :channelId', { channelId })
      .andWhere('r.completes_at >= :start AND r.completes_at < :end AND r.completes_at <= :now', {
        start,
        end,
        now,
      })
      .orderBy('r.completes_at', 'ASC')
      .getMany();
  }
}
