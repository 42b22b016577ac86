import { createCipheriv, createDecipheriv, createHash, randomFillSync } from 'node:crypto';

const IV_BYTES = 12;
/** Key ids: what `CHANNEL_CONFIG_KEYS` may name a key (`k2:<key>`). */
export const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
/** The shape of a sealed value, with a key id (v2) or from before key ids (v1). */
export const SEALED_VALUE =
  /^(v2:[A-Za-z0-9_-]{1,32}|v1):[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]{22}:[A-Za-z0-9_-]*$/;

/**
 * Random IVs drawn from a buffer the CSPRNG fills 256 at a time: the same bytes as one
 * `randomBytes(12)` per seal, at a fraction of its cost on the creation hot path (every
 * idempotent create seals the response it stores). Each IV is used once; the buffer is
 * refilled, never reused, when it runs out.
 */
const ivPool = Buffer.alloc(IV_BYTES * 256);
let ivOffset = ivPool.length;

function nextIv(): Buffer {
  if (ivOffset === ivPool.length) {
    randomFillSync(ivPool);
    ivOffset = 0;
  }
  const iv = Buffer.from(ivPool.subarray(ivOffset, ivOffset + IV_BYTES));
  ivOffset += IV_BYTES;
  return iv;
}

/** A key of the ring: its id (written into every value it seals) and its 32 bytes. */
export interface RingKey {
  id: string;
  key: Buffer;
}

/** Thrown when a sealed value names a key the ring does not hold. */
export class UnknownKeyError extends Error {
  constructor(readonly keyId: string) {
    super(
      `sealed under key "${keyId}", which is not in CHANNEL_CONFIG_KEYS: add that key back ` +
        `to the ring (it only opens) until \`npm run keys:rotate\` has re-sealed everything`,
    );
  }
}

/**
 * AES-256-GCM for secrets that must be read back (channel private keys, webhook signing
 * secrets, stored idempotent responses) under a key ring: the first key seals, every key
 * opens. The database holds `v2:<key id>:<iv>:<tag>:<ciphertext>` (base64url), never plaintext;
 * values from before key ids (`v1:<iv>:<tag>:<ciphertext>`) are opened by whichever key of the
 * ring authenticates them, and `npm run keys:rotate` re-seals them.
 */
export class SecretBox {
  private readonly keys: RingKey[];
  private readonly byId = new Map<string, Buffer>();

  /** `keys` in order, the sealing key first; a bare Buffer is a ring of one. */
  constructor(keys: RingKey[] | Buffer) {
    const ring = Buffer.isBuffer(keys) ? [{ id: keyFingerprint(keys), key: keys }] : keys;
    if (ring.length === 0) throw new Error('SecretBox needs at least one key');
    for (const { id, key } of ring) {
      if (key.length !== 32) throw new Error('SecretBox needs 32-byte keys');
      if (!KEY_ID.test(id)) throw new Error(`SecretBox key id "${id}" is not valid`);
      // a key also answers to its fingerprint: the id it has when given alone, so values sealed
      // under CHANNEL_CONFIG_KEY open once that key is listed in a ring under a name
      this.byId.set(id, key);
      this.byId.set(keyFingerprint(key), key);
    }
    this.keys = ring;
  }

  static parseKey(text: string): Buffer {
    return /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  }

  /**
   * The ring of `CHANNEL_CONFIG_KEYS` (`id:key,id:key`, sealing key first) or of a lone
   * `CHANNEL_CONFIG_KEY` (its id is its fingerprint).
   */
  static parseRing(text: string): RingKey[] {
    return text
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean)
      .map((part) => {
        const colon = part.indexOf(':');
        return { id: part.slice(0, colon), key: SecretBox.parseKey(part.slice(colon + 1)) };
      });
  }

  /** The id of the sealing key. */
  get currentKeyId(): string {
    return this.keys[0].id;
  }

  get keyIds(): string[] {
    return this.keys.map((k) => k.id);
  }

  seal(plaintext: string): string {
    const { id, key } = this.keys[0];
    const iv = nextIv();
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `v2:${id}:${[iv, cipher.getAuthTag(), ciphertext].map((p) => p.toString('base64url')).join(':')}`;
  }

  open(sealed: string): string {
    const parts = sealed.split(':');
    if (parts[0] === 'v2' && parts.length === 5) {
      const [, id, iv, tag, ciphertext] = parts;
      const key = this.byId.get(id);
      if (!key) throw new UnknownKeyError(id);
      return decrypt(key, iv, tag, ciphertext);
    }
    if (parts[0] === 'v1' && parts.length === 4) {
      const [, iv, tag, ciphertext] = parts;
      for (const { key } of this.keys) {
        try {
          return decrypt(key, iv, tag, ciphertext);
        } catch {
          // not this key: GCM's tag tells, try the next
        }
      }
      throw new Error('a v1 sealed secret that no key of the ring opens');
    }
    throw new Error('not a sealed secret');
  }

  /** The id of the key a value was sealed under; null for v1 values (before key ids). */
  static keyIdOf(sealed: string): string | null {
    const parts = sealed.split(':');
    return parts[0] === 'v2' && parts.length === 5 ? parts[1] : null;
  }

  /** Whether `sealed` is already under the sealing key (what keys:rotate leaves alone). */
  isCurrent(sealed: string): boolean {
    return SecretBox.keyIdOf(sealed) === this.keys[0].id;
  }

  /** `sealed` opened and sealed again under the sealing key. */
  reseal(sealed: string): string {
    return this.seal(this.open(sealed));
  }
}

function decrypt(key: Buffer, iv: string, tag: string, ciphertext: string): string {
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([
    decipher.update(Buffer.from(ciphertext, 'base64url')),
    decipher.final(),
  ]).toString('utf8');
}

/** `f` and 12 hex characters of a hash of the key: names the key without revealing it. */
export function keyFingerprint(key: Buffer | string): string {
  const digest = createHash('sha256').update('paygate key id').update(key).digest('hex');
  return `f${digest.slice(0, 12)}`;
}

/** `****` followed by the last four characters: how secrets appear in responses. */
export function maskSecret(value: string): string {
  return `****${value.slice(-4)}`;
}
