import { toMinorUnits } from './money';
import { addDays, startOfDay } from './time';

export const ORDER_STATUSES = [
  'PENDING',
  'SUCCEEDED',
  'FAILED',
  'CLOSED',
  'PARTIALLY_REFUNDED',
  'REFUNDED',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** What the payments filter bar holds, as people typed and picked it. */
export interface PaymentFilters {
  /** Settlement dates, both included. */
  dates?: [string, string] | null;
  status?: string;
  channel?: string;
  sourceId?: string | number;
  /** The search box: order id, merchant order number or channel trade number. */
  q?: string;
  currency?: string;
  /** Major units, as typed. */
  amountMin?: string;
  amountMax?: string;
}

/** The query of GET /v1/payments/search and /export for the filters. */
export type PaymentQuery = Partial<{
  created_from: string;
  created_to: string;
  status: OrderStatus;
  channel: string;
  source_id: number;
  q: string;
  currency: string;
  amount_min: number;
  amount_max: number;
}>;

/**
 * The filters as the API's query: dates become the zone's day boundaries (the end date
 * included, so `created_to` is the next day's start), amounts exact minor units, blanks left
 * out. A typed amount the API would refuse throws MoneyError, which the form shows by its field.
 */
export function paymentQuery(filters: PaymentFilters, tz: string): PaymentQuery {
  const query: PaymentQuery = {};
  if (filters.dates && filters.dates[0] && filters.dates[1]) {
    const [from, to] =
      filters.dates[0] <= filters.dates[1] ? filters.dates : [filters.dates[1], filters.dates[0]];
    query.created_from = startOfDay(from, tz);
    query.created_to = startOfDay(addDays(to, 1), tz);
  }
  const text = (value: string | undefined) => (value ?? '').trim();
  const status = ORDER_STATUSES.find((s) => s === text(filters.status));
  if (status) query.status = status;
  if (text(filters.channel)) query.channel = text(filters.channel);
  if (filters.sourceId !== undefined && String(filters.sourceId).trim() !== '') {
    const id = Number(String(filters.sourceId).trim());
    if (Number.isSafeInteger(id) && id > 0) query.source_id = id;
  }
  if (text(filters.q)) query.q = text(filters.q);
  const currency = text(filters.currency) || 'CNY';
  if (text(filters.currency)) query.currency = currency;
  if (text(filters.amountMin)) query.amount_min = toMinorUnits(text(filters.amountMin), currency);
  if (text(filters.amountMax)) query.amount_max = toMinorUnits(text(filters.amountMax), currency);
  return query;
}

export const REFUND_STATUSES = ['PENDING', 'SUCCEEDED', 'FAILED'] as const;
export type RefundStatus = (typeof REFUND_STATUSES)[number];

/** What the refunds filter bar holds, as people typed and picked it. */
export interface RefundFilters {
  /** Settlement dates the refund was created on, both included. */
  dates?: [string, string] | null;
  status?: string;
  sourceId?: string | number;
  orderId?: string;
}

/** The query of GET /v1/refunds. */
export type RefundQuery = Partial<{
  created_from: string;
  created_to: string;
  status: RefundStatus;
  source_id: number;
  order_id: string;
}>;

/**
 * The refund filters as the API's query: the same day boundaries as the payments filters;
 * a merchant id that is no positive integer is sent as typed, for the API to refuse with its
 * own message rather than being silently dropped.
 */
export function refundQuery(filters: RefundFilters, tz: string): RefundQuery {
  const query: RefundQuery = {};
  const { created_from, created_to } = paymentQuery({ dates: filters.dates }, tz);
  if (created_from && created_to) Object.assign(query, { created_from, created_to });
  const text = (value: string | number | undefined) => String(value ?? '').trim();
  const status = REFUND_STATUSES.find((s) => s === text(filters.status));
  if (status) query.status = status;
  if (text(filters.sourceId)) {
    const id = Number(text(filters.sourceId));
    query.source_id = (
      /^\d+$/.test(text(filters.sourceId)) && Number.isSafeInteger(id) ? id : text(filters.sourceId)
    ) as number;
  }
  if (text(filters.orderId)) query.order_id = text(filters.orderId);
  return query;
}

/** A query as URL search parameters (for the CSV download link). */
export function toSearchParams(query: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== '') params.set(key, String(value));
  }
  return params.toString();
}
