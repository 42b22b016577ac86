import { Column, Entity, PrimaryColumn } from 'typeorm';
import { BIGINT } from '../../database/columns';

@Entity('channels')
export class ChannelEntity {
  /** Internal id (`chn_…`): stable while a code is deleted and added again. */
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id!: string;

  @Column({ type: 'varchar', length: 32 })
  code!: string;

  @Column({ type: 'varchar', length: 64 })
  name!: string;

  @Column({ type: 'varchar', length: 32 })
  provider!: string;

  @Column({ type: 'boolean' })
  enabled!: boolean;

  @Column({ type: 'integer' })
  priority!: number;

  @Column({ type: 'integer' })
  weight!: number;

  @Column({ name: 'fee_rate_bps', type: 'integer' })
  feeRateBps!: number;

  @Column({ name: 'fixed_fee', type: 'bigint', transformer: BIGINT })
  fixedFee!: number;

  @Column({ name: 'min_amount', type: 'bigint', nullable: true, transformer: BIGINT })
  minAmount!: number | null;

  @Column({ name: 'max_amount', type: 'bigint', nullable: true, transformer: BIGINT })
  maxAmount!: number | null;

  /** Per currency and settlement date. */
  @Column({ name: 'daily_limit', type: 'bigint', nullable: true, transformer: BIGINT })
  dailyLimit!: number | null;

  /** JSON array of ISO 4217 codes. */
  @Column({ type: 'text' })
  currencies!: string;

  /** JSON array of merchant source_ids; empty: every merchant. */
  @Column({ type: 'text' })
  merchants!: string;

  /** JSON object; the provider's secret fields are sealed (AES-256-GCM), never plaintext. */
  @Column({ type: 'text' })
  config!: string;

  @Column({ name: 'created_at', type: 'bigint', transformer: BIGINT })
  createdAt!: number;

  @Column({ name: 'updated_at', type: 'bigint', transformer: BIGINT })
  updatedAt!: number;

  @Column({ name: 'deleted_at', type: 'bigint', nullable: true, transformer: BIGINT })
  deletedAt!: number | null;
}
