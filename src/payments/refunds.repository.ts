import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Database } from '../database/database.service';
import { RefundEntity, RefundStatus } from './entities/refund.entity';

/** The filters of 退款列表; `sourceId` scopes a merchant to itself. */
export interface RefundListFilter {
  sourceId?: number;
  status?: RefundStatus;
  orderId?: string;
  createdFrom?: number;
  createdTo?: number;
  beforeRefundId?: string;
  limit: number;
}

/** A refund with its order's merchant order number (one primary-key join). */
export interface RefundListRow {
  refund: RefundEntity;
  merchantOrderNo: string | null;
}

@Injectable()
export class RefundsRepository {
  async insert(em: EntityManager, refund: RefundEntity): Promise<void> {
    await em.insert(RefundEntity, refund);
  }

  findById(em: EntityManager, refundId: string): Promise<RefundEntity | null> {
    return em.findOneBy(RefundEntity, { refundId });
  }

  findByMerchantRefundNo(
    em: EntityManager,
    sourceId: number,
    merchantRefundNo: string,
  ): Promise<RefundEntity | null> {
    return em.findOneBy(RefundEntity, { sourceId, merchantRefundNo });
  }

  listByOrder(em: EntityManager, orderId: string): Promise<RefundEntity[]> {
    return em.find(RefundEntity, { where: { orderId }, order: { refundId: 'ASC' } });
  }

  /**
   * Newest first (refund ids sort by creation time), `limit` rows after the refund id
   * `beforeRefundId`. A merchant's page walks (source_id, refund_id), an order's
   * (order_id, refund_id), every merchant's the primary key.
   */
  async list(em: EntityManager, filter: RefundListFilter): Promise<RefundListRow[]> {
    const conditions: string[] = [];
    if (filter.sourceId !== undefined) conditions.push('r.source_id = :sourceId');
    if (filter.orderId !== undefined) conditions.push('r.order_id = :orderId');
    if (filter.status !== undefined) conditions.push('r.status = :status');
    if (filter.createdFrom !== undefined) conditions.push('r.created_at >= :createdFrom');
    if (filter.createdTo !== undefined) conditions.push('r.created_at < :createdTo');
    if (filter.beforeRefundId !== undefined) conditions.push('r.refund_id < :beforeRefundId');
    const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
    const { rows } = await Database.sql(
      em,
      `SELECT r.*, o.merchant_order_no AS order_merchant_order_no
       FROM refunds r LEFT JOIN orders o ON o.order_id = r.order_id
       ${where} ORDER BY r.refund_id DESC LIMIT :limit`,
      { ...filter },
    );
    return rows.map((row) => ({
      refund: Database.hydrate(em, RefundEntity, row),
      merchantOrderNo: (row.order_merchant_order_no as string | null) ?? null,
    }));
  }

  /** PENDING → SUCCEEDED, once; null when the refund was not PENDING. */
  async markSucceeded(
    em: EntityManager,
    refundId: string,
    fields: { feeAmount: number; channelRefundNo: string | null; completedAt: number },
  ): Promise<RefundEntity | null> {
    const { rows } = await Database.sql(
      em,
      `UPDATE refunds SET status = 'SUCCEEDED', fee_amount = :feeAmount,
         channel_refund_no = COALESCE(:channelRefundNo, channel_refund_no), completed_at = :completedAt, next_sync_at = NULL
       WHERE refund_id = :refundId AND status = 'PENDING' RETURNING *`,
      { refundId, ...fields },
    );
    return rows[0] ? Database.hydrate(em, RefundEntity, rows[0]) : null;
  }

  /** PENDING → FAILED, once; null when the refund was not PENDING. */
  async markFailed(
    em: EntityManager,
    refundId: string,
    reason: string,
    now: number,
  ): Promise<RefundEntity | null> {
    const { rows } = await Database.sql(
      em,
      `UPDATE refunds SET status = 'FAILED', failure_reason = :reason, completed_at = :now, next_sync_at = NULL
       WHERE refund_id = :refundId AND status = 'PENDING' RETURNING *`,
      { refundId, reason: reason.slice(0, 256), now },
    );
    return rows[0] ? Database.hydrate(em, RefundEntity, rows[0]) : null;
  }

  async recordChannelRefundNo(
    em: EntityManager,
    refundId: string,
    channelRefundNo: string | null,
    nextSyncAt: number | null,
  ): Promise<void> {
    await Database.sql(
      em,
      `UPDATE refunds SET channel_refund_no = COALESCE(:channelRefundNo, channel_refund_no), next_sync_at = :nextSyncAt
       WHERE refund_id = :refundId AND status = 'PENDING'`,
      { refundId, channelRefundNo, nextSyncAt },
    );
  }

  async dueForSync(em: EntityManager, now: number, limit: number): Promise<RefundEntity[]> {
    const { rows } = await Database.sql(
      em,
      `SELECT * FROM refunds WHERE status = 'PENDING' AND next_sync_at IS NOT NULL AND next_sync_at <= :now
       ORDER BY next_sync_at LIMIT :limit`,
      { now, limit },
    );
    return rows.map((r) => Database.hydrate(em, RefundEntity, r));
  }
}
