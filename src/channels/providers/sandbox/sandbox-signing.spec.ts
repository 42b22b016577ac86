import { NotificationRejectedError } from '../payment-provider.port';
import {
  PayLink,
  seededFraction,
  signNotification,
  signPayLink,
  verifyNotificationSignature,
  verifyPayLink,
} from './sandbox-signing';

const SECRET = 'sandbox-secret-0123456789';
const NOW = 1_764_000_000_000;
const BODY = JSON.stringify({ id: 'sbn_1', type: 'payment', order_id: 'ord_1', amount: 1000 });

function notification(timestamp: number, signature: string, rawBody = BODY) {
  return {
    headers: { 'sandbox-timestamp': String(timestamp), 'sandbox-signature': signature },
    rawBody,
    contentType: 'application/json',
  };
}

describe('sandbox notification signatures', () => {
  const ts = Math.floor(NOW / 1000);

  it('accepts its own signature within the tolerance', () => {
    expect(signNotification(SECRET, ts, BODY)).toMatch(/^v1=[0-9a-f]{64}$/);
    for (const skew of [-300, 0, 300]) {
      const signed = notification(ts + skew, signNotification(SECRET, ts + skew, BODY));
      expect(() => verifyNotificationSignature(SECRET, signed, NOW)).not.toThrow();
    }
  });

  it('refuses a stale or future timestamp even when correctly signed (replay)', () => {
    for (const skew of [-301, 301, -86400]) {
      const signed = notification(ts + skew, signNotification(SECRET, ts + skew, BODY));
      expect(() => verifyNotificationSignature(SECRET, signed, NOW)).toThrow(/too far/);
    }
  });

  it('refuses a tampered body, another secret, a moved timestamp and missing headers', () => {
    const signature = signNotification(SECRET, ts, BODY);
    const refused = [
      notification(ts, signature, BODY.replace('1000', '100000')),
      notification(ts, signNotification('another-secret-0123456', ts, BODY)),
      notification(ts - 1, signature),
      notification(ts, signature.slice(0, -1)),
      notification(ts, 'v1=zz'),
      { headers: {}, rawBody: BODY, contentType: 'application/json' },
      {
        headers: { 'sandbox-timestamp': 'soon', 'sandbox-signature': signature },
        rawBody: BODY,
        contentType: '',
      },
    ];
    for (const n of refused) {
      expect(() => verifyNotificationSignature(SECRET, n, NOW)).toThrow(NotificationRejectedError);
    }
  });

  it('reads header names case-insensitively and the first of repeated headers', () => {
    const signature = signNotification(SECRET, ts, BODY);
    const n = {
      headers: { 'Sandbox-Timestamp': [String(ts), '0'], 'SANDBOX-SIGNATURE': signature },
      rawBody: BODY,
      contentType: 'application/json',
    };
    expect(() => verifyNotificationSignature(SECRET, n, NOW)).not.toThrow();
  });
});

describe('sandbox pay links', () => {
  const link: PayLink = {
    orderId: 'ord_1',
    channel: 'sbx',
    amount: 1234,
    currency: 'CNY',
    expires: NOW + 60_000,
  };

  it('verifies its own link and refuses any changed field', () => {
    const sig = signPayLink(SECRET, link);
    expect(verifyPayLink(SECRET, link, sig)).toBe(true);
    const changes: Partial<PayLink>[] = [
      { orderId: 'ord_2' },
      { channel: 'other' },
      { amount: 1 },
      { currency: 'USD' },
      { expires: NOW + 3_600_000 },
    ];
    for (const change of changes) {
      expect(verifyPayLink(SECRET, { ...link, ...change }, sig)).toBe(false);
    }
    expect(verifyPayLink('another-secret-0123456', link, sig)).toBe(false);
    expect(verifyPayLink(SECRET, link, '')).toBe(false);
  });
});

describe('seeded draws', () => {
  it('are repeatable, in [0, 1), and spread evenly', () => {
    const draws = Array.from({ length: 2000 }, (_, n) => seededFraction('seed', `sbx:create:${n}`));
    expect(draws).toEqual(
      Array.from({ length: 2000 }, (_, n) => seededFraction('seed', `sbx:create:${n}`)),
    );
    expect(draws.every((d) => d >= 0 && d < 1)).toBe(true);
    const below = draws.filter((d) => d < 0.25).length / draws.length;
    expect(Math.abs(below - 0.25)).toBeLessThan(0.04);
    expect(seededFraction(7, 'x')).toBe(seededFraction('7', 'x'));
  });
});
