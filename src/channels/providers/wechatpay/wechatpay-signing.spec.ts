import { createCipheriv, createVerify, generateKeyPairSync, randomBytes } from 'node:crypto';
import { parseRsaPublicKey } from '../rsa-keys';
import {
  authorization,
  decryptResource,
  jsapiPayParams,
  openAesGcm,
  requestMessage,
  responseMessage,
  signMessage,
  verifySigned,
} from './wechatpay-signing';

const merchant = generateKeyPairSync('rsa', { modulusLength: 2048 });
const platform = generateKeyPairSync('rsa', { modulusLength: 2048 });
const KEY_ID = 'PUB_KEY_ID_0114232134912410000000000000';

describe('WeChat Pay API v3 request signatures', () => {
  it('builds the published signature message (five lines, each ending in \\n, empty GET body)', () => {
    // WeChat Pay's "签名生成" guide signs exactly this message for its GET example
    // (https://pay.weixin.qq.com/docs/merchant/development/interface-rules/signature-generation.html,
    // reproduced at https://developers.weixin.qq.com/community/pay/doc/000c82beeb43c0826d0337abe68400).
    expect(
      requestMessage(
        'GET',
        '/v3/refund/domestic/refunds/123123123123',
        '1554208460',
        '593BEC0C930BF1AFEB40B4A08C8FB242',
        '',
      ),
    ).toBe(
      'GET\n/v3/refund/domestic/refunds/123123123123\n1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n\n',
    );
  });

  it('writes the Authorization header in the documented field order, signed over the message', () => {
    const body = '{"mchid":"1900009191"}';
    const header = authorization(
      {
        mchid: '1900009191',
        serialNo: '1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C',
        privateKey: merchant.privateKey,
      },
      'POST',
      '/v3/pay/transactions/out-trade-no/1217752501201407033233368018/close',
      body,
      '1554208460',
      '593BEC0C930BF1AFEB40B4A08C8FB242',
    );
    const match =
      /^WECHATPAY2-SHA256-RSA2048 mchid="1900009191",nonce_str="593BEC0C930BF1AFEB40B4A08C8FB242",signature="([^"]+)",timestamp="1554208460",serial_no="1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C"$/.exec(
        header,
      );
    expect(match).not.toBeNull();
    const message =
      'POST\n/v3/pay/transactions/out-trade-no/1217752501201407033233368018/close\n1554208460\n' +
      `593BEC0C930BF1AFEB40B4A08C8FB242\n${body}\n`;
    expect(
      createVerify('RSA-SHA256').update(message).verify(merchant.publicKey, match![1], 'base64'),
    ).toBe(true);
  });
});

