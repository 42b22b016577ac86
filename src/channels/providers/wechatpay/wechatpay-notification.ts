import {
  InboundNotification,
  NotificationRejectedError,
  NotificationReply,
  ParsedNotification,
} from '../payment-provider.port';
import { WechatpayClient } from './wechatpay-client';
import { WechatpayConfig } from './wechatpay-config';
import { orderIdOf } from './wechatpay-ids';
import { fen, refundState, text, time, tradeState } from './wechatpay-protocol';
import {
  decryptResource,
  EncryptedResource,
  signedHeaders,
  verifySigned,
} from './wechatpay-signing';

/** API v3 wants 200 or 204 and no body when a notification was taken. */
const ACCEPTED: NotificationReply = { status: 204, contentType: 'text/plain', body: '' };

type Json = Record<string, unknown>;

/**
 * A notification (TRANSACTION.SUCCESS, REFUND.SUCCESS / ABNORMAL / CLOSED): the Wechatpay-*
 * headers must name the configured WeChat Pay key, be within the timestamp tolerance and
 * verify over the raw body; then `resource` is decrypted with the APIv3 key and must be for
 * this mchid (and appid, for payments). Anything else is refused with the failure body v3
 * documents, so that WeChat Pay retries.
 */
export function parseWechatpayNotification(
  client: WechatpayClient,
  config: WechatpayConfig,
  notification: InboundNotification,
): ParsedNotification {
  const failure = verifySigned(
    signedHeaders(notification.headers),
    notification.rawBody,
    client.platform,
  );
  if (failure) throw rejected(`wechatpay notification: ${failure}`);
  const envelope = json(notification.rawBody);
  const resource = envelope?.resource as Partial<EncryptedResource> | undefined;
  if (
    typeof resource?.ciphertext !== 'string' ||
    typeof resource.nonce !== 'string' ||
    typeof resource.algorithm !== 'string'
  ) {
    throw rejected('wechatpay notification has no encrypted resource');
  }
  let plain: Json | null;
  try {
    plain = json(decryptResource(config.apiv3_key, resource as EncryptedResource));
  } catch {
    throw rejected('wechatpay notification resource does not decrypt with the APIv3 key');
  }
  if (!plain || plain.mchid !== config.mchid) {
    throw rejected('wechatpay notification is for another mchid');
  }
  const outTradeNo = text(plain.out_trade_no);
  if (!outTradeNo) throw rejected('wechatpay notification has no out_trade_no');
  const amount = (plain.amount ?? {}) as Json;
  if (resource.original_type === 'refund' || plain.out_refund_no !== undefined) {
    const status = refundState(plain.refund_status);
    const refundId = text(plain.out_refund_no);
    if (!status || !refundId) throw rejected('wechatpay refund notification is incomplete');
    return {
      event: {
        kind: 'refund',
        refundId,
        orderId: orderIdOf(outTradeNo),
        status,
        channelRefundNo: text(plain.refund_id),
        amount: fen(amount.refund),
        occurredAt: time(plain.success_time),
      },
      reply: ACCEPTED,
    };
  }
  if (plain.appid !== config.appid) throw rejected('wechatpay notification is for another appid');
  const status = tradeState(plain.trade_state);
  if (!status) throw rejected('wechatpay notification has no trade_state');
  return {
    event: {
      kind: 'payment',
      orderId: orderIdOf(outTradeNo),
      status,
      channelTradeNo: text(plain.transaction_id),
      amount: fen(amount.total),
      currency: text(amount.currency),
      occurredAt: time(plain.success_time),
    },
    reply: ACCEPTED,
  };
}

/** The refusal WeChat Pay reads (any non-2xx makes it retry; the body says why). */
function rejected(message: string): NotificationRejectedError {
  return new NotificationRejectedError(message, {
    status: 401,
    contentType: 'application/json',
    body: JSON.stringify({ code: 'FAIL', message }),
  });
}

function json(text: string): Json | null {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Json)
      : null;
  } catch {
    return null;
  }
}
