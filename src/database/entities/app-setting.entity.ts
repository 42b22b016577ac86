import { Column, Entity, PrimaryColumn } from 'typeorm';
import { BIGINT } from '../columns';

/** Values generated once and shared by every instance (development JWT secret, config key). */
@Entity('app_settings')
export class AppSettingEntity {
  @PrimaryColumn({ type: 'varchar', length: 100 })
  key!: string;

  @Column({ type: 'text' })
  value!: string;

  @Column({ name: 'created_at', type: 'bigint', transformer: BIGINT })
  createdAt!: number;
}
