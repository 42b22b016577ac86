import { createPrivateKey, X509Certificate } from 'node:crypto';
import {
  makeCert,
  pkcs12Base64,
  UNIONPAY_CN,
  UNIONPAY_TEST_CN,
  unionpayTestPki,
} from '../../../../test/fakes/unionpay-pki';
import {
  certIdOf,
  cnName,
  readPkcs12,
  signingCertificateProblem,
  UnionpayTrust,
  VerifiedCertificates,
} from './unionpay-certs';

const DAY = 86_400_000;
const x509 = (pem: string) => new X509Certificate(pem);

describe('UnionPay signing certificates', () => {
  const pki = unionpayTestPki();
  const trust: UnionpayTrust = {
    middle: x509(pki.middle.pem),
    root: x509(pki.root.pem),
    validateCn: true,
  };
  const now = Date.now();

  it('trusts a certificate with UnionPay’s CN issued by the middle certificate the root issued', () => {
    expect(cnName(x509(pki.signing.pem))).toBe('中国银联股份有限公司');
    expect(signingCertificateProblem(x509(pki.signing.pem), trust, now)).toBeNull();
  });

  it('refuses it outside its validity, on an injected clock', () => {
    expect(signingCertificateProblem(x509(pki.signing.pem), trust, now + 400 * DAY)).toMatch(
      /signing certificate has expired/,
    );
    expect(signingCertificateProblem(x509(pki.signing.pem), trust, now - 2 * DAY)).toMatch(
      /not valid yet/,
    );
    const expired = makeCert({
      cn: UNIONPAY_CN,
      issuer: pki.middle,
      from: now - 30 * DAY,
      to: now - DAY,
    });
    expect(signingCertificateProblem(x509(expired.pem), trust, now)).toMatch(/expired/);
  });

  it('refuses a wrong chain: another CA with the same names, or a middle the root did not issue', () => {
    const other = unionpayTestPki();
    expect(signingCertificateProblem(x509(other.signing.pem), trust, now)).toMatch(
      /not issued by the middle/,
    );
    expect(
      signingCertificateProblem(
        x509(pki.signing.pem),
        { ...trust, root: x509(other.root.pem) },
        now,
      ),
    ).toMatch(/middle certificate was not issued by the root/);
    const notCa = makeCert({ cn: 'CFCA TEST OCA1', issuer: pki.root });
    const leaf = makeCert({ cn: UNIONPAY_CN, issuer: notCa });
    expect(
      signingCertificateProblem(x509(leaf.pem), { ...trust, middle: x509(notCa.pem) }, now),
    ).toMatch(/no CA/);
  });

  it('refuses a CN that does not name UnionPay; the test CN only with validate_cn off', () => {
    const wrong = makeCert({ cn: '041@Z12@某某支付有限公司@00000001', issuer: pki.middle });
    const test = makeCert({ cn: UNIONPAY_TEST_CN, issuer: pki.middle });
    const bare = makeCert({ cn: 'UnionPay', issuer: pki.middle });
    expect(signingCertificateProblem(x509(wrong.pem), trust, now)).toMatch(/CN does not name/);
    expect(signingCertificateProblem(x509(bare.pem), trust, now)).toMatch(/CN does not name/);
    expect(signingCertificateProblem(x509(test.pem), trust, now)).toMatch(/00040000:SIGN/);
    const testMode = { ...trust, validateCn: false };
    expect(signingCertificateProblem(x509(test.pem), testMode, now)).toBeNull();
    expect(signingCertificateProblem(x509(wrong.pem), testMode, now)).toMatch(/CN does not name/);
  });

  it('keeps a verified certificate until it expires, and checks again after', () => {
    const cache = new VerifiedCertificates();
    expect(cache.check(pki.signing.pem, trust, now)).toHaveProperty('key');
    expect(cache.check(pki.signing.pem, trust, now + 400 * DAY)).toEqual({
      problem: expect.stringMatching(/expired/),
    });
    expect(cache.check('garbage', trust, now)).toEqual({ problem: expect.any(String) });
  });

  it('certId is the serial number in decimal', () => {
    const cert = makeCert({ cn: 'merchant', issuer: pki.middle, serial: '0100000000fa' });
    expect(certIdOf(x509(cert.pem))).toBe(String(0x0100000000fa));
  });
});

describe('PKCS#12 signing files', () => {
  const pki = unionpayTestPki();

  it('reads the key and the certificate of that key', () => {
    const read = readPkcs12(pkcs12Base64(pki.merchant, '000000'), '000000');
    if ('error' in read) throw new Error(read.error);
    expect(x509(read.certificatePem).serialNumber).toBe(x509(pki.merchant.pem).serialNumber);
    expect(x509(read.certificatePem).checkPrivateKey(createPrivateKey(read.privateKeyPem))).toBe(
      true,
    );
  });

  it('says why a file cannot be used: wrong password, not base64, not PKCS#12', () => {
    expect(readPkcs12(pkcs12Base64(pki.merchant, '000000'), '111111')).toEqual({
      error: expect.stringMatching(/password/),
    });
    expect(readPkcs12('%%%', 'x')).toEqual({ error: 'is not base64' });
    expect(readPkcs12(Buffer.from('hello').toString('base64'), 'x')).toEqual({
      error: expect.stringMatching(/PKCS#12/),
    });
  });
});
