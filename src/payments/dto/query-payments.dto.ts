import { IsIn, IsOptional, IsString, Length, MaxLength } from 'class-validator';
import { IsTimestamp } from '../../common/validation/decorators';
import { PageQueryDto } from '../../common/pagination/pagination';
import { ORDER_STATUSES, OrderStatus } from '../order-state';

/**
 * 订单查询: with `order_id` or `merchant_order_no`, the one order; without either, the caller's
 * orders, newest first, filtered.
 */
export class QueryPaymentsDto extends PageQueryDto {
  /** One order by its id. @example ord_0193a1f2c3d47e5f8a9b0c1d2e3f4a5b */
  @IsOptional()
  @IsString()
  @MaxLength(40)
  order_id?: string;

  @IsOptional()
  @IsString()
  @Length(1, 64)
  merchant_order_no?: string;

  @IsOptional()
  @IsIn(ORDER_STATUSES)
  status?: OrderStatus;

  /** A channel code. */
  @IsOptional()
  @IsString()
  @MaxLength(32)
  channel?: string;

  /** ISO 8601 date or time with its zone, inclusive. @example 2026-11-26T00:00:00.000Z */
  @IsOptional()
  @IsTimestamp()
  created_from?: string;

  /** ISO 8601 date or time with its zone, exclusive. */
  @IsOptional()
  @IsTimestamp()
  created_to?: string;
}
