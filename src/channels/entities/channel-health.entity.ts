import { Column, Entity, PrimaryColumn } from 'typeorm';
import { BIGINT } from '../../database/columns';

/** The circuit breaker of one channel, shared by every instance. */
@Entity('channel_health')
export class ChannelHealthEntity {
  @PrimaryColumn({ name: 'channel_id', type: 'varchar', length: 40 })
  channelId!: string;

  @Column({ name: 'consecutive_failures', type: 'integer' })
  consecutiveFailures!: number;

  /** Set when the circuit opened: open until then, half open after. Null: closed. */
  @Column({ name: 'open_until', type: 'bigint', nullable: true, transformer: BIGINT })
  openUntil!: number | null;

  /** A half-open trial is in flight until then. */
  @Column({ name: 'trial_until', type: 'bigint', nullable: true, transformer: BIGINT })
  trialUntil!: number | null;

  @Column({ name: 'updated_at', type: 'bigint', transformer: BIGINT })
  updatedAt!: number;
}
