import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Database } from '../database/database.service';
import { ConsoleScope, ConsoleUserEntity, ConsoleUserStatus } from './entities/console-user.entity';

export interface ConsoleUserFilter {
  scope?: ConsoleScope;
  sourceId?: number;
  status?: ConsoleUserStatus;
  /** Newest first: user ids sort by creation. */
  beforeUserId?: string;
  limit: number;
}

export type ConsoleUserChanges = Partial<
  Pick<
    ConsoleUserEntity,
    | 'name'
    | 'role'
    | 'status'
    | 'passwordHash'
    | 'mustChangePassword'
    | 'passwordChangedAt'
    | 'totpSecret'
    | 'totpPendingSecret'
    | 'totpEnabledAt'
    | 'totpLastStep'
  >
>;

@Injectable()
export class ConsoleUsersRepository {
  findById(em: EntityManager, userId: string): Promise<ConsoleUserEntity | null> {
    return em.findOneBy(ConsoleUserEntity, { userId });
  }

  findByEmail(em: EntityManager, email: string): Promise<ConsoleUserEntity | null> {
    return em.findOneBy(ConsoleUserEntity, { emailKey: email.toLowerCase() });
  }

  async insert(em: EntityManager, user: ConsoleUserEntity): Promise<void> {
    await em.insert(ConsoleUserEntity, user);
  }

  async update(
    em: EntityManager,
    userId: string,
    changes: ConsoleUserChanges,
    now: number,
  ): Promise<void> {
    await em.update(ConsoleUserEntity, { userId }, { ...changes, updatedAt: now });
  }

  async delete(em: EntityManager, userId: string): Promise<void> {
    await Database.sql(em, `DELETE FROM console_recovery_codes WHERE user_id = :userId`, {
      userId,
    });
    await Database.sql(em, `DELETE FROM console_sessions WHERE user_id = :userId`, { userId });
    await Database.sql(em, `DELETE FROM console_users WHERE user_id = :userId`, { userId });
  }

  list(em: EntityManager, filter: ConsoleUserFilter): Promise<ConsoleUserEntity[]> {
    const qb = em
      .createQueryBuilder(ConsoleUserEntity, 'u')
      .orderBy('u.user_id', 'DESC')
      .take(filter.limit + 1);
    if (filter.scope) qb.andWhere('u.scope = :scope', { scope: filter.scope });
    if (filter.sourceId !== undefined)
      qb.andWhere('u.source_id = :sourceId', { sourceId: filter.sourceId });
    if (filter.status) qb.andWhere('u.status = :status', { status: filter.status });
    if (filter.beforeUserId) qb.andWhere('u.user_id < :before', { before: filter.beforeUserId });
    return qb.getMany();
  }

  /**
   * The active owners of one side (the operators, or one merchant), locked for the rest of the
   * transaction on PostgreSQL, so two owners demoting each other at once cannot both succeed.
   */
  async activeOwners(em: EntityManager, sourceId: number | null): Promise<string[]> {
    const lock = em.connection.options.type === 'postgres' ? ' FOR UPDATE' : '';
    const { rows } = await Database.sql<{ user_id: string }>(
      em,
      `SELECT user_id FROM console_users
       WHERE role = 'owner' AND status = 'active' AND ${
         sourceId === null ? `scope = 'operator'` : `scope = 'merchant' AND source_id = :sourceId`
       }${lock}`,
      { sourceId },
    );
    return rows.map((r) => r.user_id);
  }

  async anyOperatorOwner(em: EntityManager): Promise<boolean> {
    return (await em.countBy(ConsoleUserEntity, { scope: 'operator', role: 'owner' })) > 0;
  }

  async recordLogin(
    em: EntityManager,
    userId: string,
    now: number,
    passwordHash?: string,
  ): Promise<void> {
    await em.update(
      ConsoleUserEntity,
      { userId },
      { lastLoginAt: now, ...(passwordHash ? { passwordHash } : {}) },
    );
  }

  /**
   * Records that a TOTP code of `step` was used: refused (false) when a code of that step or a
   * later one was already accepted, so a code works once even under concurrent logins.
   */
  async useTotpStep(em: EntityManager, userId: string, step: number): Promise<boolean> {
    const { affected } = await Database.sql(
      em,
      `UPDATE console_users SET totp_last_step = :step
       WHERE user_id = :userId AND (totp_last_step IS NULL OR totp_last_step < :step)
       RETURNING user_id`,
      { userId, step },
    );
    return affected > 0;
  }

  async replaceRecoveryCodes(
    em: EntityManager,
    userId: string,
    codeHashes: string[],
    now: number,
  ): Promise<void> {
    await Database.sql(em, `DELETE FROM console_recovery_codes WHERE user_id = :userId`, {
      userId,
    });
    for (const codeHash of codeHashes) {
      await Database.sql(
        em,
        `INSERT INTO console_recovery_codes (user_id, code_hash, used_at, created_at)
         VALUES (:userId, :codeHash, NULL, :now)`,
        { userId, codeHash, now },
      );
    }
  }

  /** Spends a recovery code: false when it is not one of the user's, or was already used. */
  async useRecoveryCode(
    em: EntityManager,
    userId: string,
    codeHash: string,
    now: number,
  ): Promise<boolean> {
    const { affected } = await Database.sql(
      em,
      `UPDATE console_recovery_codes SET used_at = :now
       WHERE user_id = :userId AND code_hash = :codeHash AND used_at IS NULL
       RETURNING user_id`,
      { userId, codeHash, now },
    );
    return affected > 0;
  }

  async unusedRecoveryCodes(em: EntityManager, userId: string): Promise<number> {
    const { rows } = await Database.sql<{ n: number | string }>(
      em,
      `SELECT COUNT(*) AS n FROM console_recovery_codes WHERE user_id = :userId AND used_at IS NULL`,
      { userId },
    );
    return Number(rows[0]?.n ?? 0);
  }
}
