import { StatementLine } from '../channels/providers/payment-provider.port';
import { PaymentExceptionEntity } from '../payments/entities/payment-exception.entity';

export type DiscrepancyType =
  | 'missing_in_gateway'
  | 'missing_in_channel'
  | 'amount_mismatch'
  | 'status_mismatch'
  | 'fee_mismatch';

export const DISCREPANCY_TYPES: readonly DiscrepancyType[] = [
  'missing_in_gateway',
  'missing_in_channel',
  'amount_mismatch',
  'status_mismatch',
  'fee_mismatch',
];

export interface Discrepancy {
  type: DiscrepancyType;
  /** Where it was found: the channel's statement, or a notification payments could not apply. */
  source: 'statement' | 'notification';
  order_id: string | null;
  refund_id: string | null;
  channel_trade_no: string | null;
  /** The gateway's currency, when the gateway knows the movement. */
  currency: string | null;
  /** The channel's currency, when the channel said. */
  channel_currency: string | null;
  gateway_amount: number | null;
  channel_amount: number | null;
  gateway_fee: number | null;
  channel_fee: number | null;
  gateway_status: string | null;
  channel_status: string | null;
}

/** A payment or refund as the gateway recorded it. */
export interface GatewayMovement {
  type: 'payment' | 'refund';
  orderId: string;
  refundId: string | null;
  channelTradeNo: string | null;
  channelCode: string | null;
  amount: number;
  currency: string;
  fee: number;
  /** The order's or refund's status. */
  status: string;
  /** Did money move: a paid (possibly refunded since) order, a succeeded refund. */
  succeeded: boolean;
}

export interface ReconcileInput {
  channelCode: string;
  statement: readonly StatementLine[];
  /**
   * Movements the gateway recorded as happening at the channel on the date: a list, or an
   * index of them (`indexMovements`), which the comparison empties as lines name them.
   */
  gatewayMovements: readonly GatewayMovement[] | MovementIndex;
  /** Movements the statement names that the gateway has at another time or in another state. */
  otherGatewayRecords: readonly GatewayMovement[];
  /** Notifications of the date and channel that payments kept as exceptions. */
  exceptions: readonly PaymentExceptionEntity[];
}

/**
 * Payments by order id, refunds by refund id (a refund movement always has one), keyed by the
 * id strings the movements already hold.
 */
export interface MovementIndex {
  payments: Map<string, GatewayMovement>;
  refunds: Map<string, GatewayMovement>;
}

export function indexMovements(movements: Iterable<GatewayMovement>): MovementIndex {
  const index: MovementIndex = { payments: new Map(), refunds: new Map() };
  for (const m of movements) {
    if (m.type === 'payment') index.payments.set(m.orderId, m);
    else if (m.refundId !== null) index.refunds.set(m.refundId, m);
  }
  return index;
}

/** Does the index hold the movement a statement line names? */
export function names(index: MovementIndex, line: StatementLine): boolean {
  return line.type === 'payment'
    ? index.payments.has(line.orderId)
    : line.refundId !== null && index.refunds.has(line.refundId);
}

/**
 * Compares a channel's statement for a date with the gateway's movements of that date, by
 * order id (payments) and refund id (refunds). Each statement line is matched, or reported
 * once: missing_in_gateway (the gateway has no such success), status_mismatch (the two
 * disagree on whether money moved), amount_mismatch (amount or currency), fee_mismatch (only
 * when the statement carries fees). Gateway movements no line names are missing_in_channel.
 * A line for a movement the gateway recorded on another day (a notification across midnight)
 * matches it. Notification exceptions are added unless the statement already reported the same.
 */
