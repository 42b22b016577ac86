import { Column, Entity, PrimaryColumn } from 'typeorm';
import { BIGINT } from '../../database/columns';

/** One delivery attempt of a webhook event: appended once it is over, never changed. */
@Entity('webhook_attempts')
export class WebhookAttemptEntity {
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id!: string;

  @Column({ name: 'event_id', type: 'varchar', length: 40 })
  eventId!: string;

  /** 1 for the first attempt of the event, counting across redeliveries. */
  @Column({ type: 'integer' })
  attempt!: number;

  @Column({ name: 'attempted_at', type: 'bigint', transformer: BIGINT })
  attemptedAt!: number;

  /** The notify_url without query string or credentials; null when the merchant had none. */
  @Column({ type: 'varchar', length: 2048, nullable: true })
  url!: string | null;

  @Column({ name: 'status_code', type: 'integer', nullable: true })
  statusCode!: number | null;

  @Column({ name: 'latency_ms', type: 'integer' })
  latencyMs!: number;

  @Column({ type: 'varchar', length: 512, nullable: true })
  error!: string | null;

  /** The start of the response body, at most 1 KiB. */
  @Column({ name: 'response_excerpt', type: 'text', nullable: true })
  responseExcerpt!: string | null;

  /** The claim (instance and batch) that made the attempt. */
  @Column({ name: 'delivered_by', type: 'varchar', length: 64 })
  deliveredBy!: string;
}
