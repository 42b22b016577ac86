/**
 * UnionPay ACP 5.1.0 (全渠道) vocabulary: transaction codes, answer codes, ids and times.
 */

/** The common fields of every request this adapter sends. */
export const ACP_VERSION = '5.1.0';
export const ACP_ENCODING = 'UTF-8';
/** RSA with the merchant's signing certificate (SHA-256 in 5.1.0). */
export const SIGN_METHOD_RSA = '01';
/** A merchant connecting directly (not through an acquirer platform). */
export const ACCESS_TYPE_MERCHANT = '0';
/** ISO 4217 numeric code of CNY, the only currency these products take. */
export const CURRENCY_CNY = '156';

/** txnType / txnSubType / bizType of each transaction paygate sends. */
export const TXN = {
  gatewayPay: { txnType: '01', txnSubType: '01', bizType: '000201' },
  qrPay: { txnType: '01', txnSubType: '07', bizType: '000000' },
  query: { txnType: '00', txnSubType: '00', bizType: '000000' },
  refund: { txnType: '04', txnSubType: '00' },
  void: { txnType: '31', txnSubType: '00' },
  statement: { txnType: '76', txnSubType: '01', bizType: '000000' },
} as const;

/** txnType values paygate reads back (notifications, queries, statements). */
export const TXN_TYPE = { pay: '01', refund: '04', void: '31' } as const;

/** Answer codes: the request was taken (the transaction itself may still be under way). */
export const RESP_OK = '00';
/** The transaction's outcome is not known yet: ask again later. */
export const RESP_PENDING = new Set(['03', '04', '05']);
/** No such transaction (yet): a payer who has not paid leaves none. */
export const RESP_NOT_FOUND = '34';
/** No statement file for that settlement date. */
export const RESP_NO_FILE = '98';
/** UnionPay's own trouble, not this request's: 系统未开放, 系统繁忙, 通用错误. */
export const RESP_UNAVAILABLE = new Set(['02', '06', '99']);
/** A transaction's final success; A6 is success with a deferred part (有缺陷的成功). */
export const ORIG_SUCCESS = new Set(['00', 'A6']);

/**
 * UnionPay's orderId is 8 to 32 letters and digits; our ids are a prefix, an underscore and
 * 32 hex digits. The prefix is dropped on the way out and restored on the way in from the
 * transaction type (a payment's orderId is an order id, a refund's or void's a refund id).
 */
const OUR_ID = /^(ord|re)_([0-9a-f]{32})$/;
const BARE_ID = /^[0-9a-f]{32}$/;

export function unionpayOrderId(id: string): string {
  const match = OUR_ID.exec(id);
  if (!match) throw new RangeError(`${id} is not an id UnionPay can carry`);
  return match[2];
}

export function orderIdOf(unionpayId: string): string {
  return BARE_ID.test(unionpayId) ? `ord_${unionpayId}` : unionpayId;
}

export function refundIdOf(unionpayId: string): string {
  return BARE_ID.test(unionpayId) ? `re_${unionpayId}` : unionpayId;
}

/**
 * A transaction is found by orderId together with its txnTime, so txnTime must be the same at
 * every call about it. Our ids are UUIDv7: their first 48 bits are the creation time in ms,
 * which gives a txnTime that needs no storage and never changes.
 */
export function txnTimeOf(id: string): string {
  const hex = unionpayOrderId(id);
  if (hex[12] !== '7') throw new RangeError(`${id} carries no creation time`);
  return beijingCompact(parseInt(hex.slice(0, 12), 16));
}

/** `yyyyMMddHHmmss` in Beijing time (UTC+8, no daylight saving), as ACP writes times. */
export function beijingCompact(epochMs: number): string {
  return new Date(epochMs + 8 * 3_600_000).toISOString().slice(0, 19).replace(/[-T:]/g, '');
}

/** Epoch ms of a Beijing `yyyyMMddHHmmss`, or null. */
export function parseBeijingCompact(text: unknown): number | null {
  if (typeof text !== 'string') return null;
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(text);
  if (!m) return null;
  const ms = Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}+08:00`);
  return Number.isNaN(ms) ? null : ms;
}

/**
 * UnionPay's settlement day (清算日期) ends at 23:00 Beijing time: a transaction after 23:00
 * settles on the next day. `YYYY-MM-DD` of the settlement day of an instant.
 */
export function settlementDayOf(epochMs: number): string {
  return new Date(epochMs + 9 * 3_600_000).toISOString().slice(0, 10);
}

/** The day after a `YYYY-MM-DD`. */
export function nextDay(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

/** txnAmt: integer fen as digits; anything else is unreadable. */
export function fenOf(text: unknown): number | null {
  if (typeof text !== 'string' || !/^\d{1,15}$/.test(text)) return null;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : null;
}
