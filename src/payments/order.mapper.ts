import { iso } from '../common/time';
import { CASHIER_CHANNEL } from './order-state';
import { OrderDto, PaymentAttemptDto, RoutingTraceDto } from './dto/order.dto';
import { PaymentAttemptEntity } from './entities/payment-attempt.entity';
import { OrderEntity } from './entities/order.entity';
import { RefundEntity } from './entities/refund.entity';
import { RefundDto } from './dto/refund.dto';

export function toOrderDto(o: OrderEntity, routing?: RoutingTraceDto): OrderDto {
  return {
    order_id: o.orderId,
    source_id: o.sourceId,
    merchant_order_no: o.merchantOrderNo,
    product_id: o.productId,
    product_name: o.productName,
    amount: o.amount,
    currency: o.currency,
    status: o.status,
    channel: o.channelCode,
    channel_trade_no: o.channelTradeNo,
    pay_url: o.payUrl,
    external_ext: o.externalExt,
    memo: o.memo,
    refunded_amount: o.refundedAmount,
    fee_amount: o.feeAmount,
    late_payment: o.latePayment,
    created_at: iso(o.createdAt),
    updated_at: iso(o.updatedAt),
    expires_at: iso(o.expiresAt),
    paid_at: iso(o.paidAt),
    return_url: o.returnUrl,
    qr_code: o.requestedChannel === CASHIER_CHANNEL ? o.payUrl : null,
    qr_code_id: o.qrCodeId,
    ...(routing ? { routing } : {}),
  };
}

export function toRefundDto(r: RefundEntity): RefundDto {
  return {
    refund_id: r.refundId,
    order_id: r.orderId,
    merchant_refund_no: r.merchantRefundNo,
    amount: r.amount,
    currency: r.currency,
    status: r.status,
    reason: r.reason,
    fee_amount: r.feeAmount,
    failure_reason: r.failureReason,
    created_at: iso(r.createdAt),
    completed_at: iso(r.completedAt),
  };
}

/** The routing decision stored on the order plus its attempts, one line per attempt. */
export function toRoutingTrace(
  order: OrderEntity,
  events: PaymentAttemptEntity[],
): RoutingTraceDto {
  const decision = JSON.parse(order.routing) as Pick<RoutingTraceDto, 'candidates' | 'excluded'>;
  const attempts = new Map<number, PaymentAttemptDto>();
  for (const e of events) {
    const attempt = attempts.get(e.seq) ?? {
      seq: e.seq,
      channel: e.channelCode,
      outcome: 'started' as const,
      failure_reason: null,
      message: null,
      latency_ms: null,
      started_at: iso(e.createdAt),
      finished_at: null,
    };
    if (e.event !== 'started') {
      attempt.outcome = e.event;
      attempt.failure_reason = e.failureReason;
      attempt.message = e.message;
      attempt.latency_ms = e.latencyMs;
      attempt.finished_at = iso(e.createdAt);
    }
    attempts.set(e.seq, attempt);
  }
  return {
    // the stored decision also keeps each channel's internal id, for resuming; it stays inside
    candidates: decision.candidates.map(({ code, priority, weight, probability }) => ({
      code,
      priority,
      weight,
      probability,
    })),
    excluded: decision.excluded.map(({ code, reason }) => ({ code, reason })),
    attempts: [...attempts.values()],
  };
}
