import { AppConfig, loadConfig } from '../config/app-config';
import { KeysService } from '../common/crypto/keys.service';
import { CashierLinks } from './cashier-links';

function links(secret: string, ...older: string[]): CashierLinks {
  const keys = {
    signingKeys: [secret, ...older].map((s, i) => ({ id: `k${i}`, secret: s })),
  } as unknown as KeysService;
  const config: AppConfig = loadConfig({ PUBLIC_BASE_URL: 'https://pay.example.com' });
  return new CashierLinks(keys, config);
}

const ORDER = 'ord_0193a1f2c3d47e5f8a9b0c1d2e3f4a5b';
const EXPIRES = Date.parse('2026-11-26T02:45:30.123Z');

describe('cashier links', () => {
  const mine = links('a'.repeat(32));

  it('binds the order and its expiry; the URL is PUBLIC_BASE_URL/cashier/{token}', () => {
    const token = mine.orderToken(ORDER, EXPIRES);
    expect(token).toMatch(/^[A-Za-z0-9_-]{52}$/);
    expect(mine.verify(token)).toEqual({ orderId: ORDER, expiresAt: EXPIRES });
    expect(mine.orderUrl(ORDER, EXPIRES)).toBe(`https://pay.example.com/cashier/${token}`);
  });

  it('refuses every altered character, a truncated token and another key’s token', () => {
    const token = mine.orderToken(ORDER, EXPIRES);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    for (let i = 0; i < token.length; i++) {
      const other = alphabet[(alphabet.indexOf(token[i]) + 1) % alphabet.length];
      const changed = `${token.slice(0, i)}${other}${token.slice(i + 1)}`;
      // the last character carries 2 unused bits: a change there may decode to the same bytes
      if (Buffer.from(changed, 'base64url').equals(Buffer.from(token, 'base64url'))) continue;
      expect(mine.verify(changed)).toBeNull();
    }
    expect(mine.verify(token.slice(0, 51))).toBeNull();
    expect(mine.verify(`${token}A`)).toBeNull();
    expect(links('b'.repeat(32)).verify(token)).toBeNull();
    expect(mine.verify('x'.repeat(52))).toBeNull();
  });

  it('makes a different token for another expiry of the same order', () => {
    expect(mine.orderToken(ORDER, EXPIRES)).not.toBe(mine.orderToken(ORDER, EXPIRES + 1));
  });

  it('keeps links made before a signing secret rotation working while the old secret is listed', () => {
    const before = links('o'.repeat(32)).orderToken(ORDER, EXPIRES);
    const rotated = links('n'.repeat(32), 'o'.repeat(32));
    expect(rotated.verify(before)).toEqual({ orderId: ORDER, expiresAt: EXPIRES });
    // new links are made with the new secret: they verify once the old one is dropped
    const after = rotated.orderToken(ORDER, EXPIRES);
    expect(links('n'.repeat(32)).verify(after)).toEqual({ orderId: ORDER, expiresAt: EXPIRES });
    expect(links('n'.repeat(32)).verify(before)).toBeNull();
  });
});