describe('WeChat Pay answer and notification verification', () => {
  const body = '{"code_url":"weixin://wxpay/bizpayurl?pr=p4lpSuKzz"}';
  const now = 1_700_000_000_000;
  const signed = (
    over: Partial<Record<'timestamp' | 'nonce' | 'serial', string>> = {},
    text = body,
  ) => {
    const timestamp = over.timestamp ?? String(now / 1000);
    const nonce = over.nonce ?? 'fa2d1e6f0b1b4c1d';
    return {
      timestamp,
      nonce,
      serial: over.serial ?? KEY_ID,
      signature: signMessage(platform.privateKey, responseMessage(timestamp, nonce, text)),
    };
  };
  const key = { publicKey: platform.publicKey, keyId: KEY_ID };

  it('accepts an answer signed by the configured key within the tolerance', () => {
    expect(verifySigned(signed(), body, key, now)).toBeNull();
    expect(
      verifySigned(signed({ timestamp: String(now / 1000 - 299) }), body, key, now),
    ).toBeNull();
    // an empty body (204) is signed too
    expect(verifySigned(signed({}, ''), '', key, now)).toBeNull();
  });

  it('refuses another serial, a stale or future timestamp, a changed body and missing headers', () => {
    expect(verifySigned(signed({ serial: 'PUB_KEY_ID_OTHER' }), body, key, now)).toMatch(
      'not the configured key',
    );
    expect(verifySigned(signed({ timestamp: String(now / 1000 - 301) }), body, key, now)).toMatch(
      'tolerance',
    );
    expect(verifySigned(signed({ timestamp: String(now / 1000 + 301) }), body, key, now)).toMatch(
      'tolerance',
    );
    expect(verifySigned(signed(), body.replace('p4l', 'xxx'), key, now)).toBe(
      'signature does not verify',
    );
    expect(verifySigned({ ...signed(), signature: undefined }, body, key, now)).toMatch('missing');
    const other = { publicKey: merchant.publicKey, keyId: KEY_ID };
    expect(verifySigned(signed(), body, other, now)).toBe('signature does not verify');
  });

  it('verifies with a platform certificate instead of a public key (certificate mode)', () => {
    // a self-signed test certificate (openssl req -x509, serial 41649F…A757) and a signature
    // its key made over the message below; the key itself is not kept
    const certificate = [
      '-----BEGIN CERTIFICATE-----',
      'MIIDVTCCAj2gAwIBAgIUQWSfy9OZsnj/1w4KMMYl7Rcdp1cwDQYJKoZIhvcNAQEL',
      'BQAwOjEgMB4GA1UEAwwXVGVucGF5LmNvbSBSb290IENBIHRlc3QxFjAUBgNVBAoM',
      'DXBheWdhdGUgdGVzdHMwHhcNMjYxMTI2MTEzNjQ0WhcNMzYxMTIzMTEzNjQ0WjA6',
      'MSAwHgYDVQQDDBdUZW5wYXkuY29tIFJvb3QgQ0EgdGVzdDEWMBQGA1UECgwNcGF5',
      'Z2F0ZSB0ZXN0czCCASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEBAL9Qgxyo',
      '9yFy5lPz7YL4gZ/FzHuiAuRt7D/nQFtYGJYAgPtBwG9EYrfQdbutIbepAmBuUQSX',
      'UGRZ63TiyGkB9rPD6X8KYBDSOsv7AegbElZDAkAy1go6GIqe52ltziJmRnkqkWsP',
      'BFIJOtCnC+ycx1kMPjF7kA4izbGVLvIpRMXo3cVQHwBu3uLg9FIwngSCZSAPJ0U/',
      '/R4V55UA/vMmvxm6b7Y+g+ada9ui8ZBym/H3nQ3tI+ieGH6iXUxm1vSwGgAKZOO8',
      'clQ3NQoKQcRuSgT6ckWx/ehFzBUvJJOoql87oTGmVVyVS2ZgjbJtReZYc+2lM6Yn',
      't4jimNHhHdeD9ZsCAwEAAaNTMFEwHQYDVR0OBBYEFGkZahTFplXOquPMiuvU9fBA',
      'cPwVMB8GA1UdIwQYMBaAFGkZahTFplXOquPMiuvU9fBAcPwVMA8GA1UdEwEB/wQF',
      'MAMBAf8wDQYJKoZIhvcNAQELBQADggEBAIum+ELtFRP3HlyDjc6k1gHxKbmFhwWG',
      '6vx90PUU4dp1sGgPiMviheFPcdzdblsqJsb7nW0SXO4O0GAF5tVMjr1CRevLb5DE',
      '2LLOLqopyClhTsOmj2h3peZVndZ6N9jPeFydVRhnzk/6ZDUmqyxVWduaCysHxuxT',
      'VHFs0i/gy4jIaXJ7BFaWN6+1OJGUPCLKtxKJpozsvn76G/ziQ3TWqSSu+D/DCxdV',
      'SjnIgj4gkQpv0WE+JzYM8Bx/TbvjZrODgvSUCYny0Ys6q4/lRb6ScZj/IRRs3lP/',
      'JvNUGeVr/Qe/hGfRrZZNDIv0/tkiP1tXnNhS8KwBMNGhEkuGTbWicuU=',
      '-----END CERTIFICATE-----',
    ].join('\n');
    const publicKey = parseRsaPublicKey(certificate)!;
    const certKey = { publicKey, keyId: '41649FCBD399B278FFD70E0A30C625ED171DA757' };
    const fromCert = {
      timestamp: '1700000000',
      nonce: 'fa2d1e6f0b1b4c1d',
      serial: certKey.keyId,
      signature:
        'qec5EO2fimY82C+oqyMARSQ7LfdYOd1ovQsixN2R+D6kgUHA2nBLGEjqSbbwkPqq4TLWp9T4X5u8j54GWvwAIz+0UG7VcGwq7PoQfEBWx/NvoexFb5oB/j1YZ9UI5oixu9agYAK9Y5eN0k3u72A1oxcXRRR01YcmUdIty2BcXgypTDPm5TFpDOF2RUBJWc2eJJQsBqY42Nj7Iizto4fCOrcDECG2OyuGZlWLw/us5gXu7iey4Bvws3Gm0KN1EhAzDIkfDKJGd1tKu7X0r0wgRMLH/N5vZheDkyqNvcoNNgKoimh5I5lg8ZNsE+vBgouRMqvQTdOEnfOCnoCl16HnWQ==',
    };
    expect(verifySigned(fromCert, body, certKey, now)).toBeNull();
    expect(verifySigned(fromCert, body, key, now)).toMatch('not the configured key');
  });
});

