import { ApiProperty, PickType } from '@nestjs/swagger';
import { IsString, Length, MaxLength } from 'class-validator';
import { Permission, PERMISSIONS } from '../../auth/permissions';
import { IfPresent } from '../../common/validation/decorators';
import { ConsoleUserDto } from './console-user.dto';

/** Log in to the console. */
export class LoginDto {
  /** Any case. @example ops@example.com */
  @IsString()
  @MaxLength(254)
  email!: string;

  @IsString()
  @MaxLength(256)
  password!: string;

  /** With two-factor authentication: the 6-digit code of the authenticator app, or one of the recovery codes. @example 492039 */
  @IfPresent()
  @IsString()
  @MaxLength(32)
  totp?: string;
}

export class ChangePasswordDto {
  @IsString()
  @MaxLength(256)
  current_password!: string;

  /** At least 12 characters, not a common password, not the email. */
  @IsString()
  @MaxLength(256)
  new_password!: string;
}

/** Re-authentication for two-factor changes. */
export class CurrentPasswordDto {
  @IsString()
  @MaxLength(256)
  current_password!: string;
}

export class ConfirmTotpDto {
  /** A code the authenticator app shows for the key being enrolled. @example 492039 */
  @IsString()
  @Length(6, 6)
  totp!: string;
}

/** The logged-in user, as the users list shows them (less status and times of the record). */
export class SessionUserDto extends PickType(ConsoleUserDto, [
  'user_id',
  'email',
  'name',
  'scope',
  'role',
  'source_id',
  'must_change_password',
  'totp_enabled',
  'last_login_at',
] as const) {}

export class ConsoleSessionDto {
  user!: SessionUserDto;
  /** What this session may do now: the role's row of the role table (only `session.self` until a required password change is made). */
  @ApiProperty({ type: 'array', items: { type: 'string', enum: Object.keys(PERMISSIONS) } })
  permissions!: Permission[];
  /** When the session ends whatever the activity (CONSOLE_SESSION_HOURS after login). */
  expires_at!: string;
  /** Minutes without a request after which the session ends (CONSOLE_SESSION_IDLE_MINUTES). */
  idle_timeout_minutes!: number;
}

export class TotpEnrolmentDto {
  /** The key, base32, for typing into an authenticator app. */
  secret!: string;
  /** The same as an `otpauth://totp/…` link (show it as a QR code). */
  otpauth_url!: string;
}

export class RecoveryCodesDto {
  /** Single-use codes that replace a TOTP code once each. Shown only here; store them now. */
  recovery_codes!: string[];
}

export class TotpStatusDto {
  totp_enabled!: boolean;
}

export class LoggedOutDto {
  logged_out!: true;
}
