import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Database } from '../database/database.service';
import { QrCodeEntity, QrCodeStatus } from './entities/qr-code.entity';

/** The static codes table; deleted codes keep their row (their orders name them). */
@Injectable()
export class QrCodesRepository {
  async insert(em: EntityManager, code: QrCodeEntity): Promise<void> {
    await em.insert(QrCodeEntity, code);
  }

  /** A merchant's live code. */
  async findLive(
    em: EntityManager,
    sourceId: number,
    codeId: string,
  ): Promise<QrCodeEntity | null> {
    const { rows } = await Database.sql(
      em,
      `SELECT * FROM qr_codes WHERE code_id = :codeId AND source_id = :sourceId AND deleted_at IS NULL`,
      { codeId, sourceId },
    );
    return rows[0] ? Database.hydrate(em, QrCodeEntity, rows[0]) : null;
  }

  /** The code a scanned URL names, deleted or not (the page tells the payer which). */
  async findByToken(em: EntityManager, token: string): Promise<QrCodeEntity | null> {
    const { rows } = await Database.sql(em, `SELECT * FROM qr_codes WHERE token = :token`, {
      token,
    });
    return rows[0] ? Database.hydrate(em, QrCodeEntity, rows[0]) : null;
  }

  /** A merchant's live codes, newest first (code ids sort by creation time). */
  async list(
    em: EntityManager,
    sourceId: number,
    limit: number,
    beforeCodeId?: string,
  ): Promise<QrCodeEntity[]> {
    const { rows } = await Database.sql(
      em,
      `SELECT * FROM qr_codes WHERE source_id = :sourceId AND deleted_at IS NULL
         ${beforeCodeId ? 'AND code_id < :beforeCodeId' : ''}
       ORDER BY code_id DESC LIMIT :limit`,
      { sourceId, limit: limit + 1, beforeCodeId },
    );
    return rows.map((row) => Database.hydrate(em, QrCodeEntity, row));
  }

  async setStatus(
    em: EntityManager,
    codeId: string,
    status: QrCodeStatus,
    now: number,
  ): Promise<void> {
    await Database.sql(
      em,
      `UPDATE qr_codes SET status = :status, updated_at = :now WHERE code_id = :codeId AND deleted_at IS NULL`,
      { codeId, status, now },
    );
  }

  async markDeleted(em: EntityManager, codeId: string, now: number): Promise<void> {
    await Database.sql(
      em,
      `UPDATE qr_codes SET deleted_at = :now, updated_at = :now WHERE code_id = :codeId AND deleted_at IS NULL`,
      { codeId, now },
    );
  }
}
