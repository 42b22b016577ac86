import { createPrivateKey, createPublicKey, KeyObject, X509Certificate } from 'node:crypto';

/**
 * RSA keys as providers hand them out: PEM (PKCS#1 or PKCS#8 private keys, SPKI or PKCS#1
 * public keys, X.509 certificates) or the bare base64 body that Alipay's key tool prints.
 * Both providers sign with RSA-SHA256 and ask for keys of at least 2048 bits.
 */
const MIN_MODULUS_BITS = 2048;

export function parseRsaPrivateKey(text: unknown): KeyObject | null {
  if (typeof text !== 'string' || text.trim() === '' || text.length > 16_384) return null;
  const candidates = text.includes('-----BEGIN')
    ? [() => createPrivateKey(text)]
    : [
        () => createPrivateKey({ key: der(text), format: 'der', type: 'pkcs8' }),
        () => createPrivateKey({ key: der(text), format: 'der', type: 'pkcs1' }),
      ];
  return firstRsa(candidates);
}

export function parseRsaPublicKey(text: unknown): KeyObject | null {
  if (typeof text !== 'string' || text.trim() === '' || text.length > 16_384) return null;
  // createPublicKey derives a public key from a private one: a private key pasted here would be
  // accepted and then kept unsealed, since public key fields are not secrets
  if (text.includes('PRIVATE KEY')) return null;
  const candidates = text.includes('-----BEGIN CERTIFICATE')
    ? [() => new X509Certificate(text).publicKey]
    : text.includes('-----BEGIN')
      ? [() => createPublicKey(text)]
      : [
          () => createPublicKey({ key: der(text), format: 'der', type: 'spki' }),
          () => createPublicKey({ key: der(text), format: 'der', type: 'pkcs1' }),
        ];
  return firstRsa(candidates);
}

function firstRsa(candidates: (() => KeyObject)[]): KeyObject | null {
  for (const candidate of candidates) {
    let key: KeyObject;
    try {
      key = candidate();
    } catch {
      continue;
    }
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    return key.asymmetricKeyType === 'rsa' && bits >= MIN_MODULUS_BITS ? key : null;
  }
  return null;
}

function der(text: string): Buffer {
  const compact = text.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) throw new Error('not base64');
  return Buffer.from(compact, 'base64');
}
