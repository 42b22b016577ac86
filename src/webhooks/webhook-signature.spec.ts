import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { signWebhook, verifyWebhookSignature } from './webhook-signature';

const NOW_MS = 1_764_144_000_000;
const NOW_S = NOW_MS / 1000;

describe('webhook signatures', () => {
  it('is HMAC-SHA256 of "<t>.<raw body>" in hex, as the API contract says', () => {
    const body = '{"id":"evt_1","type":"payment.succeeded"}';
    const expected = createHmac('sha256', 'whsec_test').update(`${NOW_S}.${body}`).digest('hex');
    expect(signWebhook(body, ['whsec_test'], NOW_S)).toBe(`t=${NOW_S},v1=${expected}`);
  });

  it('verifies what it signs, within the tolerance, and nothing else', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary' }),
        fc.string({ minLength: 1 }),
        fc.string({ minLength: 1 }),
        fc.integer({ min: -300, max: 300 }),
        (body, secret, otherSecret, skew) => {
          const header = signWebhook(body, [secret], NOW_S + skew);
          expect(verifyWebhookSignature(body, header, secret, { now: NOW_MS })).toBe(true);
          expect(verifyWebhookSignature(Buffer.from(body), header, secret, { now: NOW_MS })).toBe(
            true,
          );
          if (otherSecret !== secret) {
            expect(verifyWebhookSignature(body, header, otherSecret, { now: NOW_MS })).toBe(false);
          }
          expect(verifyWebhookSignature(`${body} `, header, secret, { now: NOW_MS })).toBe(false);
        },
      ),
    );
  });

  it('refuses a timestamp outside the tolerance: a replayed old request', () => {
    fc.assert(
      fc.property(fc.integer({ min: 301, max: 10_000_000 }), fc.boolean(), (distance, ahead) => {
        const t = ahead ? NOW_S + distance : NOW_S - distance;
        const header = signWebhook('{}', ['s'], t);
        expect(verifyWebhookSignature('{}', header, 's', { now: NOW_MS })).toBe(false);
        expect(
          verifyWebhookSignature('{}', header, 's', {
            now: NOW_MS,
            toleranceSeconds: distance,
          }),
        ).toBe(true);
      }),
    );
  });

  it('during a rotation carries one v1 per secret, and either secret verifies', () => {
    const header = signWebhook('{"a":1}', ['new-secret', 'old-secret'], NOW_S);
    expect(header.split(',').filter((p) => p.startsWith('v1='))).toHaveLength(2);
    for (const secret of ['new-secret', 'old-secret']) {
      expect(verifyWebhookSignature('{"a":1}', header, secret, { now: NOW_MS })).toBe(true);
    }
    expect(verifyWebhookSignature('{"a":1}', header, 'third', { now: NOW_MS })).toBe(false);
  });

  it.each([
    undefined,
    '',
    'v1=abc',
    `t=${NOW_S}`,
    `t=soon,v1=${'0'.repeat(64)}`,
    `t=${NOW_S},v1=${'0'.repeat(63)}`,
    `t=${NOW_S},v0=${'0'.repeat(64)}`,
  ])('refuses a malformed header %p', (header) => {
    expect(verifyWebhookSignature('{}', header, 's', { now: NOW_MS })).toBe(false);
  });
});
