import { Injectable } from '@nestjs/common';
import { EntityManager, In, LessThan } from 'typeorm';
import { Database } from '../database/database.service';
import { toSafeIntegerOrZero } from '../database/columns';
import { MerchantEntity, MerchantStatus } from './entities/merchant.entity';

/** Merchant codes start here, as in the original document's examples (1000001). */
const FIRST_SOURCE_ID = 1000001;

@Injectable()
export class MerchantsRepository {
  findBySourceId(em: EntityManager, sourceId: number): Promise<MerchantEntity | null> {
    return em.findOneBy(MerchantEntity, { sourceId });
  }

  /** The next merchant code; a concurrent create that takes it fails on the primary key and retries. */
  async nextSourceId(em: EntityManager): Promise<number> {
    const { rows } = await Database.sql<{ max: unknown }>(
      em,
      `SELECT MAX(source_id) AS max FROM merchants`,
    );
    return Math.max(FIRST_SOURCE_ID, toSafeIntegerOrZero(rows[0]?.max) + 1);
  }

  /** Which of these merchant codes exist. */
  async existingSourceIds(em: EntityManager, sourceIds: number[]): Promise<Set<number>> {
    if (sourceIds.length === 0) return new Set();
    const rows = await em.find(MerchantEntity, {
      select: { sourceId: true },
      where: { sourceId: In(sourceIds) },
    });
    return new Set(rows.map((m) => m.sourceId));
  }

  /**
   * Holds the merchant's row until the transaction ends (PostgreSQL; SQLite runs one unit of
   * work at a time), so that changes counted against the merchant do not race; false when the
   * merchant does not exist.
   */
  async lock(em: EntityManager, sourceId: number): Promise<boolean> {
    const lock = em.connection.options.type === 'postgres' ? ' FOR UPDATE' : '';
    const { rows } = await Database.sql(
      em,
      `SELECT source_id FROM merchants WHERE source_id = :sourceId${lock}`,
      { sourceId },
    );
    return rows.length > 0;
  }

  async insert(em: EntityManager, merchant: MerchantEntity): Promise<void> {
    await em.insert(MerchantEntity, merchant);
  }

  async update(
    em: EntityManager,
    sourceId: number,
    changes: Partial<
      Pick<
        MerchantEntity,
        | 'name'
        | 'status'
        | 'notifyUrl'
        | 'webhookSecret'
        | 'webhookSecretPrevious'
        | 'webhookSecretPreviousUntil'
      >
    >,
    now: number,
  ): Promise<void> {
    await em.update(MerchantEntity, { sourceId }, { ...changes, updatedAt: now });
  }

  /**
   * Makes `sealedSecret` the webhook secret and the current one the previous, which still
   * signs until `previousUntil`. One statement, so two rotations at once each keep the secret
   * they replaced as the previous one, never a mix.
   */
  async rotateWebhookSecret(
    em: EntityManager,
    sourceId: number,
    sealedSecret: string,
    previousUntil: number,
    now: number,
  ): Promise<boolean> {
    const { affected } = await Database.sql(
      em,
      `UPDATE merchants SET webhook_secret_previous = webhook_secret, webhook_secret = :sealedSecret,
         webhook_secret_previous_until = :previousUntil, updated_at = :now
       WHERE source_id = :sourceId
       RETURNING source_id`,
      { sourceId, sealedSecret, previousUntil, now },
    );
    return affected > 0;
  }

  /** Newest first: highest merchant code first. */
  list(
    em: EntityManager,
    options: { status?: MerchantStatus; before?: number; limit: number },
  ): Promise<MerchantEntity[]> {
    return em.find(MerchantEntity, {
      where: {
        ...(options.status ? { status: options.status } : {}),
        ...(options.before !== undefined ? { sourceId: LessThan(options.before) } : {}),
      },
      order: { sourceId: 'DESC' },
      take: options.limit + 1,
    });
  }
}
