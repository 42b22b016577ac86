import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Matches, MaxLength, Min } from 'class-validator';
import {
  FormInt,
  IsCurrencyCode,
  IsMinorUnits,
  QueryInt,
  IfPresent,
} from '../../../../common/validation/decorators';
import { CHANNEL_CODE } from '../../../dto/channel.dto';

/** The signed fields of a pay link (`pay_url`'s query string). */
export class PayLinkQueryDto {
  /** The channel's code. @example sandbox_main */
  @IsString()
  @Matches(CHANNEL_CODE)
  channel!: string;

  /** Minor units. */
  @ApiProperty({ type: 'integer', format: 'int64', example: 1000 })
  @QueryInt()
  @IsMinorUnits()
  amount!: number;

  /** @example CNY */
  @IsCurrencyCode()
  currency!: string;

  /** Epoch ms after which the link refuses payment. */
  @ApiProperty({ type: 'integer', format: 'int64', example: 1764152400000 })
  @QueryInt()
  @IsInt()
  @Min(0)
  expires!: number;

  /** HMAC-SHA256 of the other fields with the channel's secret. @example 9f2c4e7a1b3d5f60 */
  @IsString()
  @MaxLength(128)
  sig!: string;
}

/** The same fields, when a script POSTs to `pay_url` with them in the query string. */
export class PayLinkFieldsDto {
  @IsOptional()
  @IsString()
  @Matches(CHANNEL_CODE)
  channel?: string;

  @IsOptional()
  @QueryInt()
  @IsMinorUnits()
  amount?: number;

  @IsOptional()
  @IsCurrencyCode()
  currency?: string;

  @IsOptional()
  @QueryInt()
  @IsInt()
  @Min(0)
  expires?: number;

  @IsOptional()
  @IsString()
  @MaxLength(128)
  sig?: string;
}

/**
 * The payer's decision. The signed fields come from `pay_url`'s query string or from the body
 * (the body wins).
 */
export class SandboxPayDto {
  @ApiProperty({ enum: ['success', 'fail'], example: 'success' })
  @IsIn(['success', 'fail'])
  outcome!: 'success' | 'fail';

  @IfPresent()
  @IsString()
  @Matches(CHANNEL_CODE)
  channel?: string;

  @IfPresent()
  @IsMinorUnits()
  amount?: number;

  @IfPresent()
  @IsCurrencyCode()
  currency?: string;

  @IfPresent()
  @FormInt()
  @IsInt()
  @Min(0)
  expires?: number;

  @IfPresent()
  @IsString()
  @MaxLength(128)
  sig?: string;
}

export class SandboxPayResultDto {
  order_id!: string;
  @ApiProperty({ enum: ['success', 'fail'] })
  outcome!: 'success' | 'fail';
  /** The sandbox trade's status now; a notification follows after `notify_delay_ms`. */
  @ApiProperty({ enum: ['SUCCEEDED', 'FAILED'] })
  status!: 'SUCCEEDED' | 'FAILED';
}
