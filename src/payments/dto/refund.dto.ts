import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length, MaxLength } from 'class-validator';
import { IsMinorUnits, IfPresent } from '../../common/validation/decorators';

export class CreateRefundDto {
  /** Integer minor units; the sum of refunds not failed never exceeds the order's amount. @example 500 */
  @ApiProperty({ type: 'integer', format: 'int64', minimum: 1 })
  @IsMinorUnits()
  amount!: number;

  /** ≤256 chars. @example customer returned the item */
  @IfPresent()
  @IsString()
  @MaxLength(256)
  reason?: string;

  /** Your own refund number, unique per merchant. @example RF-20261126-0001 */
  @IfPresent()
  @IsString()
  @Length(1, 64)
  merchant_refund_no?: string;
}

export class RefundDto {
  /** @example re_0193a1f2c3d47e5f8a9b0c1d2e3f4a5b */
  refund_id!: string;
  order_id!: string;
  @ApiProperty({ nullable: true, type: String })
  merchant_refund_no!: string | null;
  @ApiProperty({ type: 'integer', format: 'int64' })
  amount!: number;
  currency!: string;
  @ApiProperty({ enum: ['PENDING', 'SUCCEEDED', 'FAILED'] })
  status!: string;
  @ApiProperty({ nullable: true, type: String })
  reason!: string | null;
  /** The share of the payment's fee this refund gives back. */
  @ApiProperty({ type: 'integer', format: 'int64' })
  fee_amount!: number;
  @ApiProperty({ nullable: true, type: String })
  failure_reason!: string | null;
  created_at!: string;
  @ApiProperty({ nullable: true, type: String })
  completed_at!: string | null;
}

export class RefundListDto {
  items!: RefundDto[];
  @ApiProperty({ nullable: true, type: String })
  next_cursor!: string | null;
}
