import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Database } from '../../database/database.service';

export interface IdempotencyRecord {
  endpoint: string;
  request_hash: string;
  status: 'in_progress' | 'completed';
  response_status: number | null;
  response_body: string | null;
  locked_until: number;
  expires_at: number;
}

export interface IdempotencyClaim {
  scope: string;
  key: string;
  endpoint: string;
  requestHash: string;
  now: number;
  lockedUntil: number;
  expiresAt: number;
}

/** Every statement is a single conditional write, so concurrent instances agree on the owner. */
@Injectable()
export class IdempotencyRepository {
  /** Claims a new key; false when the key already exists. */
  async insertClaim(em: EntityManager, c: IdempotencyClaim): Promise<boolean> {
    const { affected } = await Database.sql(
      em,
      `INSERT INTO idempotency_keys
         (scope, idempotency_key, endpoint, request_hash, status, locked_until, created_at, expires_at)
       VALUES (:scope, :key, :endpoint, :requestHash, 'in_progress', :lockedUntil, :now, :expiresAt)
       ON CONFLICT (scope, idempotency_key) DO NOTHING
       RETURNING idempotency_key`,
      { ...c },
    );
    return affected > 0;
  }

  async find(em: EntityManager, scope: string, key: string): Promise<IdempotencyRecord | null> {
    const { rows } = await Database.sql<IdempotencyRecord>(
      em,
      `SELECT endpoint, request_hash, status, response_status, response_body, locked_until, expires_at
       FROM idempotency_keys WHERE scope = :scope AND idempotency_key = :key`,
      { scope, key },
    );
    const row = rows[0];
    if (!row) return null;
    return {
      ...row,
      response_status: row.response_status === null ? null : Number(row.response_status),
      locked_until: Number(row.locked_until),
      expires_at: Number(row.expires_at),
    };
  }

  /** Re-claims a key whose record expired (a fresh start) or whose first request died. */
  async takeOver(
    em: EntityManager,
    c: IdempotencyClaim,
    expected: { lockedUntil: number; expired: boolean },
  ): Promise<boolean> {
    const { affected } = await Database.sql(
      em,
      expected.expired
        ? `UPDATE idempotency_keys
           SET endpoint = :endpoint, request_hash = :requestHash, status = 'in_progress',
               response_status = NULL, response_body = NULL, locked_until = :lockedUntil,
               created_at = :now, expires_at = :expiresAt
           WHERE scope = :scope AND idempotency_key = :key AND expires_at < :now
           RETURNING idempotency_key`
        : `UPDATE idempotency_keys SET locked_until = :lockedUntil
           WHERE scope = :scope AND idempotency_key = :key AND status = 'in_progress'
             AND locked_until = :previousLock
           RETURNING idempotency_key`,
      { ...c, previousLock: expected.lockedUntil },
    );
    return affected > 0;
  }

  async complete(
    em: EntityManager,
    scope: string,
    key: string,
    status: number,
    body: string,
  ): Promise<void> {
    await Database.sql(
      em,
      `UPDATE idempotency_keys SET status = 'completed', response_status = :status, response_body = :body
       WHERE scope = :scope AND idempotency_key = :key`,
      { scope, key, status, body },
    );
  }

  /** The completed response under a key, inserted or overwriting the claim. */
  async upsertCompleted(
    em: EntityManager,
    c: IdempotencyClaim,
    status: number,
    body: string,
  ): Promise<void> {
    await Database.sql(
      em,
      `INSERT INTO idempotency_keys
         (scope, idempotency_key, endpoint, request_hash, status, response_status, response_body, locked_until, created_at, expires_at)
       VALUES (:scope, :key, :endpoint, :requestHash, 'completed', :status, :body, :lockedUntil, :now, :expiresAt)
       ON CONFLICT (scope, idempotency_key) DO UPDATE
         SET status = 'completed', response_status = excluded.response_status, response_body = excluded.response_body`,
      { ...c, status, body },
    );
  }

  /** Forgets a key whose request did nothing (refused input, server error): it may be retried. */
  async release(em: EntityManager, scope: string, key: string): Promise<void> {
    await Database.sql(
      em,
      `DELETE FROM idempotency_keys WHERE scope = :scope AND idempotency_key = :key AND status = 'in_progress'`,
      {
        scope,
        key,
      },
    );
  }

  async deleteExpired(em: EntityManager, now: number, limit: number): Promise<number> {
    const { affected } = await Database.sql(
      em,
      `DELETE FROM idempotency_keys WHERE (scope, idempotency_key) IN (
         SELECT scope, idempotency_key FROM idempotency_keys WHERE expires_at < :now LIMIT :limit)`,
      { now, limit },
    );
    return affected;
  }
}
