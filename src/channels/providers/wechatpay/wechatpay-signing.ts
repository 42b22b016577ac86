import { createDecipheriv, createSign, createVerify, KeyObject, randomBytes } from 'node:crypto';

/** How far a response's or notification's Wechatpay-Timestamp may be from our clock. */
export const TIMESTAMP_TOLERANCE_SECONDS = 300;

/**
 * The request signature message of API v3: five lines, each ending in `\n`, the last being
 * the body (empty for GET): `METHOD\nPATH?QUERY\nTIMESTAMP\nNONCE\nBODY\n`.
 */
export function requestMessage(
  method: string,
  pathAndQuery: string,
  timestamp: string,
  nonce: string,
  body: string,
): string {
  return `${method}\n${pathAndQuery}\n${timestamp}\n${nonce}\n${body}\n`;
}

/** The message WeChat Pay signs on responses and notifications: `TIMESTAMP\nNONCE\nBODY\n`. */
export function responseMessage(timestamp: string, nonce: string, body: string): string {
  return `${timestamp}\n${nonce}\n${body}\n`;
}

export function signMessage(privateKey: KeyObject, message: string): string {
  return createSign('RSA-SHA256').update(message, 'utf8').sign(privateKey, 'base64');
}

export function verifyMessage(publicKey: KeyObject, message: string, signature: string): boolean {
  try {
    return createVerify('RSA-SHA256')
      .update(message, 'utf8')
      .verify(publicKey, signature, 'base64');
  } catch {
    return false;
  }
}

export interface RequestSigner {
  mchid: string;
  serialNo: string;
  privateKey: KeyObject;
}

/** `Authorization: WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",signature="…",timestamp="…",serial_no="…"`. */
export function authorization(
  signer: RequestSigner,
  method: string,
  pathAndQuery: string,
  body: string,
  timestamp = String(Math.floor(Date.now() / 1000)),
  nonce = randomBytes(16).toString('hex').toUpperCase(),
): string {
  const signature = signMessage(
    signer.privateKey,
    requestMessage(method, pathAndQuery, timestamp, nonce, body),
  );
  return (
    `WECHATPAY2-SHA256-RSA2048 mchid="${signer.mchid}",nonce_str="${nonce}",` +
    `signature="${signature}",timestamp="${timestamp}",serial_no="${signer.serialNo}"`
  );
}

export interface SignedHeaders {
  timestamp?: string;
  nonce?: string;
  signature?: string;
  serial?: string;
}

/** The four Wechatpay-* headers of a response or notification (names are case-insensitive). */
export function signedHeaders(
  headers: Record<string, string | string[] | undefined> | Headers,
): SignedHeaders {
  const get = (name: string): string | undefined => {
    const value = headers instanceof Headers ? headers.get(name) : headers[name];
    return Array.isArray(value) ? value[0] : (value ?? undefined);
  };
  return {
    timestamp: get('wechatpay-timestamp'),
    nonce: get('wechatpay-nonce'),
    signature: get('wechatpay-signature'),
    serial: get('wechatpay-serial'),
  };
}

/**
 * Checks a response or notification: the serial names the configured WeChat Pay key, the
 * timestamp is within the tolerance, and the signature verifies over the exact body. Returns
 * why it fails, or null when it verifies.
 */
export function verifySigned(
  signed: SignedHeaders,
  body: string,
  key: { publicKey: KeyObject; keyId: string },
  nowMs = Date.now(),
): string | null {
  const { timestamp, nonce, signature, serial } = signed;
  if (!timestamp || !nonce || !signature || !serial) return 'Wechatpay-* signature headers missing';
  if (serial !== key.keyId) return `signed with ${serial.slice(0, 64)}, not the configured key`;
  if (!/^\d{1,12}$/.test(timestamp)) return 'Wechatpay-Timestamp is not a number';
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > TIMESTAMP_TOLERANCE_SECONDS) {
    return 'Wechatpay-Timestamp is outside the tolerance';
  }
  if (!verifyMessage(key.publicKey, responseMessage(timestamp, nonce, body), signature)) {
    return 'signature does not verify';
  }
  return null;
}

export interface EncryptedResource {
  algorithm: string;
  ciphertext: string;
  nonce: string;
  associated_data?: string;
  /** What was encrypted: `transaction` or `refund`. */
  original_type?: string;
}

/**
 * AEAD_AES_256_GCM (RFC 5116) with the APIv3 key: `ciphertext` is base64 of the encrypted bytes
 * followed by the 16-byte tag; `nonce` and `associated_data` are used as UTF-8 text.
 * Throws when the key, nonce, data or tag do not match.
 */
export function decryptResource(apiv3Key: string, resource: EncryptedResource): string {
  if (resource.algorithm !== 'AEAD_AES_256_GCM') {
    throw new Error(`unsupported algorithm ${String(resource.algorithm)}`);
  }
  return openAesGcm(
    Buffer.from(apiv3Key, 'utf8'),
    Buffer.from(resource.nonce, 'utf8'),
    Buffer.from(resource.associated_data ?? '', 'utf8'),
    Buffer.from(resource.ciphertext, 'base64'),
  ).toString('utf8');
}

/** AES-256-GCM open of `ciphertext || tag` (16-byte tag). */
export function openAesGcm(key: Buffer, nonce: Buffer, aad: Buffer, sealed: Buffer): Buffer {
  if (key.length !== 32 || sealed.length < 16) throw new Error('bad key or ciphertext');
  const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: 16 });
  decipher.setAuthTag(sealed.subarray(sealed.length - 16));
  decipher.setAAD(aad);
  return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - 16)), decipher.final()]);
}

/**
 * The parameters of `WeixinJSBridge.invoke('getBrandWCPayRequest', …)` for a JSAPI prepay:
 * paySign is the merchant key's RSA-SHA256 signature over `appId\ntimeStamp\nnonceStr\npackage\n`
 * (JSAPI 调起支付签名), checked by WeChat against the merchant certificate.
 */
export function jsapiPayParams(
  appId: string,
  prepayId: string,
  privateKey: KeyObject,
  timeStamp = String(Math.floor(Date.now() / 1000)),
  nonceStr = randomBytes(16).toString('hex'),
): Record<string, string> {
  const pkg = `prepay_id=${prepayId}`;
  return {
    appId,
    timeStamp,
    nonceStr,
    package: pkg,
    signType: 'RSA',
    paySign: signMessage(privateKey, `${appId}\n${timeStamp}\n${nonceStr}\n${pkg}\n`),
  };
}
