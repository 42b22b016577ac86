import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

/** UnionPay's signing certificates name it as the third `@` part of their CN. */
export const UNIONPAY_CN = '041@Z12@中国银联股份有限公司@00000001';
export const UNIONPAY_TEST_CN = '041@Z12@00040000:SIGN@00000001';

export interface TestCert {
  pem: string;
  keyPem: string;
  key: forge.pki.rsa.PrivateKey;
  cert: forge.pki.Certificate;
}

const DAY = 86_400_000;

/** An RSA 2048 key from node:crypto (forge's own key generation is slow in pure JS). */
function rsaKey() {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const key = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
  return { keyPem, key, publicKey: forge.pki.setRsaPublicKey(key.n, key.e) };
}

/**
 * A certificate made with node-forge: `issuer` signs it (itself when absent); `ca` marks an
 * issuing certificate; `from`/`to` set its validity.
 */
export function makeCert(options: {
  cn: string;
  issuer?: TestCert;
  ca?: boolean;
  from?: number;
  to?: number;
  serial?: string;
}): TestCert {
  const { keyPem, key, publicKey } = rsaKey();
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = options.serial ?? `01${randomBytes(8).toString('hex')}`;
  cert.validity.notBefore = new Date(options.from ?? Date.now() - DAY);
  cert.validity.notAfter = new Date(options.to ?? Date.now() + 365 * DAY);
  const subject = [
    { name: 'countryName', value: 'CN' },
    { name: 'organizationName', value: 'China UnionPay' },
    { name: 'commonName', value: options.cn, valueTagClass: forge.asn1.Type.UTF8 },
  ] as forge.pki.CertificateField[];
  cert.setSubject(subject);
  cert.setIssuer(options.issuer ? options.issuer.cert.subject.attributes : subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: options.ca === true, critical: true },
    {
      name: 'keyUsage',
      critical: true,
      ...(options.ca ? { keyCertSign: true, cRLSign: true } : { digitalSignature: true }),
    },
  ]);
  cert.sign(options.issuer?.key ?? key, forge.md.sha256.create());
  return { pem: forge.pki.certificateToPem(cert), keyPem, key, cert };
}

/** UnionPay's test PKI: root → middle → its signing certificate, and a merchant's signing certificate. */
export function unionpayTestPki(options: { signingCn?: string } = {}) {
  const root = makeCert({ cn: 'CFCA TEST CS CA', ca: true, to: Date.now() + 3650 * DAY });
  const middle = makeCert({ cn: 'CFCA TEST OCA1', issuer: root, ca: true });
  const signing = makeCert({ cn: options.signingCn ?? UNIONPAY_CN, issuer: middle });
  const merchant = makeCert({ cn: '041@Z12@777290058110097@00000001', issuer: middle });
  return { root, middle, signing, merchant };
}

/** The merchant's key and certificate as the `.pfx` UnionPay hands out, base64. */
export function pkcs12Base64(holder: TestCert, password: string): string {
  const asn1 = forge.pkcs12.toPkcs12Asn1(holder.key, [holder.cert], password, {
    algorithm: '3des',
  });
  return forge.util.encode64(forge.asn1.toDer(asn1).getBytes());
}