export function reconcile(input: ReconcileInput): {
  matchedCount: number;
  discrepancies: Discrepancy[];
} {
  const inWindow = isIndex(input.gatewayMovements)
    ? input.gatewayMovements
    : indexMovements(input.gatewayMovements);
  const known = indexMovements(
    input.otherGatewayRecords.filter((g) => g.channelCode === input.channelCode),
  );
  const found: Discrepancy[] = [];
  let matchedCount = 0;

  for (const line of input.statement) {
    // a line without an id we can match is not the gateway's; a movement is taken off the
    // indexes by the first line that names it, so the same movement twice is not either
    const gateway =
      line.type === 'payment'
        ? take(inWindow.payments, known.payments, line.orderId)
        : line.refundId === null
          ? undefined
          : take(inWindow.refunds, known.refunds, line.refundId);
    const lineSucceeded = line.status === 'SUCCEEDED';
    if (!gateway) {
      if (lineSucceeded) found.push(fromStatement('missing_in_gateway', line, null));
      continue;
    }
    if (gateway.succeeded !== lineSucceeded) {
      found.push(fromStatement('status_mismatch', line, gateway));
    } else if (!lineSucceeded) {
      matchedCount += 1; // both say nothing moved
    } else if (gateway.amount !== line.amount || gateway.currency !== line.currency) {
      found.push(fromStatement('amount_mismatch', line, gateway));
    } else if (line.fee !== null && line.fee !== gateway.fee) {
      found.push(fromStatement('fee_mismatch', line, gateway));
    } else {
      matchedCount += 1;
    }
  }

  for (const gateway of inWindow.payments.values()) found.push(missingInChannel(gateway));
  for (const gateway of inWindow.refunds.values()) found.push(missingInChannel(gateway));

  const reported = new Set(found.map(identity));
  for (const exception of input.exceptions) {
    const discrepancy = fromException(exception);
    if (discrepancy && !reported.has(identity(discrepancy))) {
      reported.add(identity(discrepancy));
      found.push(discrepancy);
    }
  }

  return { matchedCount, discrepancies: found.sort(byTypeAndIds) };
}

function isIndex(m: readonly GatewayMovement[] | MovementIndex): m is MovementIndex {
  return !Array.isArray(m);
}

/** The movement under `key`, the day's first; off both maps, so no other line gets it. */
function take<V>(first: Map<string, V>, second: Map<string, V>, key: string): V | undefined {
  const value = first.get(key) ?? second.get(key);
  first.delete(key);
  second.delete(key);
  return value;
}

function fromStatement(
  type: DiscrepancyType,
  line: StatementLine,
  gateway: GatewayMovement | null,
): Discrepancy {
  return {
    type,
    source: 'statement',
    // a refund line may not name its order (UnionPay's, for a payment of an earlier day)
    order_id: line.orderId || gateway?.orderId || null,
    refund_id: line.refundId,
    channel_trade_no: line.channelTradeNo ?? gateway?.channelTradeNo ?? null,
    currency: gateway?.currency ?? null,
    channel_currency: line.currency,
    gateway_amount: gateway?.amount ?? null,
    channel_amount: line.amount,
    gateway_fee: gateway?.fee ?? null,
    channel_fee: line.fee,
    gateway_status: gateway?.status ?? null,
    channel_status: line.status,
  };
}

function missingInChannel(gateway: GatewayMovement): Discrepancy {
  return {
    type: 'missing_in_channel',
    source: 'statement',
    order_id: gateway.orderId,
    refund_id: gateway.refundId,
    channel_trade_no: gateway.channelTradeNo,
    currency: gateway.currency,
    channel_currency: null,
    gateway_amount: gateway.amount,
    channel_amount: null,
    gateway_fee: gateway.fee,
    channel_fee: null,
    gateway_status: gateway.status,
    channel_status: null,
  };
}

/**
 * A notification that reported money moving which payments refused to apply. Reports of
 * failures or pending states moved nothing and are left out.
 */
function fromException(e: PaymentExceptionEntity): Discrepancy | null {
  if (e.reportedStatus !== null && e.reportedStatus !== 'SUCCEEDED') return null;
  const type: DiscrepancyType =
    e.kind === 'amount_mismatch' || e.kind === 'currency_mismatch'
      ? 'amount_mismatch'
      : 'missing_in_gateway'; // unknown order or refund, or one the gateway has on another channel
  return {
    type,
    source: 'notification',
    order_id: e.orderId,
    refund_id: e.refundId,
    channel_trade_no: e.channelTradeNo,
    currency: e.expectedCurrency,
    channel_currency: e.reportedCurrency,
    gateway_amount: type === 'amount_mismatch' ? e.expectedAmount : null,
    channel_amount: e.reportedAmount,
    gateway_fee: null,
    channel_fee: null,
    gateway_status: null,
    channel_status: e.reportedStatus,
  };
}

function identity(d: Discrepancy): string {
  return `${d.type}|${d.order_id}|${d.refund_id}`;
}

function byTypeAndIds(a: Discrepancy, b: Discrepancy): number {
  return (
    DISCREPANCY_TYPES.indexOf(a.type) - DISCREPANCY_TYPES.indexOf(b.type) ||
    compare(a.order_id ?? '', b.order_id ?? '') ||
    compare(a.refund_id ?? '', b.refund_id ?? '') ||
    compare(a.source, b.source)
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
