import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { PageQueryDto } from '../../common/pagination/pagination';
import {
  FormArray,
  FormBool,
  FormInt,
  FormIntArray,
  IsCurrencyCode,
  IfPresent,
  IsMinorUnits,
  KeepRaw,
  QueryInt,
} from '../../common/validation/decorators';

export const CHANNEL_CODE = /^[a-z][a-z0-9_]{1,31}$/;

export class CreateChannelDto {
  /** Unique among live channels; `route` is reserved. @example sandbox_main */
  @IsString()
  @Matches(CHANNEL_CODE, { message: 'code must match ^[a-z][a-z0-9_]{1,31}$' })
  code!: string;

  @ApiProperty({ example: 'Sandbox (main)' })
  @IsString()
  @Length(1, 64)
  name!: string;

  /** A registered provider adapter: `sandbox`, `alipay`, `wechatpay` or `unionpay`. @example sandbox */
  @IsString()
  @MaxLength(32)
  provider!: string;

  /** Disabled channels take no new orders. */
  @ApiPropertyOptional({ default: true })
  @IfPresent()
  @FormBool()
  @IsBoolean()
  enabled?: boolean;

  /** Higher first; channels of the highest priority are tried before the others. */
  @ApiPropertyOptional({ type: 'integer', default: 0, minimum: -1000, maximum: 1000 })
  @IfPresent()
  @FormInt()
  @IsInt()
  @Min(-1000)
  @Max(1000)
  priority?: number;

  /** Share of traffic within its priority group. */
  @ApiPropertyOptional({ type: 'integer', default: 100, minimum: 1, maximum: 1000 })
  @IfPresent()
  @FormInt()
  @IsInt()
  @Min(1)
  @Max(1000)
  weight?: number;

  /** Fee rate in basis points (60 = 0.6%): fee = fixed_fee + round_half_up(amount × fee_rate_bps / 10000). */
  @ApiPropertyOptional({ type: 'integer', default: 0, minimum: 0, maximum: 10000 })
  @IfPresent()
  @FormInt()
  @IsInt()
  @Min(0)
  @Max(10000)
  fee_rate_bps?: number;

  /** Fixed fee per payment, minor units. */
  @ApiPropertyOptional({ default: 0, type: 'integer', format: 'int64' })
  @IfPresent()
  @IsMinorUnits({ min: 0 })
  fixed_fee?: number;

  /** Smallest amount taken, minor units. */
  @ApiPropertyOptional({ type: 'integer', format: 'int64', nullable: true })
  @IsOptional()
  @IsMinorUnits()
  min_amount?: number | null;

  /** Largest amount taken, minor units. */
  @ApiPropertyOptional({ type: 'integer', format: 'int64', nullable: true })
  @IsOptional()
  @IsMinorUnits()
  max_amount?: number | null;

  /** Most that may be routed to the channel per settlement date, per currency, minor units. */
  @ApiPropertyOptional({ type: 'integer', format: 'int64', nullable: true })
  @IsOptional()
  @IsMinorUnits()
  daily_limit?: number | null;

  /** Currencies taken. @example ["CNY"] */
  @ApiPropertyOptional({ type: [String], default: ['CNY'] })
  @IfPresent()
  @FormArray()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10)
  @IsCurrencyCode({ each: true })
  currencies?: string[];

  /** Merchants (source_id) allowed; empty means every merchant. @example [1000001] */
  @ApiPropertyOptional({ type: 'integer', format: 'int64', isArray: true, default: [] })
  @IfPresent()
  @FormIntArray()
  @IsArray()
  @ArrayMaxSize(1000)
  @IsInt({ each: true })
  @Min(1, { each: true })
  merchants?: number[];

  /**
   * The provider's settings, checked by its adapter (see docs/providers.md). Sandbox:
   * `{secret?, latency_ms, create_error_rate, notify_delay_ms, notify_duplicate_rate,
   * notify_drop_rate, seed?}`. Alipay: `{app_id, private_key, alipay_public_key, gateway_url?,
   * product?: precreate|page|wap, seller_id?}`. WeChat Pay: `{mchid, appid, serial_no,
   * private_key, apiv3_key, platform_public_key, platform_public_key_id, base_url?,
   * product?: native|h5, payer_client_ip?}`. UnionPay: `{mer_id, private_key + sign_cert |
   * private_key_pfx + private_key_password, middle_cert, root_cert, gateway_url?, file_url?,
   * product: gateway|qr, channel_type?: auto|07|08, validate_cn?}` (a PKCS#12 file is read
   * once into `private_key` and `sign_cert`; neither it nor its password is kept). Secret
   * fields (`secret`, `private_key`, `apiv3_key`) are encrypted at rest and shown masked
   * (`****abcd`).
   */
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IfPresent()
  @KeepRaw()
  @IsObject()
  config?: Record<string, unknown>;
}

/**
 * Any field but `code` and `provider`. `null` clears `min_amount`, `max_amount` and
 * `daily_limit`. `config` replaces the config, except that a secret sent back masked
 * (`****abcd`) keeps the stored secret.
 */
export class UpdateChannelDto {
  @IfPresent()
  @IsString()
  @Length(1, 64)
  name?: string;

