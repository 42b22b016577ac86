import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ORDER_STATUSES } from '../order-state';

export class RouteCandidateDto {
  code!: string;
  priority!: number;
  weight!: number;
  probability!: number;
}

export class RouteExclusionDto {
  code!: string;
  /** disabled, currency, amount_range, merchant, daily_limit, circuit_open or not_requested. */
  reason!: string;
}

export class PaymentAttemptDto {
  /** 1 for the first channel tried. */
  seq!: number;
  channel!: string;
  /** `succeeded`, `failed`, or `started` when the outcome was never recorded (crash). */
  outcome!: 'started' | 'succeeded' | 'failed';
  /** timeout, unavailable, rejected, daily_limit or circuit_open. */
  @ApiProperty({ nullable: true, type: String })
  failure_reason!: string | null;
  @ApiProperty({ nullable: true, type: String })
  message!: string | null;
  @ApiProperty({ nullable: true, type: Number })
  latency_ms!: number | null;
  started_at!: string;
  @ApiProperty({ nullable: true, type: String })
  finished_at!: string | null;
}

/** Admins only: why the order went where it went. */
export class RoutingTraceDto {
  candidates!: RouteCandidateDto[];
  excluded!: RouteExclusionDto[];
  attempts!: PaymentAttemptDto[];
}

export class OrderDto {
  /** @example ord_0193a1f2c3d47e5f8a9b0c1d2e3f4a5b */
  order_id!: string;
  @ApiProperty({ type: 'integer', format: 'int64' })
  source_id!: number;
  @ApiProperty({ nullable: true, type: String })
  merchant_order_no!: string | null;
  product_id!: string;
  product_name!: string;
  /** Integer minor units. */
  @ApiProperty({ type: 'integer', format: 'int64' })
  amount!: number;
  currency!: string;
  @ApiProperty({ enum: ORDER_STATUSES })
  status!: string;
  /** The channel code that took the order. */
  @ApiProperty({ nullable: true, type: String })
  channel!: string | null;
  @ApiProperty({ nullable: true, type: String })
  channel_trade_no!: string | null;
  /** Where the payer completes the payment. */
  @ApiProperty({ nullable: true, type: String })
  pay_url!: string | null;
  @ApiProperty({ nullable: true, type: String })
  external_ext!: string | null;
  @ApiProperty({ nullable: true, type: String })
  memo!: string | null;
  @ApiProperty({ type: 'integer', format: 'int64' })
  refunded_amount!: number;
  /** The channel's fee for this payment, integer minor units. */
  @ApiProperty({ type: 'integer', format: 'int64' })
  fee_amount!: number;
  /** The channel reported the payment after the order had been closed or failed. */
  late_payment!: boolean;
  created_at!: string;
  updated_at!: string;
  expires_at!: string;
  @ApiProperty({ nullable: true, type: String })
  paid_at!: string | null;
  /** Admins only. */
  @ApiPropertyOptional({ type: RoutingTraceDto })
  routing?: RoutingTraceDto;
}

export class OrderPageDto {
  items!: OrderDto[];
  @ApiProperty({ nullable: true, type: String })
  next_cursor!: string | null;
}
