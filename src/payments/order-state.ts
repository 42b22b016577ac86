/**
 * The payment state machine, in one place. Every transition in the code is a conditional
 * UPDATE on one of the `from` states listed here, so two racing changes (two notifications, a
 * close and a success) can never both apply.
 *
 *   PENDING ──▶ SUCCEEDED ──▶ PARTIALLY_REFUNDED ──▶ REFUNDED
 *      │            ▲   └───────────────────────────▶ REFUNDED
 *      ├──▶ FAILED ─┤  (a success reported after FAILED or CLOSED is never dropped:
 *      └──▶ CLOSED ─┘   it applies and the order is flagged late_payment)
 */
export type OrderStatus =
  'PENDING' | 'SUCCEEDED' | 'FAILED' | 'CLOSED' | 'PARTIALLY_REFUNDED' | 'REFUNDED';

export const ORDER_STATUSES: readonly OrderStatus[] = [
  'PENDING',
  'SUCCEEDED',
  'FAILED',
  'CLOSED',
  'PARTIALLY_REFUNDED',
  'REFUNDED',
];

/** The states of an order that was paid (a refund does not undo the payment). */
export const PAID_STATUSES: readonly OrderStatus[] = [
  'SUCCEEDED',
  'PARTIALLY_REFUNDED',
  'REFUNDED',
];

/** From which states each change may happen. */
export const TRANSITION_FROM = {
  succeed: ['PENDING', 'FAILED', 'CLOSED'],
  fail: ['PENDING'],
  close: ['PENDING'],
  /** A refund may be asked for (and reserved) only on a paid, not fully refunded order. */
  refund: ['SUCCEEDED', 'PARTIALLY_REFUNDED'],
} as const satisfies Record<string, readonly OrderStatus[]>;

export type OrderChange = keyof typeof TRANSITION_FROM;

export function canChange(change: OrderChange, from: OrderStatus): boolean {
  return (TRANSITION_FROM[change] as readonly OrderStatus[]).includes(from);
}

/** A success after FAILED or CLOSED: the money arrived late, and the order says so. */
export function isLatePayment(from: OrderStatus): boolean {
  return from === 'FAILED' || from === 'CLOSED';
}

/** The status after a refund completes, from the amounts (never from a stored flag). */
export function statusAfterRefund(amount: number, refundedAfter: number): OrderStatus {
  return refundedAfter >= amount ? 'REFUNDED' : 'PARTIALLY_REFUNDED';
}

/**
 * The `channel` of an order made for the hosted cashier: it has no channel until the payer
 * picks a wallet, and may then have several attempts, one per wallet tried; the first that is
 * paid gives the order its channel.
 */
export const CASHIER_CHANNEL = 'cashier';
