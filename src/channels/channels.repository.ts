import { Injectable } from '@nestjs/common';
import { EntityManager, IsNull, LessThan, Not } from 'typeorm';
import { Database } from '../database/database.service';
import { ChannelEntity } from './entities/channel.entity';

export type ChannelChanges = Partial<
  Pick<
    ChannelEntity,
    | 'name'
    | 'enabled'
    | 'priority'
    | 'weight'
    | 'feeRateBps'
    | 'fixedFee'
    | 'minAmount'
    | 'maxAmount'
    | 'dailyLimit'
    | 'currencies'
    | 'merchants'
    | 'config'
  >
>;

@Injectable()
export class ChannelsRepository {
  async insert(em: EntityManager, channel: ChannelEntity): Promise<void> {
    await em.insert(ChannelEntity, channel);
  }

  findById(em: EntityManager, id: string): Promise<ChannelEntity | null> {
    return em.findOneBy(ChannelEntity, { id });
  }

  findLiveByCode(em: EntityManager, code: string): Promise<ChannelEntity | null> {
    return em.findOneBy(ChannelEntity, { code, deletedAt: IsNull() });
  }

  /** Deleted channels of a code, most recently deleted first. */
  findDeletedByCode(em: EntityManager, code: string): Promise<ChannelEntity[]> {
    return em.find(ChannelEntity, {
      where: { code, deletedAt: Not(IsNull()) },
      order: { deletedAt: 'DESC' },
    });
  }

  listLive(em: EntityManager): Promise<ChannelEntity[]> {
    return em.find(ChannelEntity, { where: { deletedAt: IsNull() } });
  }

  /** Live channels, newest first. */
  list(
    em: EntityManager,
    options: { enabled?: boolean; provider?: string; before?: string; limit: number },
  ): Promise<ChannelEntity[]> {
    return em.find(ChannelEntity, {
      where: {
        deletedAt: IsNull(),
        ...(options.enabled !== undefined ? { enabled: options.enabled } : {}),
        ...(options.provider !== undefined ? { provider: options.provider } : {}),
        ...(options.before !== undefined ? { id: LessThan(options.before) } : {}),
      },
      order: { id: 'DESC' },
      take: options.limit + 1,
    });
  }

  /** Updates a live channel; false when it was deleted meanwhile. */
  async update(
    em: EntityManager,
    id: string,
    changes: ChannelChanges,
    now: number,
  ): Promise<boolean> {
    const result = await em.update(
      ChannelEntity,
      { id, deletedAt: IsNull() },
      { ...changes, updatedAt: now },
    );
    return (result.affected ?? 0) > 0;
  }

  /** Soft-deletes a live channel; false when it was already deleted. */
  async softDelete(em: EntityManager, id: string, now: number): Promise<boolean> {
    const { affected } = await Database.sql(
      em,
      `UPDATE channels SET deleted_at = :now, updated_at = :now
       WHERE id = :id AND deleted_at IS NULL RETURNING id`,
      { id, now },
    );
    return affected > 0;
  }
}
