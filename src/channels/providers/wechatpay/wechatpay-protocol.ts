import { PaymentStatusReport, ProviderError, RefundStatusReport } from '../payment-provider.port';

type Json = Record<string, unknown>;

/**
 * trade_state: REFUND is a paid order that has refunds; USERPAYING (entering the password)
 * and NOTPAY are still open; REVOKED (withdrawn) ends like CLOSED.
 */
export function tradeState(value: unknown): 'PENDING' | 'SUCCEEDED' | 'FAILED' | 'CLOSED' | null {
  switch (value) {
    case 'SUCCESS':
    case 'REFUND':
      return 'SUCCEEDED';
    case 'NOTPAY':
    case 'USERPAYING':
      return 'PENDING';
    case 'CLOSED':
    case 'REVOKED':
      return 'CLOSED';
    case 'PAYERROR':
      return 'FAILED';
    default:
      return null;
  }
}

/**
 * refund status: ABNORMAL (the payer's card refused the money) waits for the merchant to act
 * at WeChat Pay, so it stays PENDING rather than being reported as a failure.
 */
export function refundState(value: unknown): 'PENDING' | 'SUCCEEDED' | 'FAILED' | null {
  switch (value) {
    case 'SUCCESS':
      return 'SUCCEEDED';
    case 'PROCESSING':
    case 'ABNORMAL':
      return 'PENDING';
    case 'CLOSED':
      return 'FAILED';
    default:
      return null;
  }
}

/** A transaction (query answer or decrypted notification) as the port's report. */
export function transactionReport(body: Json): PaymentStatusReport {
  const status = tradeState(body.trade_state);
  if (status === null) {
    throw new ProviderError(
      'unavailable',
      `wechatpay: unknown trade_state ${String(body.trade_state)}`,
    );
  }
  const amount = (body.amount ?? {}) as Json;
  return {
    status,
    channelTradeNo: text(body.transaction_id),
    amount: fen(amount.total),
    currency: text(amount.currency),
    paidAt: status === 'SUCCEEDED' ? time(body.success_time) : null,
  };
}

/** A refund (create or query answer, or decrypted notification) as the port's report. */
export function refundReport(body: Json): RefundStatusReport {
  const status = refundState(body.status ?? body.refund_status);
  if (status === null) {
    throw new ProviderError(
      'unavailable',
      `wechatpay: unknown refund status ${String(body.status)}`,
    );
  }
  const amount = (body.amount ?? {}) as Json;
  return {
    status,
    channelRefundNo: text(body.refund_id),
    amount: fen(amount.refund),
    completedAt: status === 'SUCCEEDED' ? (time(body.success_time) ?? Date.now()) : null,
  };
}

export function fen(value: unknown): number | null {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : null;
}

export function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

/** RFC 3339 (`2018-06-08T10:34:56+08:00`) to epoch ms. */
export function time(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}
