import { Column, Entity, PrimaryColumn } from 'typeorm';
import { BIGINT } from '../../database/columns';
import { Role } from '../principal';

export type CredentialStatus = 'active' | 'revoked';

/** A client_id/client_secret pair; the secret is only ever stored as a scrypt hash. */
@Entity('credentials')
export class CredentialEntity {
  @PrimaryColumn({ name: 'client_id', type: 'varchar', length: 64 })
  clientId!: string;

  @Column({ type: 'varchar', length: 16 })
  role!: Role;

  @Column({ name: 'source_id', type: 'bigint', nullable: true, transformer: BIGINT })
  sourceId!: number | null;

  @Column({ name: 'secret_hash', type: 'text' })
  secretHash!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: CredentialStatus;

  @Column({ name: 'created_at', type: 'bigint', transformer: BIGINT })
  createdAt!: number;

  @Column({ name: 'revoked_at', type: 'bigint', nullable: true, transformer: BIGINT })
  revokedAt!: number | null;

  /** The client_id of the credential that created this one; null for the bootstrap admin. */
  @Column({ name: 'created_by', type: 'varchar', length: 64, nullable: true })
  createdBy!: string | null;
}
