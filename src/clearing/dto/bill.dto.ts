import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Min } from 'class-validator';
import { PageQueryDto } from '../../common/pagination/pagination';
import { IsCurrencyCode, QueryInt } from '../../common/validation/decorators';

export class ListBillsQueryDto extends PageQueryDto {
  /** Settlement date, YYYY-MM-DD in SETTLEMENT_TZ. @example 2026-11-26 */
  @IsString()
  date!: string;

  /** Admins: one merchant's bills. A merchant may give only its own. */
  @ApiPropertyOptional({ type: 'integer', format: 'int64' })
  @IsOptional()
  @QueryInt()
  @IsInt()
  @Min(1)
  source_id?: number;

  @IsOptional()
  @IsCurrencyCode()
  currency?: string;
}

export class BillDto {
  /** Derived from merchant, date and currency: the same bill keeps its id across runs. @example bill_20261126_1000001_CNY */
  bill_id!: string;
  @ApiProperty({ type: 'integer', format: 'int64' })
  source_id!: number;
  /** Settlement date, YYYY-MM-DD in SETTLEMENT_TZ. @example 2026-11-26 */
  date!: string;
  currency!: string;
  /** Payments recorded that day. */
  @ApiProperty({ type: 'integer' })
  payment_count!: number;
  /** Sum of those payments, integer minor units. */
  @ApiProperty({ type: 'integer', format: 'int64' })
  payment_amount!: number;
  /** Refunds recorded that day (of payments of any day). */
  @ApiProperty({ type: 'integer' })
  refund_count!: number;
  @ApiProperty({ type: 'integer', format: 'int64' })
  refund_amount!: number;
  /** Channel fees of the day's payments minus the fees the day's refunds gave back. */
  @ApiProperty({ type: 'integer', format: 'int64' })
  fee_amount!: number;
  /** payment_amount − refund_amount − fee_amount: what the merchant is owed for the day. */
  @ApiProperty({ type: 'integer', format: 'int64' })
  net_amount!: number;
  /** provisional when cleared before the day ended; final once a run after its end. */
  @ApiProperty({ enum: ['provisional', 'final'] })
  status!: string;
  generated_at!: string;
}

export class BillPageDto {
  items!: BillDto[];
  @ApiProperty({ nullable: true, type: String })
  next_cursor!: string | null;
}

export class BillLineDto {
  /** 1, 2, … in the order the movements were recorded. */
  @ApiProperty({ type: 'integer' })
  line_no!: number;
  /** The journal entry behind the line. */
  entry_id!: string;
  /** payment, refund, or reversal/correction for a fix made by finance staff. */
  @ApiProperty({ enum: ['payment', 'refund', 'reversal', 'correction'] })
  type!: string;
  order_id!: string;
  @ApiProperty({ nullable: true, type: String })
  refund_id!: string | null;
  @ApiProperty({ nullable: true, type: String })
  merchant_order_no!: string | null;
  /** The channel code. */
  channel!: string;
  /** What the channel moved, integer minor units; negative for money going back. */
  @ApiProperty({ type: 'integer', format: 'int64' })
  amount!: number;
  /** The channel fee; negative when a refund gives its share back. */
  @ApiProperty({ type: 'integer', format: 'int64' })
  fee!: number;
  /** amount − fee: what the line adds to the merchant's net. */
  @ApiProperty({ type: 'integer', format: 'int64' })
  net!: number;
  /** When the gateway recorded the movement. */
  occurred_at!: string;
}

export class BillLinePageDto {
  items!: BillLineDto[];
  @ApiProperty({ nullable: true, type: String })
  next_cursor!: string | null;
}

export class BillDetailDto extends BillDto {
  /** The bill's movements, a page at a time (`limit`, `cursor`). */
  lines!: BillLinePageDto;
}
