import { IntersectionType, PickType } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import { PageQueryDto } from '../../common/pagination/pagination';
import { IsCurrencyCode, MAX_AMOUNT, QueryInt } from '../../common/validation/decorators';
import { OrderDto } from './order.dto';
import { QueryPaymentsDto } from './query-payments.dto';

/**
 * The filters of the console's order search, shared by the search and its CSV export: those of
 * 订单查询's list, and more.
 */
export class OrderFilterDto extends PickType(QueryPaymentsDto, [
  'created_from',
  'created_to',
  'status',
  'channel',
] as const) {
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

export class SearchPaymentsDto extends IntersectionType(OrderFilterDto, PageQueryDto) {}

export class OrderSearchPageDto {
  items!: OrderDto[];
  next_cursor!: string | null;
  /** Orders matching the filter (every page): exact up to 10,000; past that, on PostgreSQL, the planner's estimate. */
  total_count!: number;
  /** false when `total_count` is an estimate. */
  total_exact!: boolean;
}
