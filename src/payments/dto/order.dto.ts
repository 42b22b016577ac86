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
  @ApiProperty({ type: 'integer', format: 'int64', example: 1000001 })
  source_id!: number;
  @ApiProperty({ nullable: true, type: String, example: 'SO-20261126-0001' })
  merchant_order_no!: string | null;
  /** @example 123 */
  product_id!: string;
  /** @example apple */
  product_name!: string;
  /** Integer minor units. */
  @ApiProperty({ type: 'integer', format: 'int64', example: 1000 })
  amount!: number;
  /** @example CNY */
  currency!: string;
  @ApiProperty({ enum: ORDER_STATUSES, example: 'PENDING' })
  status!: string;
  /** The channel code that took the order. */
  @ApiProperty({ nullable: true, type: String, example: 'sandbox_main' })
  channel!: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'sbx_7f3a9c2e5b1d4068' })
  channel_trade_no!: string | null;
  /** Where the payer completes the payment. */
  @ApiProperty({
    nullable: true,
    type: String,
    example:
      'https://pay.example.com/sandbox/pay/ord_0193a1f2c3d47e5f8a9b0c1d2e3f4a5b?channel=sandbox_main&amount=1000&currency=CNY&expires=1764152400000&sig=9f2c4e7a1b3d5f60',
  })
  pay_url!: string | null;
  @ApiProperty({ nullable: true, type: String })
  external_ext!: string | null;
  @ApiProperty({ nullable: true, type: String })
  memo!: string | null;
  @ApiProperty({ type: 'integer', format: 'int64', example: 0 })
  refunded_amount!: number;
  /** The channel's fee for this payment, integer minor units. */
  @ApiProperty({ type: 'integer', format: 'int64', example: 6 })
  fee_amount!: number;
  /** The channel reported the payment after the order had been closed or failed. */
  late_payment!: boolean;
  /** @example 2026-11-26T02:15:30.123Z */
  created_at!: string;
  /** @example 2026-11-26T02:15:30.456Z */
  updated_at!: string;
  /** @example 2026-11-26T02:45:30.123Z */
  expires_at!: string;
  @ApiProperty({ nullable: true, type: String, example: null })
  paid_at!: string | null;
  /** Where the cashier sends the payer once the order is paid or over. */
  @ApiProperty({ nullable: true, type: String, example: null })
  return_url!: string | null;
  /**
   * What to show the payer as a QR code: for `channel=cashier` orders, the cashier page (the
   * same as `pay_url`); null otherwise.
   */
  @ApiProperty({ nullable: true, type: String, example: null })
  qr_code!: string | null;
  /** The static code (商户码) the payer scanned to make this order. */
  @ApiProperty({ nullable: true, type: String, example: null })
  qr_code_id!: string | null;
  /** Admins only. */
  @ApiPropertyOptional({ type: RoutingTraceDto })
  routing?: RoutingTraceDto;
}

export class OrderPageDto {
  items!: OrderDto[];
  @ApiProperty({ nullable: true, type: String })
  next_cursor!: string | null;
}
