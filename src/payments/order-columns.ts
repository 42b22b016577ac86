import { OrderEntity } from './entities/order.entity';

/**
 * Every column of the orders table, with the entity property it holds and, where a bare
 * parameter needs one (in a SELECT list it has no type of its own), its SQL type.
 *
 * The hot statements name these columns instead of `*`: PostgreSQL keeps their plans as
 * prepared statements, and a prepared statement whose result shape changed (a column added by
 * a migration while the instance runs) would fail with "cached plan must not change result
 * type". A test holds this list equal to the entity's columns.
 */
export const ORDER_COLUMNS: [column: string, property: keyof OrderEntity, cast?: string][] = [
  ['order_id', 'orderId'],
  ['source_id', 'sourceId', 'bigint'],
  ['merchant_order_no', 'merchantOrderNo'],
  ['idempotency_key', 'idempotencyKey'],
  ['product_id', 'productId'],
  ['product_name', 'productName'],
  ['amount', 'amount', 'bigint'],
  ['currency', 'currency'],
  ['status', 'status'],
  ['channel_id', 'channelId'],
  ['channel_code', 'channelCode'],
  ['requested_channel', 'requestedChannel'],
  ['channel_trade_no', 'channelTradeNo'],
  ['pay_url', 'payUrl'],
  ['external_ext', 'externalExt'],
  ['memo', 'memo'],
  ['refunded_amount', 'refundedAmount', 'bigint'],
  ['refund_reserved_amount', 'refundReservedAmount', 'bigint'],
  ['fee_amount', 'feeAmount', 'bigint'],
  ['fee_refunded_amount', 'feeRefundedAmount', 'bigint'],
  ['late_payment', 'latePayment', 'boolean'],
  ['routing', 'routing'],
  ['expires_at', 'expiresAt', 'bigint'],
  ['paid_at', 'paidAt', 'bigint'],
  ['closed_at', 'closedAt', 'bigint'],
  ['next_sync_at', 'nextSyncAt', 'bigint'],
  ['created_at', 'createdAt', 'bigint'],
  ['updated_at', 'updatedAt', 'bigint'],
  ['return_url', 'returnUrl'],
  ['qr_code_id', 'qrCodeId'],
];

/** The columns, comma-separated, for SELECT and RETURNING lists. */
export const ORDER_COLUMN_LIST = ORDER_COLUMNS.map(([column]) => column).join(', ');
