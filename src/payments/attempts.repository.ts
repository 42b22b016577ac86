import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
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

  async insertException(em: EntityManager, exception: PaymentExceptionEntity): Promise<void> {
    await em.insert(PaymentExceptionEntity, exception);
  }
}
