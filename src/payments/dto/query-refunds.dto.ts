import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { PageQueryDto } from '../../common/pagination/pagination';
import { IsTimestamp, QueryInt } from '../../common/validation/decorators';
import { REFUND_STATUSES, RefundStatus } from '../entities/refund.entity';
import { RefundDto } from './refund.dto';

/** 退款列表: every refund the caller may see, newest first, filtered. */
export class QueryRefundsDto extends PageQueryDto {
  @IsOptional()
  @IsIn(REFUND_STATUSES)
  status?: RefundStatus;

  /** The refunds of one order. @example ord_0193a1f2c3d47e5f8a9b0c1d2e3f4a5b */
  @IsOptional()
  @IsString()
  @MaxLength(40)
  order_id?: string;

  /** Operators: one merchant. A merchant may only name itself. */
  @IsOptional()
  @QueryInt()
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  source_id?: number;

  /** Refunds created at or after this time: ISO 8601 date or time with its zone. @example 2026-11-26T00:00:00.000Z */
  @IsOptional()
  @IsTimestamp()
  created_from?: string;

  /** Refunds created before this time (exclusive). */
  @IsOptional()
  @IsTimestamp()
  created_to?: string;
}

/** A refund in the list: the Refund, with its merchant and its order's merchant order number. */
export class RefundListItemDto extends RefundDto {
  /** The merchant the refunded order belongs to. @example 1000001 */
  @ApiProperty({ type: 'integer', format: 'int64' })
  source_id!: number;
  /** The merchant's own number of the refunded order. */
  @ApiProperty({ nullable: true, type: String })
  merchant_order_no!: string | null;
}

export class RefundPageDto {
  items!: RefundListItemDto[];
  @ApiProperty({ nullable: true, type: String })
  next_cursor!: string | null;
}
