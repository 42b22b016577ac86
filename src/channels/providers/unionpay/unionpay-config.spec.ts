import { newId } from '../../../common/ids';
import { pkcs12Base64, unionpayTestPki } from '../../../../test/fakes/unionpay-pki';
import { validateUnionpayConfig } from './unionpay-config';
import {
  orderIdOf,
  refundIdOf,
  settlementDayOf,
  txnTimeOf,
  unionpayOrderId,
} from './unionpay-protocol';

const pki = unionpayTestPki();
const base = {
  mer_id: '777290058110097',
  private_key: pki.merchant.keyPem,
  sign_cert: pki.merchant.pem,
  middle_cert: pki.middle.pem,
  root_cert: pki.root.pem,
  product: 'gateway',
};
const fields = (input: unknown) => {
  const result = validateUnionpayConfig(input);
  return result.ok ? [] : result.errors.map((e) => e.field);
};

describe('UnionPay channel config', () => {
  it('fills production hosts, channel_type auto and validate_cn true', () => {
    expect(validateUnionpayConfig(base)).toEqual({
      ok: true,
      config: expect.objectContaining({
        gateway_url: 'https://gateway.95516.com',
        file_url: 'https://filedownload.95516.com',
        channel_type: 'auto',
        validate_cn: true,
      }),
    });
  });

  it('reads a PKCS#12 file into the key and certificate, keeping neither file nor password', () => {
    const { private_key: _key, sign_cert: _cert, ...rest } = base;
    const result = validateUnionpayConfig({
      ...rest,
      private_key_pfx: pkcs12Base64(pki.merchant, 'secret-pass'),
      private_key_password: 'secret-pass',
    });
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.config.private_key).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(result.config.sign_cert).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(result.config).not.toHaveProperty('private_key_pfx');
    expect(result.config).not.toHaveProperty('private_key_password');
    expect(fields({ ...rest, private_key_pfx: pkcs12Base64(pki.merchant, 'x') })).toEqual([
      'config.private_key_password',
    ]);
    expect(fields({ ...base, private_key_pfx: 'AAAA', private_key_password: 'x' })).toEqual([
      'config.private_key_pfx',
    ]);
  });

  it('one field error per bad setting: key not of the certificate, product required, hosts without paths', () => {
    expect(fields({ ...base, sign_cert: pki.signing.pem })).toEqual(['config.sign_cert']);
    expect(fields({ ...base, product: undefined })).toEqual(['config.product']);
    expect(
      fields({
        ...base,
        mer_id: '7772900581100',
        middle_cert: 'x',
        file_url: 'https://filedownload.95516.com/?a=1',
        channel_type: '09',
        validate_cn: 'no',
        app_id: '1',
      }),
    ).toEqual([
      'config.app_id',
      'config.mer_id',
      'config.middle_cert',
      'config.file_url',
      'config.channel_type',
      'config.validate_cn',
    ]);
  });
});

describe('UnionPay ids and times', () => {
  it('sends our ids without their prefix and reads them back by transaction type', () => {
    const order = newId('ord');
    const refund = newId('re');
    expect(unionpayOrderId(order)).toMatch(/^[0-9a-f]{32}$/);
    expect(orderIdOf(unionpayOrderId(order))).toBe(order);
    expect(refundIdOf(unionpayOrderId(refund))).toBe(refund);
    expect(() => unionpayOrderId('ord_short')).toThrow();
  });

  it('derives a stable txnTime (Beijing) from the id’s creation time', () => {
    const before = Date.now();
    const id = newId('ord');
    const text = txnTimeOf(id);
    expect(text).toBe(txnTimeOf(id));
    const ms = Date.parse(
      `${text.slice(0, 4)}-${text.slice(4, 6)}-${text.slice(6, 8)}T${text.slice(8, 10)}:${text.slice(10, 12)}:${text.slice(12)}+08:00`,
    );
    expect(Math.abs(ms - before)).toBeLessThan(2000);
  });

  it('ends the settlement day at 23:00 Beijing', () => {
    expect(settlementDayOf(Date.parse('2024-11-26T22:59:59+08:00'))).toBe('2024-11-26');
    expect(settlementDayOf(Date.parse('2024-11-26T23:00:00+08:00'))).toBe('2024-11-27');
  });
});
