import { IsIn, IsInt, IsOptional, IsString, MaxLength, Min } from 'class-validator';
import { IsCurrencyCode, QueryInt } from '../../common/validation/decorators';

export const TIMESERIES_METRICS = [
  'created',
  'succeeded',
  'failed',
  'closed',
  'success_rate',
  'created_amount',
  'succeeded_amount',
  'fee_amount',
  'refunds',
  'refund_amount',
] as const;
export type TimeseriesMetric = (typeof TIMESERIES_METRICS)[number];

export class StatsQueryDto {
  /** A settlement date (YYYY-MM-DD: the whole day in SETTLEMENT_TZ) or an ISO 8601 time. @example 2026-11-01 */
  @IsString()
  @MaxLength(40)
  from!: string;

  /** A settlement date (included) or an ISO 8601 time (excluded); at most 366 days after `from`. @example 2026-11-30 */
  @IsString()
  @MaxLength(40)
  to!: string;

  /** Operators: one merchant's figures (default: every merchant). A merchant may only name itself. */
  @IsOptional()
  @QueryInt()
  @IsInt()
  @Min(1)
  source_id?: number;
}

export class TimeseriesQueryDto extends StatsQueryDto {
  /** `day` (default) or `hour` (at most 31 days): local days and hours of SETTLEMENT_TZ. */
  @IsOptional()
  @IsIn(['hour', 'day'])
  granularity?: 'hour' | 'day';

  /**
   * Counts of orders created in each bucket (`created`), and of those the ones that were paid,
   * failed or closed; `success_rate` of those decided; amounts of the same orders; `refunds` and
   * `refund_amount` completed in the bucket.
   */
  @IsIn(TIMESERIES_METRICS)
  metric!: TimeseriesMetric;

  /** Only this currency's orders; amounts are of one currency, CNY unless named. */
  @IsOptional()
  @IsCurrencyCode()
  currency?: string;
}

export class StatsAmountDto {
  /** @example CNY */
  currency!: string;
  /** Orders created in the period, minor units. */
  created_amount!: number;
  /** Of those, the ones paid (including those refunded since). */
  succeeded_amount!: number;
  failed_amount!: number;
  closed_amount!: number;
  /** Channel fees of the paid orders. */
  fee_amount!: number;
  /** Refunds completed in the period. */
  refund_amount!: number;
  /** The share of fees those refunds gave back. */
  refund_fee_amount!: number;
  /** succeeded_amount − fee_amount − refund_amount + refund_fee_amount. */
  net_amount!: number;
}

export class StatsPeriodDto {
  /** The period's first instant (ISO 8601 UTC). */
  from!: string;
  /** The instant after it. */
  to!: string;
  /** Orders created in the period. */
  created!: number;
  /** Of those: paid (also when refunded since), failed, closed, still pending. */
  succeeded!: number;
  failed!: number;
  closed!: number;
  pending!: number;
  /** succeeded ÷ (succeeded + failed + closed); null when none is decided. @example 0.9731 */
  success_rate!: number | null;
  /** Refunds completed in the period. */
  refunds!: number;
  /** Amounts, one entry per currency. */
  amounts!: StatsAmountDto[];
}

export class StatsOverviewDto {
  /** @example Asia/Shanghai */
  time_zone!: string;
  source_id!: number | null;
  current!: StatsPeriodDto;
  /** The period of the same length just before. */
  previous!: StatsPeriodDto;
}

export class StatsBucketDto {
  /** ISO 8601 UTC. */
  start!: string;
  end!: string;
  /** The bucket's start in SETTLEMENT_TZ, with its offset: `2026-11-01T00:00:00+08:00`. */
  label!: string;
  /** The metric (integer counts and minor units; success_rate a fraction, null without decided orders). */
  value!: number | null;
}

export class StatsTimeseriesDto {
  time_zone!: string;
  source_id!: number | null;
  metric!: TimeseriesMetric;
  granularity!: 'hour' | 'day';
  /** The currency of amount metrics (and of counts when named); null for counts of every currency. */
  currency!: string | null;
  /** Every bucket of the range, zero-filled. */
  buckets!: StatsBucketDto[];
}

export class FailureReasonCountDto {
  /** e.g. `timeout`, `provider_error`, `circuit_open`, `daily_limit`. */
  reason!: string;
  count!: number;
}

export class ChannelStatsDto {
  /** The channel code. */
  channel!: string;
  /** Provider attempts started in the period. */
  attempts!: number;
  successes!: number;
  failures!: number;
  /** successes ÷ (successes + failures); null without finished attempts. */
  success_rate!: number | null;
  failures_by_reason!: FailureReasonCountDto[];
  /** The provider's latency, finished attempts, nearest rank; null without any. */
  latency_p50_ms!: number | null;
  latency_p95_ms!: number | null;
  /** The circuit now; null for a channel deleted since. */
  circuit!: 'closed' | 'open' | 'half_open' | null;
}

export class StatsChannelsDto {
  time_zone!: string;
  source_id!: number | null;
  from!: string;
  to!: string;
  /** Live channels, and deleted ones with attempts in the period; by code. */
  items!: ChannelStatsDto[];
}

export class WebhookEventCountsDto {
  /** Events created in the period. */
  total!: number;
  delivered!: number;
  pending!: number;
  failed!: number;
}

export class WebhookAttemptCountsDto {
  /** Delivery attempts made in the period. */
  total!: number;
  /** Answered 2xx. */
  succeeded!: number;
  failed!: number;
}

export class StatsWebhooksDto {
  time_zone!: string;
  source_id!: number | null;
  from!: string;
  to!: string;
  events!: WebhookEventCountsDto;
  attempts!: WebhookAttemptCountsDto;
  /** Pending events due now (whenever created): the delivery backlog. */
  due_now!: number;
  /** The pending event due the longest; null when nothing is due. */
  oldest_due_event_id!: string | null;
  /** When that event became due (its next attempt's time); null when nothing is due. */
  oldest_due_since!: string | null;
}
