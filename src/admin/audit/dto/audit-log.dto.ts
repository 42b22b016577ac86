import { ApiProperty } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { PageQueryDto } from '../../../common/pagination/pagination';

export class ListAuditLogsQueryDto extends PageQueryDto {
  /** e.g. `merchant.create`, `credential.revoke`, `channel.update`. */
  @IsOptional()
  @IsString()
  @MaxLength(64)
  action?: string;

  @IsOptional()
  @IsString()
  @MaxLength(64)
  actor_client_id?: string;

  /** The console user who acted (any case). */
  @IsOptional()
  @IsString()
  @MaxLength(254)
  actor_email?: string;

  /** e.g. `merchant`, `credential`, `channel`. */
  @IsOptional()
  @IsString()
  @MaxLength(32)
  target_type?: string;

  @IsOptional()
  @IsString()
  @MaxLength(128)
  target_id?: string;
}

export class AuditLogDto {
  id!: string;
  /** Who: the credential that acted, or the console user's id. */
  actor_client_id!: string | null;
  /** The row of the role table the actor acted under: `admin`, `merchant` (API credentials) or a console role such as `merchant_finance`. */
  actor_role!: string | null;
  /** The console user's email, when a person acted through the console (or tried to log in). */
  actor_email!: string | null;
  /** What. */
  action!: string;
  target_type!: string;
  target_id!: string | null;
  /** `success` or `failure`. */
  result!: 'success' | 'failure';
  /** The error reason of a failure. */
  reason!: string | null;
  /** From where. */
  ip!: string | null;
  request_id!: string | null;
  /** The request's fields, secrets masked; null when it had no body. */
  @ApiProperty({ type: 'object', nullable: true, additionalProperties: true })
  detail!: Record<string, unknown> | null;
  /** When. */
  created_at!: string;
}

export class AuditLogPageDto {
  items!: AuditLogDto[];
  next_cursor!: string | null;
}
