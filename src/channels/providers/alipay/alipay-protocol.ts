/** Alipay's status names, shared by the adapter and the notification parser. */

/**
 * Alipay's trade_status: TRADE_FINISHED is a paid trade past its refund period, and a fully
 * refunded trade reads TRADE_CLOSED too, which the payments module never applies backwards.
 */
export function tradeStatus(value: unknown): 'PENDING' | 'SUCCEEDED' | 'CLOSED' | null {
  switch (value) {
    case 'WAIT_BUYER_PAY':
      return 'PENDING';
    case 'TRADE_SUCCESS':
    case 'TRADE_FINISHED':
      return 'SUCCEEDED';
    case 'TRADE_CLOSED':
      return 'CLOSED';
    default:
      return null;
  }
}
