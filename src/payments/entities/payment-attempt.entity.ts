import { Column, Entity, PrimaryColumn } from 'typeorm';
import { BIGINT } from '../../database/columns';

export type AttemptEvent = 'started' | 'succeeded' | 'failed';

/**
 * One event of one attempt to create the payment at a channel: `started` is written before
 * the provider is called, `succeeded`/`failed` after. Rows are only ever added.
 */
@Entity('payment_attempts')
export class PaymentAttemptEntity {
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id!: string;

  @Column({ name: 'order_id', type: 'varchar', length: 40 })
  orderId!: string;

  @Column({ type: 'integer' })
  seq!: number;

  @Column({ type: 'varchar', length: 16 })
  event!: AttemptEvent;

  @Column({ name: 'channel_id', type: 'varchar', length: 40 })
  channelId!: string;

  @Column({ name: 'channel_code', type: 'varchar', length: 32 })
  channelCode!: string;

  @Column({ name: 'failure_reason', type: 'varchar', length: 32, nullable: true })
  failureReason!: string | null;

  @Column({ type: 'varchar', length: 512, nullable: true })
  message!: string | null;

  @Column({ name: 'latency_ms', type: 'integer', nullable: true })
  latencyMs!: number | null;

  @Column({ name: 'created_at', type: 'bigint', transformer: BIGINT })
  createdAt!: number;

  /** The cashier's attempts: the adapter's product for the payer's wallet (null for API orders). */
  @Column({ type: 'varchar', length: 16, nullable: true })
  product!: string | null;

  /** The cashier's attempts, on `succeeded`: what the payer was given (a link or QR content). */
  @Column({ name: 'pay_url', type: 'text', nullable: true })
  payUrl!: string | null;
}
