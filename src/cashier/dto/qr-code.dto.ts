import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsString, Length } from 'class-validator';
import { PageQueryDto } from '../../common/pagination/pagination';
import { IfPresent, IsCurrencyCode, IsMinorUnits } from '../../common/validation/decorators';

/** 商户码: a code the merchant prints once; the payer scans it and types the amount. */
export class CreateQrCodeDto {
  /** Shown to the payer above the amount, ≤64 chars. @example 前台收款 */
  @ApiProperty()
  @IsString()
  @Length(1, 64)
  name!: string;

  /** A fixed amount in minor units; without it the payer types the amount. @example 1500 */
  @ApiPropertyOptional({ type: 'integer', format: 'int64', minimum: 1 })
  @IfPresent()
  @IsMinorUnits()
  amount?: number;

  /** The smallest amount a payer may type, minor units (default 1). @example 100 */
  @ApiPropertyOptional({ type: 'integer', format: 'int64', minimum: 1 })
  @IfPresent()
  @IsMinorUnits()
  min_amount?: number;

  /** The largest amount a payer may type, minor units. @example 500000 */
  @ApiPropertyOptional({ type: 'integer', format: 'int64', minimum: 1 })
  @IfPresent()
  @IsMinorUnits()
  max_amount?: number;

  /** ISO 4217, upper case. @example CNY */
  @ApiPropertyOptional({ pattern: '^[A-Z]{3}$', default: 'CNY' })
  @IfPresent()
  @IsCurrencyCode()
  currency?: string;

  /** The `product_id` of the code's orders, 1..64 chars (default `qr_code`). @example counter-1 */
  @ApiPropertyOptional()
  @IfPresent()
  @IsString()
  @Length(1, 64)
  product_id?: string;

  /** The `product_name` of the code's orders, 1..128 chars (default the code's name). @example 门店消费 */
  @ApiPropertyOptional()
  @IfPresent()
  @IsString()
  @Length(1, 128)
  product_name?: string;
}

export class UpdateQrCodeDto {
  /** `disabled` stops the code taking payments (its page says so); `active` again. */
  @ApiProperty({ enum: ['active', 'disabled'] })
  @IsIn(['active', 'disabled'])
  status!: 'active' | 'disabled';
}

export class ListQrCodesQueryDto extends PageQueryDto {}

export class QrCodeDto {
  /** @example qrc_0193a1f2c3d47e5f8a9b0c1d2e3f4a5b */
  code_id!: string;
  @ApiProperty({ type: 'integer', format: 'int64', example: 1000001 })
  source_id!: number;
  name!: string;
  /** @example CNY */
  currency!: string;
  /** A fixed amount in minor units; null when the payer types it. */
  @ApiProperty({ nullable: true, type: 'integer', format: 'int64' })
  amount!: number | null;
  @ApiProperty({ nullable: true, type: 'integer', format: 'int64' })
  min_amount!: number | null;
  @ApiProperty({ nullable: true, type: 'integer', format: 'int64' })
  max_amount!: number | null;
  product_id!: string;
  product_name!: string;
  @ApiProperty({ enum: ['active', 'disabled'] })
  status!: string;
  /**
   * What the printed QR code holds: the code's cashier page.
   * @example https://pay.example.com/cashier/c/Zq3v9xJ0b2Yw8kPq1sTn4A
   */
  url!: string;
  /** The QR code as a PNG image (also `.svg`), for printing. */
  qr_image_url!: string;
  created_at!: string;
  updated_at!: string;
}

export class QrCodePageDto {
  items!: QrCodeDto[];
  @ApiProperty({ nullable: true, type: String })
  next_cursor!: string | null;
}
