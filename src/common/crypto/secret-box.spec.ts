import { createCipheriv, randomBytes } from 'node:crypto';
import { keyFingerprint, SecretBox, UnknownKeyError } from './secret-box';

describe('SecretBox', () => {
  const box = new SecretBox(randomBytes(32));

  it('opens what it sealed, and nothing tampered with', () => {
    const sealed = box.seal('client_secret=s3cr3t');
    expect(sealed).not.toContain('s3cr3t');
    expect(box.open(sealed)).toBe('client_secret=s3cr3t');
    const [prefix, id, iv, tag, text] = sealed.split(':');
    const flipped = Buffer.from(text, 'base64url');
    flipped[0] ^= 1;
    expect(() =>
      box.open([prefix, id, iv, tag, flipped.toString('base64url')].join(':')),
    ).toThrow();
    expect(() => new SecretBox(randomBytes(32)).open(sealed)).toThrow();
  });

  it('never uses an IV twice, also across refills of its random pool', () => {
    const ivs = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const sealed = box.seal('same text');
      expect(box.open(sealed)).toBe('same text');
      ivs.add(sealed.split(':')[2]);
    }
    expect(ivs.size).toBe(1000);
    for (const iv of ivs) expect(Buffer.from(iv, 'base64url')).toHaveLength(12);
  });
});

describe('SecretBox key ring', () => {
  const k1 = { id: 'k1', key: randomBytes(32) };
  const k2 = { id: 'k2', key: randomBytes(32) };

  it('seals under the first key, naming it, and opens under every key of the ring', () => {
    const old = new SecretBox([k1]);
    const ring = new SecretBox([k2, k1]);
    const before = old.seal('wechat private key');
    expect(before).toMatch(/^v2:k1:/);
    expect(ring.open(before)).toBe('wechat private key');
    const after = ring.seal('wechat private key');
    expect(after).toMatch(/^v2:k2:/);
    expect(ring.isCurrent(after)).toBe(true);
    expect(ring.isCurrent(before)).toBe(false);
    expect(new SecretBox([k2]).open(ring.reseal(before))).toBe('wechat private key');
  });

  it('names the missing key when a value was sealed under a key the ring does not hold', () => {
    const sealed = new SecretBox([k1]).seal('x');
    const open = () => new SecretBox([k2]).open(sealed);
    expect(open).toThrow(UnknownKeyError);
    expect(open).toThrow(/sealed under key "k1", which is not in CHANNEL_CONFIG_KEYS/);
  });

  it('opens values sealed under a lone CHANNEL_CONFIG_KEY once that key is named in a ring', () => {
    const alone = new SecretBox(k1.key);
    const sealed = alone.seal('secret');
    expect(sealed.startsWith(`v2:${keyFingerprint(k1.key)}:`)).toBe(true);
    expect(new SecretBox([k2, { id: 'old', key: k1.key }]).open(sealed)).toBe('secret');
  });

  it('opens v1 values (before key ids) with whichever key authenticates them', () => {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', k1.key, iv);
    const text = Buffer.concat([cipher.update('legacy', 'utf8'), cipher.final()]);
    const v1 = ['v1', iv, cipher.getAuthTag(), text]
      .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
      .join(':');
    expect(new SecretBox([k2, k1]).open(v1)).toBe('legacy');
    expect(() => new SecretBox([k2]).open(v1)).toThrow(/no key of the ring opens/);
  });

  it('reads CHANNEL_CONFIG_KEYS as id:key pairs, hex or base64', () => {
    const ring = SecretBox.parseRing(
      `k2:${k2.key.toString('hex')}, k1:${k1.key.toString('base64')}`,
    );
    expect(ring).toEqual([k2, k1]);
  });
});
