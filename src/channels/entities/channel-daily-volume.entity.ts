import { Column, Entity, PrimaryColumn } from 'typeorm';
import { BIGINT } from '../../database/columns';

/** Amount routed to a channel on one settlement date, per currency (daily_limit counts it). */
@Entity('channel_daily_volume')
export class ChannelDailyVolumeEntity {
  @PrimaryColumn({ name: 'channel_id', type: 'varchar', length: 40 })
  channelId!: string;

  @PrimaryColumn({ name: 'settlement_date', type: 'varchar', length: 10 })
  settlementDate!: string;

  @PrimaryColumn({ type: 'varchar', length: 3 })
  currency!: string;

  @Column({ type: 'bigint', transformer: BIGINT })
  amount!: number;
}
