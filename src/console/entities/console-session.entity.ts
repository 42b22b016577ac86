import { Column, Entity, PrimaryColumn } from 'typeorm';
import { BIGINT } from '../../database/columns';

/** A browser's login. The cookie holds a random token; only its SHA-256 is stored. */
@Entity('console_sessions')
export class ConsoleSessionEntity {
  @PrimaryColumn({ name: 'session_id', type: 'varchar', length: 64 })
  sessionId!: string;

  @Column({ name: 'user_id', type: 'varchar', length: 40 })
  userId!: string;

  @Column({ name: 'created_at', type: 'bigint', transformer: BIGINT })
  createdAt!: number;

  /** Written at most once a minute: the idle timeout counts from here. */
  @Column({ name: 'last_seen_at', type: 'bigint', transformer: BIGINT })
  lastSeenAt!: number;

  /** The absolute end, whatever the activity. */
  @Column({ name: 'expires_at', type: 'bigint', transformer: BIGINT })
  expiresAt!: number;

  @Column({ name: 'revoked_at', type: 'bigint', nullable: true, transformer: BIGINT })
  revokedAt!: number | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  ip!: string | null;

  @Column({ name: 'user_agent', type: 'varchar', length: 256, nullable: true })
  userAgent!: string | null;
}
