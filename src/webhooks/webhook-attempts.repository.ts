import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { WebhookAttemptEntity } from './entities/webhook-attempt.entity';

/** The delivery log: rows are added, never changed. */
@Injectable()
export class WebhookAttemptsRepository {
  async insert(em: EntityManager, attempt: WebhookAttemptEntity): Promise<void> {
    await em.insert(WebhookAttemptEntity, attempt);
  }

  /** The latest `limit` attempts of an event, oldest first. */
  async latestForEvent(
    em: EntityManager,
    eventId: string,
    limit: number,
  ): Promise<WebhookAttemptEntity[]> {
    const newestFirst = await em.find(WebhookAttemptEntity, {
      where: { eventId },
      order: { attempt: 'DESC', attemptedAt: 'DESC', id: 'DESC' },
      take: limit,
    });
    return newestFirst.reverse();
  }
}
