import { createPrivateKey, createPublicKey } from 'node:crypto';
import {
  parseAcpAnswer,
  parseForm,
  signFields,
  signingDigest,
  signingText,
  verifyFields,
} from './unionpay-signing';

/** A test key made for this spec (openssl genpkey); the expected values came from openssl too. */
const KEY_PEM = `-----BEGIN PRIVATE KEY-----
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQCuic29mENavok5
KPxgEMRizY/gPnUmiqUzy2vXQ9U3+5a4w6xkDbgj0dt/7V0/dLeGiYnL4BNnsdvu
i+n9YSEKd46W8CsN2goSJilCvs54o8uU0l2TxhG4Y1gDhenUQahBNTknhb1oxAve
vBji3QrrB6TOENc2Hzw071CF0VMMBiF3KqCkz5PmQ5QFJJaRk6sfu7IEhmvXcUew
U770p4yeU1kTDbPFQ8rHeIpVAcZKosEQcyy+ofJ3PzE3CvE887w/lfcSdrFHjN6f
z+2RCNvxC84flyz2xtwqxBeUSqKjDU2QBMKZBOEgQ3fD4fmh3+h+gl4WmGu03J8L
RU8QMnePAgMBAAECggEABxjxddlAO+ttlxZ0lM95vO7Q//RqPSP8LcwC2aEXhYxE
h8TlOLhaGZLKEzyqww7S+7SSFulIwLm50Mx9umD9v/g2oyqnBYwtRqmomd86dCts
9uNLDNxMEixwAsyqQohc+DHa3iGRHzaBqRALDwagEAiiigKjTb8daqWkp5xofR+d
aMJEALND2JsfbrTNkavwJrurOzu7UKCjt1E4tBvZGHH4vbavnWxc6gHEKJOKh0n7
GRv7YSZLs8s4dnVf2JTudY1rps9hi4z3xypfHaxP1ajVoyMSpAOIRZ+Gf0C2VY9C
i9uDbOQfn7iOFmHPjoH/fXNut+dTkRKcnTGCHP+dwQKBgQDrJDxXSCmkQo7SdScw
g4Pg31JlhZ4Y9dwgxdA+jbD3O9zHAQ2udhsQuHd5uI+GbpVkmvd3jmH70gBcOjPN
ZSPnsqqoD7uW3hKcszw2vX/GHJfR9VoswI22OcCKTy7/jpHtdUQaMqgmWa7qBjR8
lSMz7Xq+VuHsIH55fId47NI3IQKBgQC+BVh0sDHX1DgpnKWrXVvKYRbJYhfSIFBv
oz49gz95NfsdlGiZOy5ED7UQxTRgcLRGvZ3bsid7fOhaciU1I1YeRzDuvIICZ1Ch
x3vEp5hPX2M9+AbYJX3+7RhKDJrDnkVhJl6+1su5u+aC5GZQWeqGs+gyNUk7oHRF
Rq9NTM3IrwKBgQCZSlIcBGtBLjK1eLJHqjT7EBtDG8xpMT6EDvEnFm/bfSb8hO9K
YKxcRiV9MJhAZy71GyFgy22NIOYjOb4zlE/H6G3gigEc5UD07tO+S+NUX6eJtI1I
x26a8SNYBy74YxU23E+9VHDSL30cC1eEMCV24MY396Por3ZD9K7MYnbYgQKBgQC4
VQktESsY2tasjzgrF4KOvUZUjyLahNxin7ImC+cMF3CFjk01sDI+dhpIrXUUxOAs
645x683fPhlMfARaGvBUqOzv+tAHst+GQLRw3b+j572nBK7nCN/D544zbyzG7QcS
qh0o9cdlYsDHYvdZpRAcIfPymLx06j9AYMR3sTTDIwKBgA5smC1iP5FzO7PsNrIr
2Kp0hfzv8jx7B9Je6PaDukYAJj6Ie3zJ3O1R2dZrEPU7OKOtqzx620ktOCQEikMN
ZBRQtVE+iD+6mnMNJoMtCPpTvMXiileMfEQn/bgs4rT0dkHr+2hN6+uJnvFP9bPb
IQzvDBL9DNfiJOizL2EjS4sz
-----END PRIVATE KEY-----
`;
const privateKey = createPrivateKey(KEY_PEM);
const publicKey = createPublicKey(privateKey);

