import { createHmac, timingSafeEqual } from 'node:crypto';

export const EVENT_ID_HEADER = 'Paygate-Event-Id';
export const SIGNATURE_HEADER = 'Paygate-Signature';

/** How far a signature's timestamp may be from the receiver's clock, by default (seconds). */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** Hex HMAC-SHA256 of `"<t>.<raw body>"` with one secret. */
export function webhookHmac(secret: string, timestamp: number, rawBody: string | Buffer): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex');
}

/**
 * The `Paygate-Signature` value: `t=<unix seconds>,v1=<hex>`, with one `v1` per secret. During a
 * secret rotation's grace period `secrets` is `[new, old]`, so receivers still holding the old
 * secret keep verifying.
 */
export function signWebhook(rawBody: string, secrets: string[], timestamp: number): string {
  return [`t=${timestamp}`, ...secrets.map((s) => `v1=${webhookHmac(s, timestamp, rawBody)}`)].join(
    ',',
  );
}

export interface VerifyOptions {
  /** Largest accepted distance between `t` and now, in seconds. Default 300. */
  toleranceSeconds?: number;
  /** The receiver's clock, epoch milliseconds. Default `Date.now()`. */
  now?: number;
}

/**
 * What a merchant runs on each webhook: true when `header` (the `Paygate-Signature` value)
 * carries a `v1` signature of exactly `rawBody` made with `secret`, and its timestamp is within
 * the tolerance of the receiver's clock (an old, replayed request is refused). Pass the body
 * bytes as received, before any JSON parsing. Signatures are compared in constant time.
 */
export function verifyWebhookSignature(
  rawBody: string | Buffer,
  header: string | undefined,
  secret: string,
  options: VerifyOptions = {},
): boolean {
  if (!header) return false;
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const [key, value] = part.trim().split('=', 2);
    if (key === 't' && /^\d{1,12}$/.test(value ?? '')) timestamp = Number(value);
    else if (key === 'v1' && /^[0-9a-f]{64}$/.test(value ?? '')) signatures.push(value);
  }
  if (timestamp === undefined || signatures.length === 0) return false;
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const nowSeconds = Math.floor((options.now ?? Date.now()) / 1000);
  if (Math.abs(nowSeconds - timestamp) > tolerance) return false;
  const expected = Buffer.from(webhookHmac(secret, timestamp, rawBody), 'hex');
  return signatures.some((s) => timingSafeEqual(Buffer.from(s, 'hex'), expected));
}
