import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsString, Length, Matches, Max, MaxLength, Min } from 'class-validator';
import {
  FormInt,
  IsCurrencyCode,
  IsMinorUnits,
  IfPresent,
} from '../../common/validation/decorators';

/**
 * 订单创建: the fields of the original document's table, each declared to Swagger so the
 * parameter table keeps the original's order (plugin-only fields would come after).
 */
export class CreatePaymentDto {
  /** The merchant code; must be the token's merchant (else 403 `source_id_mismatch`). @example 1000001 */
  @ApiProperty({ type: 'integer', format: 'int64' })
  @FormInt()
  @IsInt()
  @Min(1)
  source_id!: number;

  /** 1..64 chars. @example 123 */
  @ApiProperty()
  @IsString()
  @Length(1, 64)
  product_id!: string;

  /** 1..128 chars. @example apple */
  @ApiProperty()
  @IsString()
  @Length(1, 128)
  product_name!: string;

  /** Integer minor units (fen for CNY): 1000 means 10.00 CNY. 1..10^12. @example 1000 */
  @ApiProperty({ type: 'integer', format: 'int64', minimum: 1, maximum: 1_000_000_000_000 })
  @IsMinorUnits()
  amount!: number;

  /** ≤1024 chars, returned verbatim. @example cart=A-17 */
  @ApiPropertyOptional()
  @IfPresent()
  @IsString()
  @MaxLength(1024)
  external_ext?: string;

  /** ≤256 chars. @example gift wrap */
  @ApiPropertyOptional()
  @IfPresent()
  @IsString()
  @MaxLength(256)
  memo?: string;

  /** ISO 4217, upper case. @example CNY */
  @ApiPropertyOptional({ pattern: '^[A-Z]{3}$', default: 'CNY' })
  @IfPresent()
  @IsCurrencyCode()
  currency?: string;

  /** Your own order number, unique per merchant, ≤64 chars. @example SO-20261126-0001 */
  @ApiPropertyOptional()
  @IfPresent()
  @IsString()
  @Length(1, 64)
  merchant_order_no?: string;

  /**
   * Force one channel by its code (it must still pass its rules), or `cashier`: no channel yet,
   * `pay_url` is the hosted cashier, where the payer picks a wallet among those routing allows.
   * @example sandbox_main
   */
  @ApiPropertyOptional()
  @IfPresent()
  @IsString()
  @Matches(/^[a-z][a-z0-9_]{1,31}$/, { message: 'channel must be a channel code' })
  channel?: string;

  /** Seconds the payer has to pay, 60..86400. @example 1800 */
  @ApiProperty({ type: 'integer', required: false, minimum: 60, maximum: 86400, default: 1800 })
  @IfPresent()
  @FormInt()
  @IsInt()
  @Min(60)
  @Max(86400)
  expire_seconds?: number;

  /**
   * Where the hosted cashier sends the payer once the order is paid (or closed): http(s), a
   * public address (as `notify_url`), ≤2048 chars. @example https://shop.example.com/orders/SO-20261126-0001
   */
  @ApiPropertyOptional()
  @IfPresent()
  @IsString()
  @MaxLength(2048)
  return_url?: string;
}
