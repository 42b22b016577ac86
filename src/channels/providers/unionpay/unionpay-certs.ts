import { KeyObject, X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { parseRsaPrivateKey } from '../rsa-keys';

/** The name UnionPay's production signing certificates carry as the third `@` part of their CN. */
export const UNIONPAY_CN_NAME = '中国银联股份有限公司';
/** What the provider's test environment's signing certificates carry there instead. */
export const UNIONPAY_TEST_CN_NAME = '00040000:SIGN';

/** A merchant signing key and its certificate, as read from PEM or a PKCS#12 file. */
export interface SigningCredential {
  privateKey: KeyObject;
  certificate: X509Certificate;
  /** `certId`: the certificate's serial number in decimal. */
  certId: string;
}

export function parseCertificate(pem: unknown): X509Certificate | null {
  if (typeof pem !== 'string' || !pem.includes('-----BEGIN CERTIFICATE') || pem.length > 16_384) {
    return null;
  }
  try {
    return new X509Certificate(pem);
  } catch {
    return null;
  }
}

/** certId as ACP sends it: the serial number (hex in X.509 tooling) in decimal. */
export function certIdOf(certificate: X509Certificate): string {
  return BigInt(`0x${certificate.serialNumber}`).toString(10);
}

/** The key and certificate in PEM, checked to belong together. */
export function credentialFromPem(privateKeyPem: unknown, certificatePem: unknown) {
  const privateKey = parseRsaPrivateKey(privateKeyPem);
  const certificate = parseCertificate(certificatePem);
  if (!privateKey || !certificate) return null;
  if (!certificate.checkPrivateKey(privateKey)) return null;
  return { privateKey, certificate, certId: certIdOf(certificate) } satisfies SigningCredential;
}

/**
 * The signing key and certificate of a PKCS#12 file (UnionPay hands merchants `.pfx` files),
 * read with node-forge, which knows the file's legacy ciphers (RC2, 3DES) that OpenSSL 3
 * leaves out by default. Returns them as PEM, or a reason the file could not be read.
 */
export function readPkcs12(
  base64: string,
  password: string,
): { privateKeyPem: string; certificatePem: string } | { error: string } {
  const compact = base64.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(compact) || compact.length > 65_536) {
    return { error: 'is not base64' };
  }
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    const der = forge.util.decode64(compact);
    p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(der), password);
  } catch {
    return { error: 'is not a PKCS#12 file this password opens' };
  }
  const keyBags = [
    ...(p12.getBags({ bagType: forge.pki.oids.pkcs8ShroudedKeyBag })[
      forge.pki.oids.pkcs8ShroudedKeyBag
    ] ?? []),
    ...(p12.getBags({ bagType: forge.pki.oids.keyBag })[forge.pki.oids.keyBag] ?? []),
  ];
  const certBags = p12.getBags({ bagType: forge.pki.oids.certBag })[forge.pki.oids.certBag] ?? [];
  const key = keyBags.find((bag) => bag.key)?.key;
  if (!key) return { error: 'holds no private key' };
  const privateKeyPem = forge.pki.privateKeyInfoToPem(
    forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(key as forge.pki.rsa.PrivateKey)),
  );
  // the file may carry the chain too: keep the certificate of this key
  for (const bag of certBags) {
    if (!bag.cert) continue;
    const certificatePem = forge.pki.certificateToPem(bag.cert);
    if (credentialFromPem(privateKeyPem, certificatePem)) return { privateKeyPem, certificatePem };
  }
  return { error: 'holds no certificate of its private key' };
}

/** The trust UnionPay's answers and notifications are checked against. */
export interface UnionpayTrust {
  middle: X509Certificate;
  root: X509Certificate;
  /** Refuse signing certificates whose CN does not name UnionPay (production). */
  validateCn: boolean;
}

/**
 * Why `signPubKeyCert` cannot be trusted at `now`, or null when it can: it must be valid now,
 * issued and signed by the configured middle certificate, which the configured root issued
 * and signed (both valid now, the middle a CA), and its CN's third `@`-separated part must be
 * UnionPay's name (or, with `validateCn` off, the test environment's).
 */
export function signingCertificateProblem(
  certificate: X509Certificate,
  trust: UnionpayTrust,
  now: number,
): string | null {
  for (const [name, cert] of [
    ['signing', certificate],
    ['middle', trust.middle],
    ['root', trust.root],
  ] as const) {
    if (now < Date.parse(cert.validFrom)) return `the ${name} certificate is not valid yet`;
    if (now > Date.parse(cert.validTo)) return `the ${name} certificate has expired`;
  }
  if (!trust.middle.ca) return 'the middle certificate is no CA';
  if (!certificate.checkIssued(trust.middle) || !certificate.verify(trust.middle.publicKey)) {
    return 'the signing certificate was not issued by the middle certificate';
  }
  if (!trust.middle.checkIssued(trust.root) || !trust.middle.verify(trust.root.publicKey)) {
    return 'the middle certificate was not issued by the root certificate';
  }
  const name = cnName(certificate);
  const accepted = trust.validateCn
    ? [UNIONPAY_CN_NAME]
    : [UNIONPAY_CN_NAME, UNIONPAY_TEST_CN_NAME];
  if (name === null || !accepted.includes(name)) {
    return `the signing certificate's CN does not name UnionPay (${name ?? 'none'})`;
  }
  return null;
}

/** The third `@` part of the subject's CN (`041@Z12@中国银联股份有限公司@00000001` → the name). */
export function cnName(certificate: X509Certificate): string | null {
  const cn = certificate.subject
    .split('\n')
    .find((part) => part.startsWith('CN='))
    ?.slice(3);
  const parts = cn?.split('@');
  return parts && parts.length >= 3 ? parts[2] : null;
}

/**
 * Signing certificates that passed the checks, by their PEM text, until they expire: UnionPay
 * sends the same certificate with every message, and the chain check need not run each time.
 */
export class VerifiedCertificates {
  private readonly cache = new Map<string, { key: KeyObject; validTo: number }>();

  constructor(private readonly limit = 16) {}

  /** The certificate's public key if it is trusted at `now`; otherwise the reason. */
  check(pem: string, trust: UnionpayTrust, now: number): { key: KeyObject } | { problem: string } {
    const cached = this.cache.get(pem);
    if (cached && now <= cached.validTo) return { key: cached.key };
    const certificate = parseCertificate(pem);
    if (!certificate) return { problem: 'signPubKeyCert is not a certificate' };
    const problem = signingCertificateProblem(certificate, trust, now);
    if (problem) return { problem };
    if (this.cache.size >= this.limit) this.cache.clear();
    const validTo = Math.min(
      Date.parse(certificate.validTo),
      Date.parse(trust.middle.validTo),
      Date.parse(trust.root.validTo),
    );
    this.cache.set(pem, { key: certificate.publicKey, validTo });
    return { key: certificate.publicKey };
  }
}