/** A gateway consume request with the fields in no particular order, an empty one among them. */
const MESSAGE = {
  version: '5.1.0',
  encoding: 'UTF-8',
  txnType: '01',
  txnSubType: '01',
  bizType: '000201',
  signMethod: '01',
  channelType: '07',
  accessType: '0',
  merId: '777290058110097',
  orderId: '0193a1f2c3d47e5f8a9b0c1d2e3f4a5b',
  txnTime: '20241126100000',
  txnAmt: '1000',
  currencyCode: '156',
  reqReserved: '',
  certId: '68759663125',
};

describe('ACP 5.1.0 signatures', () => {
  it('signs the sorted non-empty fields without signature, raw values, k=v&…', () => {
    expect(signingText({ ...MESSAGE, signature: 'x' })).toBe(
      'accessType=0&bizType=000201&certId=68759663125&channelType=07&currencyCode=156&' +
        'encoding=UTF-8&merId=777290058110097&orderId=0193a1f2c3d47e5f8a9b0c1d2e3f4a5b&' +
        'signMethod=01&txnAmt=1000&txnSubType=01&txnTime=20241126100000&txnType=01&version=5.1.0',
    );
    expect(signingDigest(MESSAGE)).toBe(
      '4ea28d026e605d92e39b5bc24a16293a3a8f425e7360847a509e7d444da61cab',
    );
  });

  it('is SHA256withRSA over the lowercase hex digest, base64 (the value openssl gives)', () => {
    expect(signFields(MESSAGE, privateKey)).toBe(
      'haaoP4By1yHo8s5e33fmp98YBGqSTuN04k0uv4dh2j29pLctoCd/tImDD2XwStLZ1zgRnW/ZvfbNu1z+Uhbq24KETxyEKbIjFEKBSbc8rmY4tIj4CnlY6DWcgupfKFesuEMVNwvmi2WZ9rp8I4eEj+mzYOT0MLQAYaVeMyEvKt61tpsg3VC0ME71J85Qv4Hf42HmUW47SSHNHHBUKg0FV46OCKytbdENRo9AM/YNeA5bwtNV3EYuddChHPhiwoI+I5ZkH9fy1Sj5LnPzUvFA9CUzs7gHPp7QFbvZlxmjW5JZr4RHNLg4wcm8zDylIA1hSn1STF3xQSVWUtZ3nUTthA==',
    );
  });

  it('verifies its own signature and refuses a changed field, a missing or malformed signature', () => {
    const signature = signFields(MESSAGE, privateKey);
    expect(verifyFields({ ...MESSAGE, signature }, publicKey)).toBe(true);
    expect(verifyFields({ ...MESSAGE, txnAmt: '1001', signature }, publicKey)).toBe(false);
    expect(verifyFields({ ...MESSAGE }, publicKey)).toBe(false);
    expect(verifyFields({ ...MESSAGE, signature: 'not base64!' }, publicKey)).toBe(false);
    // values are signed raw: the same value URL-encoded is another message
    const withUrl = { ...MESSAGE, backUrl: 'https://pay.example.com/v1/notify/up?x=1&y=2' };
    const urlSignature = signFields(withUrl, privateKey);
    expect(verifyFields({ ...withUrl, signature: urlSignature }, publicKey)).toBe(true);
    expect(
      verifyFields(
        { ...withUrl, backUrl: encodeURIComponent(withUrl.backUrl), signature: urlSignature },
        publicKey,
      ),
    ).toBe(false);
  });
});

describe('ACP messages', () => {
  it('reads answers with raw values, PEM certificates and {…} groups holding & and =', () => {
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB+/a=\n-----END CERTIFICATE-----';
    const answer = parseAcpAnswer(
      `respCode=00&respMsg=成功[0000000]&reserved={a=1&b=2}&signPubKeyCert=${pem}&qrCode=https://qr.95516.com/x?y=1`,
    );
    expect(answer).toEqual({
      respCode: '00',
      respMsg: '成功[0000000]',
      reserved: '{a=1&b=2}',
      signPubKeyCert: pem,
      qrCode: 'https://qr.95516.com/x?y=1',
    });
  });

  it('refuses what is not one message: no fields, a repeated or nameless field, an open group', () => {
    for (const body of ['', 'respCode=00&respCode=01', '=00', 'a=1&reserved={b=2', '<html>']) {
      expect(parseAcpAnswer(body)).toBeNull();
    }
  });

  it('reads URL-encoded notification forms once, refusing repeated fields', () => {
    expect(parseForm('respMsg=%E6%88%90%E5%8A%9F&signature=a%2Bb%3D')).toEqual({
      respMsg: '成功',
      signature: 'a+b=',
    });
    expect(parseForm('a=1&a=2')).toBeNull();
  });
});
