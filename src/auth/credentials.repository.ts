import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Database } from '../database/database.service';
import { CredentialEntity } from './entities/credential.entity';
import { Role } from './principal';

/** What the authentication guard needs to know about a token's credential, in one read. */
export interface CredentialState {
  secretHash: string;
  status: 'active' | 'revoked';
  role: Role;
  sourceId: number | null;
  merchantStatus: string | null;
}

@Injectable()
export class CredentialsRepository {
  findById(em: EntityManager, clientId: string): Promise<CredentialEntity | null> {
    return em.findOneBy(CredentialEntity, { clientId });
  }

  listBySourceId(em: EntityManager, sourceId: number): Promise<CredentialEntity[]> {
    return em.find(CredentialEntity, { where: { sourceId }, order: { createdAt: 'ASC' } });
  }

  async insert(em: EntityManager, credential: CredentialEntity): Promise<void> {
    await em.insert(CredentialEntity, credential);
  }

  async anyActiveAdmin(em: EntityManager): Promise<boolean> {
    return (await em.countBy(CredentialEntity, { role: 'admin', status: 'active' })) > 0;
  }

  async updateSecretHash(em: EntityManager, clientId: string, secretHash: string): Promise<void> {
    await em.update(
      CredentialEntity,
      { clientId },
      { secretHash, status: 'active', revokedAt: null },
    );
  }

  /** Revokes an active credential; false when it was not active (already revoked). */
  async revoke(em: EntityManager, clientId: string, now: number): Promise<boolean> {
    const { affected } = await Database.sql(
      em,
      `UPDATE credentials SET status = 'revoked', revoked_at = :now
       WHERE client_id = :clientId AND status = 'active' RETURNING client_id`,
      { clientId, now },
    );
    return affected > 0;
  }

  /** Active credentials of a merchant. */
  async countActive(em: EntityManager, sourceId: number): Promise<number> {
    return em.countBy(CredentialEntity, { sourceId, status: 'active' });
  }

  /**
   * Revokes the active credentials of the merchant that `clientId` created, those they created,
   * and so on; the client ids revoked.
   */
  async revokeCreatedBy(
    em: EntityManager,
    sourceId: number,
    clientId: string,
    now: number,
  ): Promise<string[]> {
    const { rows } = await Database.sql<{ client_id: string }>(
      em,
      `WITH RECURSIVE made(client_id) AS (
         SELECT client_id FROM credentials WHERE created_by = :clientId AND source_id = :sourceId
         UNION
         SELECT c.client_id FROM credentials c JOIN made ON c.created_by = made.client_id
         WHERE c.source_id = :sourceId
       )
       UPDATE credentials SET status = 'revoked', revoked_at = :now
       WHERE client_id IN (SELECT client_id FROM made) AND status = 'active'
       RETURNING client_id`,
      { clientId, sourceId, now },
    );
    return rows.map((row) => row.client_id).sort();
  }

  async state(em: EntityManager, clientId: string): Promise<CredentialState | null> {
    const { rows } = await Database.sql<{
      secret_hash: string;
      status: 'active' | 'revoked';
      role: Role;
      source_id: number | string | null;
      merchant_status: string | null;
    }>(
      em,
      `SELECT c.secret_hash, c.status, c.role, c.source_id, m.status AS merchant_status
       FROM credentials c LEFT JOIN merchants m ON m.source_id = c.source_id
       WHERE c.client_id = :clientId`,
      { clientId },
    );
    const row = rows[0];
    if (!row) return null;
    return {
      secretHash: row.secret_hash,
      status: row.status,
      role: row.role,
      sourceId: row.source_id === null ? null : Number(row.source_id),
      merchantStatus: row.merchant_status,
    };
  }
}
