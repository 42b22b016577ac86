import { Injectable } from '@nestjs/common';
import { EntityManager, LessThan } from 'typeorm';
import { AuditLogEntity } from './entities/audit-log.entity';

export interface AuditFilter {
  action?: string;
  actorClientId?: string;
  actorEmail?: string;
  targetType?: string;
  targetId?: string;
  before?: string;
  limit: number;
}

@Injectable()
export class AuditRepository {
  async insert(em: EntityManager, row: AuditLogEntity): Promise<void> {
    await em.insert(AuditLogEntity, row);
  }

  /** Newest first; ids are time-ordered, so the cursor is the last id seen. */
  list(em: EntityManager, filter: AuditFilter): Promise<AuditLogEntity[]> {
    return em.find(AuditLogEntity, {
      where: {
        ...(filter.action ? { action: filter.action } : {}),
        ...(filter.actorClientId ? { actorClientId: filter.actorClientId } : {}),
        ...(filter.actorEmail ? { actorEmail: filter.actorEmail } : {}),
        ...(filter.targetType ? { targetType: filter.targetType } : {}),
        ...(filter.targetId ? { targetId: filter.targetId } : {}),
        ...(filter.before ? { id: LessThan(filter.before) } : {}),
      },
      order: { id: 'DESC' },
      take: filter.limit + 1,
    });
  }
}
