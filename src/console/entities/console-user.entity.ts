import { Column, Entity, PrimaryColumn } from 'typeorm';
import { BIGINT } from '../../database/columns';

export type ConsoleScope = 'operator' | 'merchant';
export type ConsoleUserStatus = 'active' | 'disabled';
export const OPERATOR_ROLES = ['owner', 'admin', 'viewer'] as const;
export const MERCHANT_ROLES = ['owner', 'finance', 'developer', 'viewer'] as const;
export type ConsoleRole = (typeof OPERATOR_ROLES)[number] | (typeof MERCHANT_ROLES)[number];

/** A new active account; `mustChangePassword` when someone else chose the password. */
export function newConsoleUser(
  fields: Pick<
    ConsoleUserEntity,
    | 'userId'
    | 'email'
    | 'name'
    | 'scope'
    | 'sourceId'
    | 'role'
    | 'passwordHash'
    | 'mustChangePassword'
  >,
  now: number,
): ConsoleUserEntity {
  return {
    ...fields,
    emailKey: fields.email.toLowerCase(),
    status: 'active',
    passwordChangedAt: now,
    totpSecret: null,
    totpPendingSecret: null,
    totpEnabledAt: null,
    totpLastStep: null,
    lastLoginAt: null,
    createdAt: now,
    updatedAt: now,
  };
}

/** A person who logs in to the web console: an operator, or one merchant's staff. */
@Entity('console_users')
export class ConsoleUserEntity {
  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 40 })
  userId!: string;

  /** As the person wrote it. */
  @Column({ type: 'varchar', length: 254 })
  email!: string;

  /** Lower-cased: unique, so one address is one account whatever its case. */
  @Column({ name: 'email_key', type: 'varchar', length: 254 })
  emailKey!: string;

  @Column({ type: 'varchar', length: 128 })
  name!: string;

  @Column({ type: 'varchar', length: 16 })
  scope!: ConsoleScope;

  /** The merchant of a merchant user; null for operators. */
  @Column({ name: 'source_id', type: 'bigint', nullable: true, transformer: BIGINT })
  sourceId!: number | null;

  @Column({ type: 'varchar', length: 16 })
  role!: ConsoleRole;

  @Column({ type: 'varchar', length: 16 })
  status!: ConsoleUserStatus;

  /** `scrypt$N$r$p$salt$hash`: the salt and cost parameters of this user's hash. */
  @Column({ name: 'password_hash', type: 'text' })
  passwordHash!: string;

  @Column({ name: 'must_change_password', type: 'boolean', default: false })
  mustChangePassword!: boolean;

  @Column({ name: 'password_changed_at', type: 'bigint', transformer: BIGINT })
  passwordChangedAt!: number;

  /** The TOTP key, sealed with the secret box; null until enrolment is confirmed. */
  @Column({ name: 'totp_secret', type: 'text', nullable: true })
  totpSecret!: string | null;

  /** A key being enrolled, sealed; becomes `totpSecret` once a code from it is confirmed. */
  @Column({ name: 'totp_pending_secret', type: 'text', nullable: true })
  totpPendingSecret!: string | null;

  @Column({ name: 'totp_enabled_at', type: 'bigint', nullable: true, transformer: BIGINT })
  totpEnabledAt!: number | null;

  /** The last 30-second step a code was accepted for: a code is good once (RFC 6238 §5.2). */
  @Column({ name: 'totp_last_step', type: 'bigint', nullable: true, transformer: BIGINT })
  totpLastStep!: number | null;

  @Column({ name: 'last_login_at', type: 'bigint', nullable: true, transformer: BIGINT })
  lastLoginAt!: number | null;

  @Column({ name: 'created_at', type: 'bigint', transformer: BIGINT })
  createdAt!: number;

  @Column({ name: 'updated_at', type: 'bigint', transformer: BIGINT })
  updatedAt!: number;
}
