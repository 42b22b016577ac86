import { fromMajorUnits } from '../../../common/money/money';
import { parseBeijingTime } from '../china-time';
import {
  InboundNotification,
  NotificationRejectedError,
  ParsedNotification,
} from '../payment-provider.port';
import { AlipayClient } from './alipay-client';
import { AlipayConfig } from './alipay-config';
import { tradeStatus } from './alipay-protocol';

/** Alipay retries until it reads exactly this body. */
const SUCCESS_REPLY = { status: 200, contentType: 'text/plain', body: 'success' } as const;

/**
 * An asynchronous notification (`trade_status_sync`, form-encoded): its RSA2 signature is
 * checked with the channel's Alipay public key before anything is read, then that it is for this
 * application (and seller, when configured). A refund shows up as a trade notification carrying
 * `out_biz_no` (our refund id) and `gmt_refund`; its `refund_fee` is the trade's refunded total,
 * so no refund amount is reported from it.
 */
export function parseAlipayNotification(
  client: AlipayClient,
  config: AlipayConfig,
  notification: InboundNotification,
): ParsedNotification {
  const params = formParams(notification.rawBody);
  if (!params.sign) throw new NotificationRejectedError('alipay notification is not signed');
  if (!client.verifyNotification(params)) {
    throw new NotificationRejectedError('alipay notification signature does not verify');
  }
  if (params.app_id !== config.app_id) {
    throw new NotificationRejectedError('alipay notification is for another app_id');
  }
  if (config.seller_id && params.seller_id !== config.seller_id) {
    throw new NotificationRejectedError('alipay notification is for another seller_id');
  }
  const orderId = params.out_trade_no;
  if (!orderId) throw new NotificationRejectedError('alipay notification has no out_trade_no');
  if (params.out_biz_no && params.gmt_refund) {
    return {
      event: {
        kind: 'refund',
        refundId: params.out_biz_no,
        orderId,
        status: 'SUCCEEDED',
        channelRefundNo: null,
        amount: null,
        occurredAt: parseBeijingTime(params.gmt_refund),
      },
      reply: SUCCESS_REPLY,
    };
  }
  const status = tradeStatus(params.trade_status);
  if (status === null)
    throw new NotificationRejectedError('alipay notification has no trade_status');
  let amount: number;
  try {
    amount = fromMajorUnits(params.total_amount ?? '', 'CNY');
  } catch {
    throw new NotificationRejectedError('alipay notification has an unreadable total_amount');
  }
  return {
    event: {
      kind: 'payment',
      orderId,
      status,
      channelTradeNo: params.trade_no || null,
      amount,
      currency: 'CNY',
      occurredAt: parseBeijingTime(status === 'CLOSED' ? params.gmt_close : params.gmt_payment),
    },
    reply: SUCCESS_REPLY,
  };
}

/** The form body as decoded key/value pairs; a repeated key makes the body ambiguous. */
function formParams(rawBody: string): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(rawBody)) {
    if (key in params) throw new NotificationRejectedError(`alipay notification repeats ${key}`);
    params[key] = value;
  }
  return params;
}
