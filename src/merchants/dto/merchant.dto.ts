import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  Length,
  MaxLength,
  ValidateIf,
} from 'class-validator';
import { FormBool, IfPresent } from '../../common/validation/decorators';
import { PageQueryDto } from '../../common/pagination/pagination';

export class CreateMerchantDto {
  /** Display name. */
  @ApiProperty({ example: 'Apple Store Shanghai' })
  @IsString()
  @Length(1, 128)
  name!: string;

  /** Where paygate POSTs signed webhooks (http or https, public address). @example https://merchant.example.com/paygate/webhooks */
  @IfPresent()
  @IsString()
  @MaxLength(2048)
  notify_url?: string;
}

export class UpdateMerchantDto {
  /** Admins only. */
  @IfPresent()
  @IsString()
  @Length(1, 128)
  name?: string;

  /** Merchants may change their own; null removes it. @example https://merchant.example.com/paygate/webhooks */
  @ApiPropertyOptional({ nullable: true, type: String })
  @IsOptional()
  @ValidateIf((_o, v) => v !== null)
  @IsString()
  @MaxLength(2048)
  notify_url?: string | null;

  /** Admins only: `suspended` refuses the merchant's tokens with 403 at once. */
  @IfPresent()
  @IsIn(['active', 'suspended'])
  status?: 'active' | 'suspended';
}

export class ListMerchantsQueryDto extends PageQueryDto {
  @IsOptional()
  @IsIn(['active', 'suspended'])
  status?: 'active' | 'suspended';
}

export class MerchantDto {
  /** The merchant code. @example 1000001 */
  @ApiProperty({ type: 'integer', format: 'int64' })
  source_id!: number;
  name!: string;
  @ApiProperty({ enum: ['active', 'suspended'] })
  status!: 'active' | 'suspended';
  @ApiProperty({ nullable: true, type: String })
  notify_url!: string | null;
  created_at!: string;
  updated_at!: string;
}

/** The creating response: the only time the two secrets are shown. */
export class CreatedMerchantDto extends MerchantDto {
  /** @example cli_3b0c6f0e2d1a9b8c7d6e5f40 */
  client_id!: string;
  /** Shown once; store it now. */
  client_secret!: string;
  /** Signs webhooks (HMAC-SHA256). Shown once; store it now. */
  webhook_secret!: string;
}

/** The answer to a webhook secret rotation: the only time the new secret is shown. */
export class WebhookSecretDto {
  @ApiProperty({ type: 'integer', format: 'int64' })
  source_id!: number;
  /** The new signing secret (HMAC-SHA256). Shown once; store it now. */
  webhook_secret!: string;
  /** Until then every webhook carries a second `v1` signature, made with the previous secret. */
  previous_secret_expires_at!: string;
}

export class MerchantPageDto {
  items!: MerchantDto[];
  next_cursor!: string | null;
}

export class CredentialDto {
  client_id!: string;
  @ApiProperty({ enum: ['active', 'revoked'] })
  status!: 'active' | 'revoked';
  created_at!: string;
  @ApiProperty({ nullable: true, type: String })
  revoked_at!: string | null;
  /**
   * The client_id of the credential that created this one (an admin's, or one of the
   * merchant's own); null for credentials created before it was recorded.
   */
  @ApiProperty({ nullable: true, type: String })
  created_by!: string | null;
}

export class RevokeCredentialQueryDto {
  /**
   * Also revoke the credentials this one created, those they created, and so on: what a
   * stolen token may have made.
   */
  @IsOptional()
  @FormBool(true)
  @IsBoolean()
  cascade?: boolean;
}

export class RevokedCredentialDto extends CredentialDto {
  /** The client_ids revoked with it (`cascade=true`); empty otherwise. */
  also_revoked!: string[];
}

export class CreatedCredentialDto extends CredentialDto {
  /** Shown once; store it now. */
  client_secret!: string;
}

export class CredentialListDto {
  items!: CredentialDto[];
  next_cursor!: string | null;
}