describe('AEAD_AES_256_GCM', () => {
  it('opens the GCM specification test case 16 (AES-256, 96-bit IV, with AAD)', () => {
    // No key-and-ciphertext example is published for WeChat Pay's notifications, so the cipher
    // is pinned to McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)", test case 16.
    const hex = (s: string) => Buffer.from(s, 'hex');
    const plain = openAesGcm(
      hex('feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308'),
      hex('cafebabefacedbaddecaf888'),
      hex('feedfacedeadbeeffeedfacedeadbeefabaddad2'),
      hex(
        '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662' +
          '76fc6ece0f4e1768cddf8853bb2d551b',
      ),
    );
    expect(plain.toString('hex')).toBe(
      'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39',
    );
  });

  /** A resource as v3 sends it: base64(ciphertext || tag), text nonce and associated_data. */
  function seal(apiv3Key: string, plain: string, nonce: string, associatedData: string) {
    const cipher = createCipheriv('aes-256-gcm', Buffer.from(apiv3Key), Buffer.from(nonce));
    cipher.setAAD(Buffer.from(associatedData));
    const sealed = Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    return {
      original_type: 'transaction',
      algorithm: 'AEAD_AES_256_GCM',
      ciphertext: sealed.toString('base64'),
      associated_data: associatedData,
      nonce,
    };
  }

  it('decrypts a notification resource with the APIv3 key, and nothing else', () => {
    const apiv3Key = randomBytes(16).toString('hex');
    const plain = '{"out_trade_no":"1217752501201407033233368018","trade_state":"SUCCESS"}';
    const resource = seal(apiv3Key, plain, 'fdasflkja484', 'transaction');
    expect(decryptResource(apiv3Key, resource)).toBe(plain);
    expect(() => decryptResource('x'.repeat(32), resource)).toThrow();
    expect(() => decryptResource(apiv3Key, { ...resource, associated_data: 'refund' })).toThrow();
    expect(() => decryptResource(apiv3Key, { ...resource, nonce: 'fdasflkja485' })).toThrow();
    expect(() => decryptResource(apiv3Key, { ...resource, algorithm: 'AEAD_SM4_GCM' })).toThrow(
      'unsupported',
    );
  });
});

describe('JSAPI pay sheet parameters', () => {
  it('signs appId, timeStamp, nonceStr and package, each line ending in \\n, with the merchant key', () => {
    const params = jsapiPayParams(
      'wx8888888888888888',
      'wx201410272009395522657a690389285100',
      merchant.privateKey,
      '1414561699',
      '5K8264ILTKCH16CQ2502SI8ZNMTM67VS',
    );
    expect(params).toMatchObject({
      appId: 'wx8888888888888888',
      timeStamp: '1414561699',
      nonceStr: '5K8264ILTKCH16CQ2502SI8ZNMTM67VS',
      package: 'prepay_id=wx201410272009395522657a690389285100',
      signType: 'RSA',
    });
    // the message of WeChat Pay's JSAPI 调起支付签名 guide
    const message =
      'wx8888888888888888\n1414561699\n5K8264ILTKCH16CQ2502SI8ZNMTM67VS\n' +
      'prepay_id=wx201410272009395522657a690389285100\n';
    const verify = (m: string) =>
      createVerify('RSA-SHA256').update(m).verify(merchant.publicKey, params.paySign, 'base64');
    expect(verify(message)).toBe(true);
    expect(verify(message.replace('1414561699', '1414561698'))).toBe(false);
  });
});
