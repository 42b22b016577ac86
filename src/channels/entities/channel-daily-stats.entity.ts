import { Column, Entity, PrimaryColumn } from 'typeorm';
import { BIGINT } from '../../database/columns';

/** Attempts at a channel on one settlement date, for its success rate. */
@Entity('channel_daily_stats')
export class ChannelDailyStatsEntity {
  @PrimaryColumn({ name: 'channel_id', type: 'varchar', length: 40 })
  channelId!: string;

  @PrimaryColumn({ name: 'settlement_date', type: 'varchar', length: 10 })
  settlementDate!: string;

  @Column({ type: 'bigint', transformer: BIGINT })
  successes!: number;

  @Column({ type: 'bigint', transformer: BIGINT })
  failures!: number;
}
