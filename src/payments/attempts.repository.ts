import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Database } from '../database/database.service';
import { OrderEntity } from './entities/order.entity';
import { PaymentAttemptEntity } from './entities/payment-attempt.entity';
import { PaymentExceptionEntity } from './entities/payment-exception.entity';

/** Append-only records of provider attempts and of notifications that could not be applied. */
@Injectable()
export class AttemptsRepository {
  async insert(em: EntityManager, ...events: PaymentAttemptEntity[]): Promise<void> {
    if (events.length > 0) await em.insert(PaymentAttemptEntity, events);
  }

  listByOrder(em: EntityManager, orderId: string): Promise<PaymentAttemptEntity[]> {
    return em.find(PaymentAttemptEntity, {
      where: { orderId },
      order: { seq: 'ASC', createdAt: 'ASC' },
    });
  }

  /** The highest attempt number of an order so far (0 without attempts). */
  async lastSeq(em: EntityManager, orderId: string): Promise<number> {
    const { rows } = await Database.sql(
      em,
      'SELECT MAX(seq) AS seq FROM payment_attempts WHERE order_id = :orderId',
      { orderId },
    );
    return Number(rows[0]?.seq ?? 0);
  }

  /**
   * The channels at which an order's attempts started, each once, in the order first tried:
   * where a trade may exist for it (a crash can leave a started attempt whose trade was made).
   */
  async startedChannels(em: EntityManager, orderId: string): Promise<string[]> {
    const { rows } = await Database.sql(
      em,
      `SELECT channel_id, MIN(seq) AS first FROM payment_attempts WHERE order_id = :orderId
       GROUP BY channel_id ORDER BY first`,
      { orderId },
    );
    return rows.map((row) => String(row.channel_id));
  }

  /**
   * Where the order may have trades to ask about or close: its channel once it has one, else
   * (the cashier's, before a wallet is paid) every channel an attempt made a trade at.
   */
  async channelsToAsk(em: EntityManager, order: OrderEntity): Promise<string[]> {
    return order.channelId !== null ? [order.channelId] : this.tradeChannels(em, order.orderId);
  }

  /** The channels that created a trade for the order (a succeeded attempt), each once. */
  async tradeChannels(em: EntityManager, orderId: string): Promise<string[]> {
    const { rows } = await Database.sql(
      em,
      `SELECT channel_id, MIN(seq) AS first FROM payment_attempts
       WHERE order_id = :orderId AND event = 'succeeded'
       GROUP BY channel_id ORDER BY first`,
      { orderId },
    );
    return rows.map((row) => String(row.channel_id));
  }

  async insertException(em: EntityManager, exception: PaymentExceptionEntity): Promise<void> {
    await em.insert(PaymentExceptionEntity, exception);
  }
}
