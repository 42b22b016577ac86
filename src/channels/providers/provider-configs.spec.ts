import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { validateAlipayConfig } from './alipay/alipay-config';
import { beijingRfc3339, beijingTime, parseBeijingTime } from './china-time';
import { parseRsaPrivateKey, parseRsaPublicKey } from './rsa-keys';
import { validateWechatpayConfig } from './wechatpay/wechatpay-config';

const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pkcs1 = pair.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string;
const pkcs8 = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
const spki = pair.publicKey.export({ type: 'spki', format: 'pem' }) as string;
const bare = (pem: string) =>
  pem
    .split('\n')
    .filter((l) => l && !l.startsWith('-----'))
    .join('');

describe('RSA keys as providers hand them out', () => {
  it('reads PKCS#1 and PKCS#8 PEM, SPKI PEM and the bare base64 of Alipay’s key tool', () => {
    for (const key of [pkcs1, pkcs8, bare(pkcs1), bare(pkcs8)]) {
      expect(parseRsaPrivateKey(key)?.asymmetricKeyType).toBe('rsa');
    }
    for (const key of [spki, bare(spki)])
      expect(parseRsaPublicKey(key)?.asymmetricKeyType).toBe('rsa');
  });

  it('refuses keys under 2048 bits, other algorithms and garbage', () => {
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(
      parseRsaPrivateKey(small.privateKey.export({ type: 'pkcs8', format: 'pem' })),
    ).toBeNull();
    expect(parseRsaPrivateKey(ec.privateKey.export({ type: 'pkcs8', format: 'pem' }))).toBeNull();
    expect(parseRsaPublicKey(ec.publicKey.export({ type: 'spki', format: 'pem' }))).toBeNull();
    expect(parseRsaPrivateKey('MIIE%%%')).toBeNull();
    expect(parseRsaPublicKey(42)).toBeNull();
  });
});

/** A WeChat Pay config that passes, to vary one setting at a time. */
const wechatpayBase = () => ({
  mchid: '1900000109',
  appid: 'wxd678efh567hg6787',
  serial_no: '1dde55ad98ed71d6edd4a4a16996de7b47773a8c',
  private_key: pkcs8,
  apiv3_key: 'a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb',
  platform_public_key: spki,
  platform_public_key_id: 'PUB_KEY_ID_0114232134912410000000000000',
});

describe('provider configs', () => {
  it('Alipay: defaults, and one field error per bad setting', () => {
    const ok = validateAlipayConfig({
      app_id: '2021000122600001',
      private_key: pkcs8,
      alipay_public_key: spki,
    });
    expect(ok).toEqual({
      ok: true,
      config: expect.objectContaining({
        gateway_url: 'https://openapi.alipay.com/gateway.do',
        product: 'precreate',
      }),
    });
    const bad = validateAlipayConfig({
      app_id: 1,
      private_key: spki,
      alipay_public_key: pkcs1,
      seller_id: '2088',
    });
    expect(bad.ok ? [] : bad.errors.map((e) => e.field)).toEqual([
      'config.app_id',
      'config.private_key',
      'config.alipay_public_key',
      'config.seller_id',
    ]);
    expect(validateAlipayConfig(undefined)).toMatchObject({ ok: false });
  });

  it('WeChat Pay: defaults, 32-byte APIv3 key, jsapi refused, h5 needs a payer IP', () => {
    const base = wechatpayBase();
    expect(validateWechatpayConfig(base)).toEqual({
      ok: true,
      config: expect.objectContaining({
        serial_no: '1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C',
        base_url: 'https://api.mch.weixin.qq.com',
        product: 'native',
      }),
    });
    const fields = (input: unknown) => {
      const result = validateWechatpayConfig(input);
      return result.ok ? [] : result.errors.map((e) => e.field);
    };
    expect(fields({ ...base, apiv3_key: '长'.repeat(11) })).toEqual(['config.apiv3_key']);
    expect(fields({ ...base, product: 'jsapi' })).toEqual(['config.product']);
    expect(fields({ ...base, product: 'h5' })).toEqual(['config.payer_client_ip']);
    expect(fields({ ...base, product: 'h5', payer_client_ip: '203.0.113.300' })).toEqual([
      'config.payer_client_ip',
    ]);
    expect(fields({ ...base, base_url: 'https://api.mch.weixin.qq.com/?x=1' })).toEqual([
      'config.base_url',
    ]);
  });

  it('WeChat Pay cashier settings: JSAPI only with an AppSecret, OAuth hosts default to WeChat’s', () => {
    const base = wechatpayBase();
    const config = (input: object) => {
      const result = validateWechatpayConfig(input);
      return result.ok ? result.config : result.errors.map((e) => e.field);
    };
    expect(config(base)).toMatchObject({
      oauth_url: 'https://open.weixin.qq.com',
      oauth_api_url: 'https://api.weixin.qq.com',
      cashier_products: ['native', 'h5'],
    });
    expect(config({ ...base, app_secret: 'a1b2c3d4e5f60718293a4b5c6d7e8f90' })).toMatchObject({
      cashier_products: ['native', 'h5', 'jsapi'],
    });
    expect(config({ ...base, cashier_products: ['jsapi'] })).toEqual(['config.app_secret']);
    expect(config({ ...base, cashier_products: ['native', 'native'] })).toEqual([
      'config.cashier_products',
    ]);
    expect(config({ ...base, cashier_products: ['app'] })).toEqual(['config.cashier_products']);
    expect(config({ ...base, app_secret: 'short', oauth_url: 'https://x/y' })).toEqual([
      'config.app_secret',
      'config.oauth_url',
    ]);
  });

  it('Alipay cashier products: precreate and wap by default, nothing else', () => {
    const base = { app_id: '2021000122600001', private_key: pkcs8, alipay_public_key: spki };
    const ok = validateAlipayConfig(base);
    expect(ok.ok && ok.config.cashier_products).toEqual(['precreate', 'wap']);
    const bad = validateAlipayConfig({ ...base, cashier_products: ['page'] });
    expect(bad.ok ? [] : bad.errors.map((e) => e.field)).toEqual(['config.cashier_products']);
  });
});

describe('Beijing time', () => {
  it('round-trips every second, whatever the server time zone', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_102_444_800 }), (seconds) => {
        const ms = seconds * 1000;
        expect(parseBeijingTime(beijingTime(ms))).toBe(ms);
        expect(Date.parse(beijingRfc3339(ms))).toBe(ms);
      }),
    );
    expect(beijingTime(Date.parse('2024-05-01T16:30:00Z'))).toBe('2024-05-02 00:30:00');
    expect(parseBeijingTime('2024-05-02 00:30:00.250')).toBe(
      Date.parse('2024-05-01T16:30:00.250Z'),
    );
    expect(parseBeijingTime('2024/05/02')).toBeNull();
  });
});
