import {
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  Length,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { IsCurrencyCode, MAX_AMOUNT, QueryInt } from '../../common/validation/decorators';
import { ORDER_STATUSES, OrderStatus } from '../order-state';
import { OrderDto } from './order.dto';

/** The filters of the console's order search, shared by the search and its CSV export. */
export class OrderFilterDto {
  /** ISO 8601 time, inclusive. @example 2026-11-01T00:00:00.000+08:00 */
  @IsOptional()
  @IsISO8601({ strict: true })
  created_from?: string;

  /** ISO 8601 time, exclusive. @example 2026-12-01T00:00:00.000+08:00 */
  @IsOptional()
  @IsISO8601({ strict: true })
  created_to?: string;

  @IsOptional()
  @IsIn(ORDER_STATUSES)
  status?: OrderStatus;

  /** A channel code. */
  @IsOptional()
  @IsString()
  @MaxLength(32)
  channel?: string;

  /** Operators: one merchant. A merchant may only name itself. */
  @IsOptional()
  @QueryInt()
  @IsInt()
  @Min(1)
  source_id?: number;

  /** The search box: an order id, a merchant order number or a channel trade number, exactly. */
  @IsOptional()
  @IsString()
  @Length(1, 128)
  q?: string;

  /** Smallest amount, minor units, inclusive. */
  @IsOptional()
  @QueryInt()
  @IsInt()
  @Min(1)
  @Max(MAX_AMOUNT)
  amount_min?: number;

  /** Largest amount, minor units, inclusive. */
  @IsOptional()
  @QueryInt()
  @IsInt()
  @Min(1)
  @Max(MAX_AMOUNT)
  amount_max?: number;

  @IsOptional()
  @IsCurrencyCode()
  currency?: string;
}

export class SearchPaymentsDto extends OrderFilterDto {
  /** Items per page, 1 to 100 (default 20). */
  @IsOptional()
  @QueryInt()
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  /** Opaque cursor from the previous page's `next_cursor`. */
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}

export class OrderSearchPageDto {
  items!: OrderDto[];
  next_cursor!: string | null;
  /** Orders matching the filter (every page): exact up to 10,000; past that, on PostgreSQL, the planner's estimate. */
  total_count!: number;
  /** false when `total_count` is an estimate. */
  total_exact!: boolean;
}
