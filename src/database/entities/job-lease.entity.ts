import { Column, Entity, PrimaryColumn } from 'typeorm';
import { BIGINT } from '../columns';

/** Which instance currently runs a background job; expired leases are taken over. */
@Entity('job_leases')
export class JobLeaseEntity {
  @PrimaryColumn({ type: 'varchar', length: 100 })
  name!: string;

  @Column({ type: 'varchar', length: 100 })
  owner!: string;

  @Column({ name: 'lease_until', type: 'bigint', transformer: BIGINT })
  leaseUntil!: number;
}
