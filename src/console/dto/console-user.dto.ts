import {
  IsEmail,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  MaxLength,
  Min,
} from 'class-validator';
import { PageQueryDto } from '../../common/pagination/pagination';
import { FormInt, IfPresent, QueryInt } from '../../common/validation/decorators';
import {
  ConsoleRole,
  ConsoleScope,
  ConsoleUserStatus,
  MERCHANT_ROLES,
  OPERATOR_ROLES,
} from '../entities/console-user.entity';

const ROLES = [...new Set([...OPERATOR_ROLES, ...MERCHANT_ROLES])];

export class CreateConsoleUserDto {
  /** Unique whatever its case. @example finance@shop.example.com */
  @IsEmail({}, { message: 'email must be an email address' })
  @MaxLength(254)
  email!: string;

  /** @example Li Na */
  @IsString()
  @Length(1, 128)
  name!: string;

  /** `operator` or `merchant`. */
  @IsIn(['operator', 'merchant'])
  scope!: ConsoleScope;

  /** Operators: owner, admin, viewer. Merchants: owner, finance, developer, viewer. */
  @IsIn(ROLES)
  role!: ConsoleRole;

  /** The merchant, for `scope: merchant` (and only then). @example 1000001 */
  @IfPresent()
  @FormInt()
  @IsInt()
  @Min(1)
  source_id?: number;

  /** The initial password (at least 12 characters, not a common one); the user must change it at first login. */
  @IsString()
  @MaxLength(256)
  password!: string;
}

export class UpdateConsoleUserDto {
  @IfPresent()
  @IsString()
  @Length(1, 128)
  name?: string;

  /** A role of the user's scope. */
  @IfPresent()
  @IsIn(ROLES)
  role?: ConsoleRole;

  /** `disabled` ends the user's sessions at once and refuses their logins. */
  @IfPresent()
  @IsIn(['active', 'disabled'])
  status?: ConsoleUserStatus;

  /** A new password set by an owner (a reset): the user must change it at next login; their sessions end. */
  @IfPresent()
  @IsString()
  @MaxLength(256)
  password?: string;

  /** `false` turns the user's two-factor authentication off (a lost authenticator). */
  @IfPresent()
  @IsIn([false])
  totp_enabled?: false;
}

export class ListConsoleUsersQueryDto extends PageQueryDto {
  @IsOptional()
  @IsIn(['operator', 'merchant'])
  scope?: ConsoleScope;

  /** Operators: one merchant's users. */
  @IsOptional()
  @QueryInt()
  @IsInt()
  @Min(1)
  source_id?: number;

  @IsOptional()
  @IsIn(['active', 'disabled'])
  status?: ConsoleUserStatus;
}

export class ConsoleUserDto {
  /** @example usr_0193a1f2c3d47e5f8a9b0c1d2e3f4a5b */
  user_id!: string;
  /** @example ops@example.com */
  email!: string;
  name!: string;
  /** `operator` (the gateway's operators) or `merchant` (one merchant's staff). */
  scope!: ConsoleScope;
  /** Operators: owner, admin, viewer. Merchants: owner, finance, developer, viewer. */
  role!: ConsoleRole;
  /** The merchant of a merchant user; null for operators. */
  source_id!: number | null;
  status!: ConsoleUserStatus;
  /** Set for a new account or after a reset: until the password is changed, its sessions may do nothing else. */
  must_change_password!: boolean;
  totp_enabled!: boolean;
  last_login_at!: string | null;
  created_at!: string;
  updated_at!: string;
}

export class ConsoleUserPageDto {
  items!: ConsoleUserDto[];
  next_cursor!: string | null;
}
