import { Injectable } from '@nestjs/common';
import { Principal } from '../auth/principal';
import { circuitState } from '../channels/health/circuit-breaker';
import { iso } from '../common/time';
import { AppConfig } from '../config/app-config';
import { Database } from '../database/database.service';
import { PaymentError } from '../payments/payments.errors';
import {
  ChannelStatsDto,
  StatsAmountDto,
  StatsChannelsDto,
  StatsOverviewDto,
  StatsPeriodDto,
  StatsQueryDto,
  StatsTimeseriesDto,
  StatsWebhooksDto,
  TimeseriesMetric,
  TimeseriesQueryDto,
} from './dto/stats.dto';
import { buckets, parseRange, previousSpan, Span } from './stats-range';
import { BucketFigures, StatsRepository } from './stats.repository';

const AMOUNT_METRICS = new Set<TimeseriesMetric>([
  'created_amount',
  'succeeded_amount',
  'fee_amount',
  'refund_amount',
]);

/**
 * Dashboard figures in SETTLEMENT_TZ. Orders are counted in the period they were created in,
 * with the outcome they have now; refunds and webhook attempts in the period they happened.
 * Operators see every merchant or one (`source_id`); a merchant only itself.
 */
@Injectable()
export class StatsService {
  constructor(
    private readonly db: Database,
    private readonly stats: StatsRepository,
    private readonly config: AppConfig,
  ) {}

  async overview(principal: Principal, query: StatsQueryDto): Promise<StatsOverviewDto> {
    const sourceId = this.scope(principal, query.source_id);
    const span = parseRange(query.from, query.to, this.timeZone);
    const [current, previous] = await Promise.all([
      this.period(span, sourceId),
      this.period(previousSpan(span), sourceId),
    ]);
    return { time_zone: this.timeZone, source_id: sourceId ?? null, current, previous };
  }

  async timeseries(principal: Principal, query: TimeseriesQueryDto): Promise<StatsTimeseriesDto> {
    const sourceId = this.scope(principal, query.source_id);
    const granularity = query.granularity ?? 'day';
    const span = parseRange(query.from, query.to, this.timeZone);
    const list = buckets(span, granularity, this.timeZone);
    const currency = query.currency ?? (AMOUNT_METRICS.has(query.metric) ? 'CNY' : undefined);
    const figures = await this.db.run((em) =>
      this.stats.bucketFigures(em, list, { sourceId, currency }),
    );
    return {
      time_zone: this.timeZone,
      source_id: sourceId ?? null,
      metric: query.metric,
      granularity,
      currency: currency ?? null,
      buckets: list.map((bucket, i) => ({
        start: iso(bucket.from),
        end: iso(bucket.to),
        label: bucket.label,
        value: metricOf(query.metric, figures[i]),
      })),
    };
  }

  async channels(principal: Principal, query: StatsQueryDto): Promise<StatsChannelsDto> {
    const sourceId = this.scope(principal, query.source_id);
    const span = parseRange(query.from, query.to, this.timeZone);
    const { counts, circuits } = await this.db.run(async (em) => ({
      counts: await this.stats.channelAttempts(em, span, sourceId),
      circuits: await this.stats.liveCircuits(em),
    }));
    const now = Date.now();
    const codes = [
      ...new Set([...circuits.map((c) => c.code), ...counts.map((c) => c.channelCode)]),
    ];
    const items: ChannelStatsDto[] = codes.sort().map((code) => {
      const mine = counts.filter((c) => c.channelCode === code);
      const total = (event: string) =>
        mine.filter((c) => c.event === event).reduce((sum, c) => sum + c.count, 0);
      const successes = total('succeeded');
      const failures = total('failed');
      const reasons = new Map<string, number>();
      for (const c of mine.filter((x) => x.event === 'failed')) {
        const reason = c.reason ?? 'unknown';
        reasons.set(reason, (reasons.get(reason) ?? 0) + c.count);
      }
      const latencies = mine.filter((c) => c.event !== 'started' && c.latencyMs !== null);
      const circuit = circuits.find((c) => c.code === code);
      return {
        channel: code,
        attempts: total('started'),
        successes,
        failures,
        success_rate: rate(successes, successes + failures),
        failures_by_reason: [...reasons]
          .sort(([ra, a], [rb, b]) => b - a || ra.localeCompare(rb))
          .map(([reason, count]) => ({ reason, count })),
        latency_p50_ms: percentile(latencies, 50),
        latency_p95_ms: percentile(latencies, 95),
        circuit: circuit
          ? circuitState(
              {
                consecutiveFailures: circuit.failures,
                openUntil: circuit.openUntil,
                trialUntil: circuit.trialUntil,
              },
              now,
            )
          : null,
      };
    });
    return {
      time_zone: this.timeZone,
      source_id: sourceId ?? null,
      from: iso(span.from),
      to: iso(span.to),
      items,
    };
  }

