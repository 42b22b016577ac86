import { createCipheriv, createDecipheriv, randomFillSync } from 'node:crypto';

const PREFIX = 'v1';
const IV_BYTES = 12;

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

/**
 * AES-256-GCM for secrets that must be read back (channel private keys, webhook signing
 * secrets): the database holds `v1:<iv>:<tag>:<ciphertext>` (base64url), never plaintext.
 */
export class SecretBox {
  private readonly key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== 32) throw new Error('SecretBox needs a 32-byte key');
    this.key = key;
  }

  static parseKey(text: string): Buffer {
    return /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  }

  seal(plaintext: string): string {
    const iv = nextIv();
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [PREFIX, iv, cipher.getAuthTag(), ciphertext]
      .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
      .join(':');
  }

  open(sealed: string): string {
    const [prefix, iv, tag, ciphertext] = sealed.split(':');
    if (prefix !== PREFIX || !iv || !tag || ciphertext === undefined) {
      throw new Error('not a sealed secret');
    }
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([
      decipher.update(Buffer.from(ciphertext, 'base64url')),
      decipher.final(),
    ]).toString('utf8');
  }
}

/** `****` followed by the last four characters: how secrets appear in responses. */
export function maskSecret(value: string): string {
  return `****${value.slice(-4)}`;
}