  @ApiPropertyOptional({ example: false })
  @IfPresent()
  @FormBool()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ type: 'integer', minimum: -1000, maximum: 1000 })
  @IfPresent()
  @FormInt()
  @IsInt()
  @Min(-1000)
  @Max(1000)
  priority?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 1000 })
  @IfPresent()
  @FormInt()
  @IsInt()
  @Min(1)
  @Max(1000)
  weight?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: 10000 })
  @IfPresent()
  @FormInt()
  @IsInt()
  @Min(0)
  @Max(10000)
  fee_rate_bps?: number;

  @ApiPropertyOptional({ type: 'integer', format: 'int64' })
  @IfPresent()
  @IsMinorUnits({ min: 0 })
  fixed_fee?: number;

  @ApiPropertyOptional({ type: 'integer', format: 'int64', nullable: true })
  @IsOptional()
  @IsMinorUnits()
  min_amount?: number | null;

  @ApiPropertyOptional({ type: 'integer', format: 'int64', nullable: true })
  @IsOptional()
  @IsMinorUnits()
  max_amount?: number | null;

  @ApiPropertyOptional({ type: 'integer', format: 'int64', nullable: true })
  @IsOptional()
  @IsMinorUnits()
  daily_limit?: number | null;

  @ApiPropertyOptional({ type: [String] })
  @IfPresent()
  @FormArray()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10)
  @IsCurrencyCode({ each: true })
  currencies?: string[];

  @ApiPropertyOptional({ type: 'integer', format: 'int64', isArray: true })
  @IfPresent()
  @FormIntArray()
  @IsArray()
  @ArrayMaxSize(1000)
  @IsInt({ each: true })
  @Min(1, { each: true })
  merchants?: number[];

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IfPresent()
  @KeepRaw()
  @IsObject()
  config?: Record<string, unknown>;
}

export class ListChannelsQueryDto extends PageQueryDto {
  @IsOptional()
  @FormBool(true)
  @IsBoolean()
  enabled?: boolean;

  @IsOptional()
  @IsString()
  @MaxLength(32)
  provider?: string;
}

export class RouteQueryDto {
  /** Order amount, minor units. @example 1000 */
  @ApiProperty({ type: 'integer', format: 'int64' })
  @QueryInt()
  @IsMinorUnits()
  amount!: number;

  /** @example CNY */
  @ApiPropertyOptional({ default: 'CNY' })
  @IsOptional()
  @IsCurrencyCode()
  currency?: string;

  /** The merchant the order is for. @example 1000001 */
  @ApiProperty({ type: 'integer', format: 'int64' })
  @QueryInt()
  @IsInt()
  @Min(1)
  source_id!: number;

  /** Explain an order that forces this channel (the order's `channel` field). */
  @IsOptional()
  @IsString()
  @MaxLength(32)
  channel?: string;
}

export class ChannelHealthDto {
  @ApiProperty({ enum: ['closed', 'open', 'half_open'] })
  state!: 'closed' | 'open' | 'half_open';
  /** Successful payment creations over attempts today (settlement date); null without attempts. @example 0.98 */
  @ApiProperty({ type: Number, nullable: true })
  success_rate!: number | null;
  /** Failures in a row; 5 open the circuit. */
  @ApiProperty({ type: 'integer' })
  consecutive_failures!: number;
}

export class ChannelVolumeDto {
  /** @example CNY */
  currency!: string;
  /** Amount routed today (settlement date), minor units. */
  @ApiProperty({ type: 'integer', format: 'int64' })
  amount!: number;
}

export class ChannelDto {
  code!: string;
  name!: string;
  provider!: string;
  enabled!: boolean;
  @ApiProperty({ type: 'integer' })
  priority!: number;
  @ApiProperty({ type: 'integer' })
  weight!: number;
  @ApiProperty({ type: 'integer' })
  fee_rate_bps!: number;
  @ApiProperty({ type: 'integer', format: 'int64' })
  fixed_fee!: number;
  @ApiProperty({ type: 'integer', format: 'int64', nullable: true })
  min_amount!: number | null;
  @ApiProperty({ type: 'integer', format: 'int64', nullable: true })
  max_amount!: number | null;
  @ApiProperty({ type: 'integer', format: 'int64', nullable: true })
  daily_limit!: number | null;
  currencies!: string[];
  @ApiProperty({ type: 'integer', format: 'int64', isArray: true })
  merchants!: number[];
  /** The provider's settings, secrets masked as `****` and their last 4 characters. */
  @ApiProperty({ type: 'object', additionalProperties: true })
  config!: Record<string, unknown>;
  health!: ChannelHealthDto;
  /** Routed today (settlement date in SETTLEMENT_TZ), per currency. */
  today_volume!: ChannelVolumeDto[];
  created_at!: string;
  updated_at!: string;
  /** Set once the channel is deleted. */
  @ApiProperty({ type: String, nullable: true })
  deleted_at!: string | null;
}

export class ChannelPageDto {
  items!: ChannelDto[];
  next_cursor!: string | null;
}

export class RouteCandidateDto {
  code!: string;
  @ApiProperty({ type: 'integer' })
  priority!: number;
  @ApiProperty({ type: 'integer' })
  weight!: number;
  /** Chance of being tried first within its priority group. @example 0.25 */
  probability!: number;
}

export class RouteExclusionDto {
  code!: string;
  @ApiProperty({
    enum: [
      'disabled',
      'currency',
      'amount_range',
      'merchant',
      'daily_limit',
      'circuit_open',
      'not_requested',
    ],
  })
  reason!: string;
}

export class RouteExplanationDto {
  /** In the order they would be tried: the first priority group, then the next. */
  candidates!: RouteCandidateDto[];
  excluded!: RouteExclusionDto[];
}
