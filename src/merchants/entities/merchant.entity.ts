import { Column, Entity, PrimaryColumn } from 'typeorm';
import { BIGINT } from '../../database/columns';

export type MerchantStatus = 'active' | 'suspended';

@Entity('merchants')
export class MerchantEntity {
  /** The merchant code ("Long" in the original document). */
  @PrimaryColumn({ name: 'source_id', type: 'bigint', transformer: BIGINT })
  sourceId!: number;

  @Column({ type: 'varchar', length: 128 })
  name!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: MerchantStatus;

  @Column({ name: 'notify_url', type: 'varchar', length: 2048, nullable: true })
  notifyUrl!: string | null;

  /** Sealed with the secret box: read back to sign webhooks, never stored in clear. */
  @Column({ name: 'webhook_secret', type: 'text' })
  webhookSecret!: string;

  /** The secret before the last rotation, still signed with until `previousSecretUntil`. */
  @Column({ name: 'webhook_secret_previous', type: 'text', nullable: true })
  webhookSecretPrevious!: string | null;

  @Column({
    name: 'webhook_secret_previous_until',
    type: 'bigint',
    nullable: true,
    transformer: BIGINT,
  })
  webhookSecretPreviousUntil!: number | null;

  @Column({ name: 'created_at', type: 'bigint', transformer: BIGINT })
  createdAt!: number;

  @Column({ name: 'updated_at', type: 'bigint', transformer: BIGINT })
  updatedAt!: number;
}
