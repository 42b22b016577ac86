import { ApiProperty } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { PageQueryDto } from '../../common/pagination/pagination';
import { DISCREPANCY_TYPES } from '../reconcile';

export class CreateReconciliationDto {
  /** Settlement date, YYYY-MM-DD in SETTLEMENT_TZ (today reconciles what the channel has so far). @example 2026-11-26 */
  @IsString()
  date!: string;

  /** The channel code (a deleted channel's too). @example sandbox_main */
  @IsString()
  @Matches(/^[a-z][a-z0-9_]{1,31}$/, { message: 'channel must be a channel code' })
  channel!: string;
}

export class ListReconciliationsQueryDto extends PageQueryDto {
  /** Settlement date, YYYY-MM-DD. */
  @IsOptional()
  @IsString()
  date?: string;

  /** A channel code. */
  @IsOptional()
  @IsString()
  @MaxLength(32)
  channel?: string;
}

export class DiscrepancyDto {
  @ApiProperty({ enum: DISCREPANCY_TYPES })
  type!: string;
  /** statement: found comparing the channel's statement; notification: a channel notification payments could not apply (kept as an exception). */
  @ApiProperty({ enum: ['statement', 'notification'] })
  source!: string;
  @ApiProperty({ nullable: true, type: String })
  order_id!: string | null;
  @ApiProperty({ nullable: true, type: String })
  refund_id!: string | null;
  @ApiProperty({ nullable: true, type: String })
  channel_trade_no!: string | null;
  /** The gateway's currency for the movement, when it knows it. */
  @ApiProperty({ nullable: true, type: String })
  currency!: string | null;
  /** The currency the channel reported. */
  @ApiProperty({ nullable: true, type: String })
  channel_currency!: string | null;
  /** Integer minor units, as the gateway recorded it. */
  @ApiProperty({ nullable: true, type: 'integer', format: 'int64' })
  gateway_amount!: number | null;
  /** Integer minor units, as the channel reported it. */
  @ApiProperty({ nullable: true, type: 'integer', format: 'int64' })
  channel_amount!: number | null;
  @ApiProperty({ nullable: true, type: 'integer', format: 'int64' })
  gateway_fee!: number | null;
  /** Only when the channel's statement carries fees. */
  @ApiProperty({ nullable: true, type: 'integer', format: 'int64' })
  channel_fee!: number | null;
  @ApiProperty({ nullable: true, type: String })
  gateway_status!: string | null;
  @ApiProperty({ nullable: true, type: String })
  channel_status!: string | null;
}

export class ReconciliationDto {
  /** @example rec_0193a1f2c3d47e5f8a9b0c1d2e3f4a5b */
  reconciliation_id!: string;
  /** @example 2026-11-26 */
  date!: string;
  /** The channel code. */
  channel!: string;
  /** Lines on the channel's statement. */
  @ApiProperty({ type: 'integer' })
  statement_line_count!: number;
  /** Statement lines that agree with the gateway in status, amount, currency and fee. */
  @ApiProperty({ type: 'integer' })
  matched_count!: number;
  discrepancies!: DiscrepancyDto[];
  created_at!: string;
}

export class ReconciliationPageDto {
  items!: ReconciliationDto[];
  @ApiProperty({ nullable: true, type: String })
  next_cursor!: string | null;
}
