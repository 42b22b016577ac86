import { createHmac, timingSafeEqual } from 'node:crypto';
import { InboundNotification, NotificationRejectedError } from '../payment-provider.port';

/**
 * The sandbox's cryptography, all HMAC-SHA256 with the channel's secret: notification
 * signatures (`sandbox-signature: v1=<hex>` over "<timestamp>.<raw body>"), pay links that the
 * pay page can trust without a lookup, and trade numbers derived from our ids.
 */
export const TIMESTAMP_HEADER = 'sandbox-timestamp';
export const SIGNATURE_HEADER = 'sandbox-signature';
/** Notifications older or newer than this are refused as replays. */
export const NOTIFICATION_TOLERANCE_SECONDS = 300;

function hmac(secret: string, text: string): Buffer {
  return createHmac('sha256', secret).update(text, 'utf8').digest();
}

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

export function signNotification(secret: string, timestamp: number, rawBody: string): string {
  return `v1=${hmac(secret, `${timestamp}.${rawBody}`).toString('hex')}`;
}

/** Throws NotificationRejectedError unless signed with `secret` within the tolerance of `now`. */
export function verifyNotificationSignature(
  secret: string,
  notification: InboundNotification,
  nowMs: number,
): void {
  const timestampText = header(notification, TIMESTAMP_HEADER);
  const signature = header(notification, SIGNATURE_HEADER);
  if (!timestampText || !signature) {
    throw new NotificationRejectedError('sandbox notification without timestamp or signature');
  }
  if (!/^\d{1,12}$/.test(timestampText)) {
    throw new NotificationRejectedError('sandbox notification timestamp is not unix seconds');
  }
  const timestamp = Number(timestampText);
  if (Math.abs(nowMs / 1000 - timestamp) > NOTIFICATION_TOLERANCE_SECONDS) {
    throw new NotificationRejectedError('sandbox notification timestamp is too far from now');
  }
  const expected = Buffer.from(signNotification(secret, timestamp, notification.rawBody));
  if (!sameBytes(Buffer.from(signature), expected)) {
    throw new NotificationRejectedError('sandbox notification signature does not match');
  }
}

function header(notification: InboundNotification, name: string): string | undefined {
  const entry = Object.entries(notification.headers).find(([k]) => k.toLowerCase() === name);
  const value = entry?.[1];
  return Array.isArray(value) ? value[0] : value;
}

/** What a pay link carries and signs: the page and its POST trust these without a lookup. */
export interface PayLink {
  orderId: string;
  channel: string;
  amount: number;
  currency: string;
  /** Epoch ms after which the link refuses payment. */
  expires: number;
}

function payLinkText(link: PayLink): string {
  return ['pay', link.orderId, link.channel, link.amount, link.currency, link.expires].join('|');
}

export function signPayLink(secret: string, link: PayLink): string {
  return hmac(secret, payLinkText(link)).toString('base64url');
}

export function verifyPayLink(secret: string, link: PayLink, sig: string): boolean {
  return sameBytes(Buffer.from(sig), Buffer.from(signPayLink(secret, link)));
}

export function payUrl(publicBaseUrl: string, secret: string, link: PayLink): string {
  const query = new URLSearchParams({
    channel: link.channel,
    amount: String(link.amount),
    currency: link.currency,
    expires: String(link.expires),
    sig: signPayLink(secret, link),
  });
  return `${publicBaseUrl}/sandbox/pay/${encodeURIComponent(link.orderId)}?${query.toString()}`;
}

/** The sandbox's trade number for an order: derived, so creating a payment writes nothing. */
export function tradeNo(secret: string, orderId: string): string {
  return `sbx_${hmac(secret, `trade|${orderId}`).toString('hex').slice(0, 28)}`;
}

export function refundNo(secret: string, refundId: string): string {
  return `sbr_${hmac(secret, `refund|${refundId}`).toString('hex').slice(0, 28)}`;
}

/** A number in [0, 1) from HMAC-SHA256(seed, text): the same seed gives the same draws. */
export function seededFraction(seed: string | number, text: string): number {
  const bytes = hmac(String(seed), text);
  return bytes.readUIntBE(0, 6) / 2 ** 48;
}
