import { Column, Entity, PrimaryColumn } from 'typeorm';
import { BIGINT } from '../../database/columns';
import { OrderStatus } from '../order-state';

@Entity('orders')
export class OrderEntity {
  @PrimaryColumn({ name: 'order_id', type: 'varchar', length: 40 })
  orderId!: string;

  @Column({ name: 'source_id', type: 'bigint', transformer: BIGINT })
  sourceId!: number;

  @Column({ name: 'merchant_order_no', type: 'varchar', length: 64, nullable: true })
  merchantOrderNo!: string | null;

  /** The Idempotency-Key the order was created under: the recovery point of a retried create. */
  @Column({ name: 'idempotency_key', type: 'varchar', length: 255, nullable: true })
  idempotencyKey!: string | null;

  @Column({ name: 'product_id', type: 'varchar', length: 64 })
  productId!: string;

  @Column({ name: 'product_name', type: 'varchar', length: 128 })
  productName!: string;

  @Column({ type: 'bigint', transformer: BIGINT })
  amount!: number;

  @Column({ type: 'varchar', length: 3 })
  currency!: string;

  @Column({ type: 'varchar', length: 24 })
  status!: OrderStatus;

  @Column({ name: 'channel_id', type: 'varchar', length: 40, nullable: true })
  channelId!: string | null;

  @Column({ name: 'channel_code', type: 'varchar', length: 32, nullable: true })
  channelCode!: string | null;

  /** The channel the merchant forced with `channel`, if any. */
  @Column({ name: 'requested_channel', type: 'varchar', length: 32, nullable: true })
  requestedChannel!: string | null;

  @Column({ name: 'channel_trade_no', type: 'varchar', length: 128, nullable: true })
  channelTradeNo!: string | null;

  @Column({ name: 'pay_url', type: 'text', nullable: true })
  payUrl!: string | null;

  @Column({ name: 'external_ext', type: 'text', nullable: true })
  externalExt!: string | null;

  @Column({ type: 'varchar', length: 256, nullable: true })
  memo!: string | null;

  /** Sum of succeeded refunds. */
  @Column({ name: 'refunded_amount', type: 'bigint', transformer: BIGINT })
  refundedAmount!: number;

  /** Sum of refunds not failed (pending + succeeded): what may not exceed `amount`. */
  @Column({ name: 'refund_reserved_amount', type: 'bigint', transformer: BIGINT })
  refundReservedAmount!: number;

  @Column({ name: 'fee_amount', type: 'bigint', transformer: BIGINT })
  feeAmount!: number;

  /** Fee given back by succeeded refunds. */
  @Column({ name: 'fee_refunded_amount', type: 'bigint', transformer: BIGINT })
  feeRefundedAmount!: number;

  @Column({ name: 'late_payment', type: 'boolean' })
  latePayment!: boolean;

  /** The routing decision: candidates and channels left out with their reasons (JSON). */
  @Column({ type: 'text' })
  routing!: string;

  @Column({ name: 'expires_at', type: 'bigint', transformer: BIGINT })
  expiresAt!: number;

  @Column({ name: 'paid_at', type: 'bigint', nullable: true, transformer: BIGINT })
  paidAt!: number | null;

  @Column({ name: 'closed_at', type: 'bigint', nullable: true, transformer: BIGINT })
  closedAt!: number | null;

  /** When the status sync next asks the channel about this PENDING order; null: never again. */
  @Column({ name: 'next_sync_at', type: 'bigint', nullable: true, transformer: BIGINT })
  nextSyncAt!: number | null;

  @Column({ name: 'created_at', type: 'bigint', transformer: BIGINT })
  createdAt!: number;

  @Column({ name: 'updated_at', type: 'bigint', transformer: BIGINT })
  updatedAt!: number;

  /** Where the cashier sends the payer once the order is paid or over. */
  @Column({ name: 'return_url', type: 'text', nullable: true })
  returnUrl!: string | null;

  /** The static code (商户码) the payer scanned to make this order. */
  @Column({ name: 'qr_code_id', type: 'varchar', length: 40, nullable: true })
  qrCodeId!: string | null;
}
