/**
 * WeChat Pay's out_trade_no is 6 to 32 characters, and our order ids (`ord_` + 32 hex) are 36.
 * The prefix is dropped on the way out and put back on the way in; ids that already fit are
 * sent as they are. out_refund_no takes up to 64, so refund ids go unchanged.
 */
const ORDER_ID = /^ord_([0-9a-f]{32})$/;
const BARE_ORDER_ID = /^[0-9a-f]{32}$/;

export function outTradeNoOf(orderId: string): string {
  const match = ORDER_ID.exec(orderId);
  if (match) return match[1];
  if (orderId.length > 32) throw new RangeError(`order id ${orderId} is too long for WeChat Pay`);
  return orderId;
}

export function orderIdOf(outTradeNo: string): string {
  return BARE_ORDER_ID.test(outTradeNo) ? `ord_${outTradeNo}` : outTradeNo;
}
