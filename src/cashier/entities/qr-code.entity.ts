import { Column, Entity, PrimaryColumn } from 'typeorm';
import { BIGINT } from '../../database/columns';

export type QrCodeStatus = 'active' | 'disabled';

/**
 * A merchant's static code (商户码): printed once, scanned by any wallet; each scan opens the
 * cashier, where the payer types the amount (or sees the fixed one) and an order is made.
 */
@Entity('qr_codes')
export class QrCodeEntity {
  @PrimaryColumn({ name: 'code_id', type: 'varchar', length: 40 })
  codeId!: string;

  @Column({ name: 'source_id', type: 'bigint', transformer: BIGINT })
  sourceId!: number;

  /** The unguessable part of the code's URL (`/cashier/c/{token}`): not a secret, a printed QR. */
  @Column({ type: 'varchar', length: 64 })
  token!: string;

  @Column({ type: 'varchar', length: 64 })
  name!: string;

  @Column({ type: 'varchar', length: 3 })
  currency!: string;

  /** A fixed amount in minor units; null: the payer types it. */
  @Column({ type: 'bigint', nullable: true, transformer: BIGINT })
  amount!: number | null;

  @Column({ name: 'min_amount', type: 'bigint', nullable: true, transformer: BIGINT })
  minAmount!: number | null;

  @Column({ name: 'max_amount', type: 'bigint', nullable: true, transformer: BIGINT })
  maxAmount!: number | null;

  @Column({ name: 'product_id', type: 'varchar', length: 64 })
  productId!: string;

  @Column({ name: 'product_name', type: 'varchar', length: 128 })
  productName!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: QrCodeStatus;

  @Column({ name: 'created_at', type: 'bigint', transformer: BIGINT })
  createdAt!: number;

  @Column({ name: 'updated_at', type: 'bigint', transformer: BIGINT })
  updatedAt!: number;

  @Column({ name: 'deleted_at', type: 'bigint', nullable: true, transformer: BIGINT })
  deletedAt!: number | null;
}
