import { randomBytes } from 'node:crypto';
import { SecretBox } from './secret-box';

describe('SecretBox', () => {
  const box = new SecretBox(randomBytes(32));

  it('opens what it sealed, and nothing tampered with', () => {
    const sealed = box.seal('client_secret=s3cr3t');
    expect(sealed).not.toContain('s3cr3t');
    expect(box.open(sealed)).toBe('client_secret=s3cr3t');
    const [prefix, iv, tag, text] = sealed.split(':');
    const flipped = Buffer.from(text, 'base64url');
    flipped[0] ^= 1;
    expect(() => box.open([prefix, iv, tag, flipped.toString('base64url')].join(':'))).toThrow();
    expect(() => new SecretBox(randomBytes(32)).open(sealed)).toThrow();
  });

  it('never uses an IV twice, also across refills of its random pool', () => {
    const ivs = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const sealed = box.seal('same text');
      expect(box.open(sealed)).toBe('same text');
      ivs.add(sealed.split(':')[1]);
    }
    expect(ivs.size).toBe(1000);
    for (const iv of ivs) expect(Buffer.from(iv, 'base64url')).toHaveLength(12);
  });
});
