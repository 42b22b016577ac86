import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { toSafeInteger } from '../database/columns';
import { Database } from '../database/database.service';
import { ConsoleRole, ConsoleScope, ConsoleUserStatus } from './entities/console-user.entity';
import { ConsoleSessionEntity } from './entities/console-session.entity';

/** What authenticating a session cookie needs, in one read: the session, its user, their merchant. */
export interface SessionState {
  sessionId: string;
  userId: string;
  /** Lower-cased. */
  email: string;
  scope: ConsoleScope;
  role: ConsoleRole;
  sourceId: number | null;
  userStatus: ConsoleUserStatus;
  merchantStatus: string | null;
  mustChangePassword: boolean;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
  revokedAt: number | null;
}

interface SessionRow {
  session_id: string;
  user_id: string;
  email_key: string;
  scope: ConsoleScope;
  role: ConsoleRole;
  source_id: number | string | null;
  status: ConsoleUserStatus;
  merchant_status: string | null;
  must_change_password: boolean | number;
  created_at: number | string;
  last_seen_at: number | string;
  expires_at: number | string;
  revoked_at: number | string | null;
}

@Injectable()
export class ConsoleSessionsRepository {
  async insert(em: EntityManager, session: ConsoleSessionEntity): Promise<void> {
    await em.insert(ConsoleSessionEntity, session);
  }

  async state(em: EntityManager, sessionId: string): Promise<SessionState | null> {
    const { rows } = await Database.sql<SessionRow>(
      em,
      `SELECT s.session_id, s.user_id, u.email_key, u.scope, u.role, u.source_id, u.status,
         m.status AS merchant_status, u.must_change_password, s.created_at, s.last_seen_at,
         s.expires_at, s.revoked_at
       FROM console_sessions s
       JOIN console_users u ON u.user_id = s.user_id
       LEFT JOIN merchants m ON m.source_id = u.source_id
       WHERE s.session_id = :sessionId`,
      { sessionId },
    );
    const row = rows[0];
    if (!row) return null;
    return {
      sessionId: row.session_id,
      userId: row.user_id,
      email: row.email_key,
      scope: row.scope,
      role: row.role,
      sourceId: row.source_id === null ? null : toSafeInteger(row.source_id),
      userStatus: row.status,
      merchantStatus: row.merchant_status,
      mustChangePassword: Boolean(row.must_change_password),
      createdAt: toSafeInteger(row.created_at),
      lastSeenAt: toSafeInteger(row.last_seen_at),
      expiresAt: toSafeInteger(row.expires_at),
      revokedAt: row.revoked_at === null ? null : toSafeInteger(row.revoked_at),
    };
  }

  /**
   * Moves the idle timeout on; refused (false) when the session has ended meanwhile, so a
   * request cannot bring back a session that timed out or was revoked.
   */
  async touch(
    em: EntityManager,
    sessionId: string,
    now: number,
    idleSince: number,
  ): Promise<boolean> {
    const { affected } = await Database.sql(
      em,
      `UPDATE console_sessions SET last_seen_at = :now
       WHERE session_id = :sessionId AND revoked_at IS NULL AND last_seen_at > :idleSince
         AND expires_at > :now
       RETURNING session_id`,
      { sessionId, now, idleSince },
    );
    return affected > 0;
  }

  async revoke(em: EntityManager, sessionId: string, now: number): Promise<void> {
    await Database.sql(
      em,
      `UPDATE console_sessions SET revoked_at = :now WHERE session_id = :sessionId AND revoked_at IS NULL`,
      { sessionId, now },
    );
  }

  async revokeAllOfUser(em: EntityManager, userId: string, now: number): Promise<void> {
    await Database.sql(
      em,
      `UPDATE console_sessions SET revoked_at = :now WHERE user_id = :userId AND revoked_at IS NULL`,
      { userId, now },
    );
  }

  /** Sessions that can no longer be used (expired or revoked a while ago). */
  async deleteEnded(em: EntityManager, before: number): Promise<number> {
    const { affected } = await Database.sql(
      em,
      `DELETE FROM console_sessions WHERE expires_at < :before OR revoked_at < :before`,
      { before },
    );
    return affected;
  }
}
