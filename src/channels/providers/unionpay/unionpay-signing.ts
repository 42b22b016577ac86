import { createHash, createSign, createVerify, KeyObject } from 'node:crypto';

/** An ACP message: field names to raw (not URL-encoded) values. */
export type AcpFields = Record<string, string>;

/**
 * The text ACP 5.1.0 signs: every non-empty field except `signature`, sorted by name, joined
 * as `k=v&k=v` with the raw values (no URL encoding).
 */
export function signingText(fields: AcpFields): string {
  return Object.keys(fields)
    .filter((key) => key !== 'signature' && fields[key] !== '')
    .sort()
    .map((key) => `${key}=${fields[key]}`)
    .join('&');
}

/** SHA-256 of the signing text as lowercase hex: what the RSA signature is made over. */
export function signingDigest(fields: AcpFields): string {
  return createHash('sha256').update(signingText(fields), 'utf8').digest('hex');
}

/** SHA256withRSA (PKCS#1 v1.5) over the hex digest, base64. */
export function signFields(fields: AcpFields, privateKey: KeyObject): string {
  return createSign('RSA-SHA256').update(signingDigest(fields), 'utf8').sign(privateKey, 'base64');
}

export function verifyFields(fields: AcpFields, publicKey: KeyObject): boolean {
  const signature = fields.signature;
  if (!signature || !/^[A-Za-z0-9+/]+={0,2}$/.test(signature)) return false;
  try {
    return createVerify('RSA-SHA256')
      .update(signingDigest(fields), 'utf8')
      .verify(publicKey, signature, 'base64');
  } catch {
    return false;
  }
}

/**
 * An ACP answer body: `k=v&k=v` with raw values, where a value may be a `{…}` or `[…]` group
 * holding `&` and `=` of its own (reserved fields). Returns null for a body that is not one.
 */
export function parseAcpAnswer(body: string): AcpFields | null {
  const fields: AcpFields = {};
  let depth = 0;
  let start = 0;
  const take = (end: number): boolean => {
    const pair = body.slice(start, end);
    start = end + 1;
    if (pair === '') return true;
    const at = pair.indexOf('=');
    if (at <= 0) return false;
    const key = pair.slice(0, at);
    if (key in fields) return false;
    fields[key] = pair.slice(at + 1);
    return true;
  };
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '{' || c === '[') depth++;
    else if ((c === '}' || c === ']') && depth > 0) depth--;
    else if (c === '&' && depth === 0 && !take(i)) return null;
  }
  if (!take(body.length) || depth !== 0) return null;
  return Object.keys(fields).length > 0 ? fields : null;
}

/** A form body (URL-encoded, as back notifications arrive); a repeated field makes it ambiguous. */
export function parseForm(body: string): AcpFields | null {
  const fields: AcpFields = {};
  for (const [key, value] of new URLSearchParams(body)) {
    if (key in fields) return null;
    fields[key] = value;
  }
  return fields;
}