  async webhooks(principal: Principal, query: StatsQueryDto): Promise<StatsWebhooksDto> {
    const sourceId = this.scope(principal, query.source_id);
    const span = parseRange(query.from, query.to, this.timeZone);
    const figures = await this.db.run((em) =>
      this.stats.webhookFigures(em, span, Date.now(), sourceId),
    );
    const { events, attempts } = figures;
    return {
      time_zone: this.timeZone,
      source_id: sourceId ?? null,
      from: iso(span.from),
      to: iso(span.to),
      events: { total: events.pending + events.delivered + events.failed, ...events },
      attempts: { total: attempts.succeeded + attempts.failed, ...attempts },
      due_now: figures.dueNow,
      oldest_due_event_id: figures.oldestDue?.eventId ?? null,
      oldest_due_since: iso(figures.oldestDue?.nextAttemptAt),
    };
  }

  private async period(span: Span, sourceId: number | undefined): Promise<StatsPeriodDto> {
    const { orders, refunds } = await this.db.run(async (em) => ({
      orders: await this.stats.orderFigures(em, span, sourceId),
      refunds: await this.stats.refundFigures(em, span, sourceId),
    }));
    const sum = (pick: (o: (typeof orders)[number]) => number) =>
      orders.reduce((total, o) => total + pick(o), 0);
    const created = sum((o) => o.created);
    const succeeded = sum((o) => o.succeeded);
    const failed = sum((o) => o.failed);
    const closed = sum((o) => o.closed);
    const currencies = [
      ...new Set([...orders.map((o) => o.currency), ...refunds.map((r) => r.currency)]),
    ].sort();
    const amounts: StatsAmountDto[] = currencies.map((currency) => {
      const o = orders.find((x) => x.currency === currency);
      const r = refunds.find((x) => x.currency === currency);
      const paid = o?.paidAmount ?? 0;
      const fee = o?.feeAmount ?? 0;
      const refunded = r?.amount ?? 0;
      const refundFee = r?.feeAmount ?? 0;
      return {
        currency,
        created_amount: o?.createdAmount ?? 0,
        succeeded_amount: paid,
        failed_amount: o?.failedAmount ?? 0,
        closed_amount: o?.closedAmount ?? 0,
        fee_amount: fee,
        refund_amount: refunded,
        refund_fee_amount: refundFee,
        net_amount: paid - fee - refunded + refundFee,
      };
    });
    return {
      from: iso(span.from),
      to: iso(span.to),
      created,
      succeeded,
      failed,
      closed,
      pending: created - succeeded - failed - closed,
      success_rate: rate(succeeded, succeeded + failed + closed),
      refunds: refunds.reduce((total, r) => total + r.count, 0),
      amounts,
    };
  }

  /** The merchant whose figures these are: a merchant's own, or the one an operator names. */
  private scope(principal: Principal, sourceId: number | undefined): number | undefined {
    if (principal.role === 'admin') return sourceId;
    if (sourceId !== undefined && sourceId !== principal.sourceId)
      throw PaymentError.sourceIdMismatch(sourceId);
    return principal.sourceId ?? -1;
  }

  private get timeZone(): string {
    return this.config.env.SETTLEMENT_TZ;
  }
}

/** The nearest-rank percentile (the ⌈p·n/100⌉-th smallest) of a latency histogram. */
function percentile(
  histogram: { latencyMs: number | null; count: number }[],
  p: number,
): number | null {
  const sorted = [...histogram].sort((a, b) => a.latencyMs! - b.latencyMs!);
  const n = sorted.reduce((sum, h) => sum + h.count, 0);
  if (n === 0) return null;
  const rank = Math.ceil((p * n) / 100);
  let seen = 0;
  for (const h of sorted) {
    seen += h.count;
    if (seen >= rank) return h.latencyMs;
  }
  return null;
}

function rate(part: number, whole: number): number | null {
  return whole === 0 ? null : Math.round((part / whole) * 1e4) / 1e4;
}

function metricOf(metric: TimeseriesMetric, f: BucketFigures): number | null {
  switch (metric) {
    case 'created':
      return f.created;
    case 'succeeded':
      return f.succeeded;
    case 'failed':
      return f.failed;
    case 'closed':
      return f.closed;
    case 'success_rate':
      return rate(f.succeeded, f.succeeded + f.failed + f.closed);
    case 'created_amount':
      return f.createdAmount;
    case 'succeeded_amount':
      return f.paidAmount;
    case 'fee_amount':
      return f.feeAmount;
    case 'refunds':
      return f.refunds;
    case 'refund_amount':
      return f.refundAmount;
  }
}
