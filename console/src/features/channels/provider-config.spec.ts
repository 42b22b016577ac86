import { configToSend, formValue, type ProviderField } from './provider-config';

const field = (key: string, kind: ProviderField['kind'], extra: Partial<ProviderField> = {}) =>
  ({ key, kind, required: false, secret: false, description: key, ...extra }) as ProviderField;

const SANDBOX: ProviderField[] = [
  field('secret', 'secret', { secret: true }),
  field('latency_ms', 'number'),
  field('create_error_rate', 'number'),
  field('seed', 'text'),
];

describe('channel form: provider config to send', () => {
  it('sends typed values only, numbers as numbers, an untouched secret left out', () => {
    expect(
      configToSend(SANDBOX, { secret: '', latency_ms: '25', create_error_rate: '0.5', seed: ' ' }),
    ).toEqual({ latency_ms: 25, create_error_rate: 0.5 });
    expect(
      configToSend([field('app_id', 'text'), field('private_key', 'pem', { secret: true })], {
        app_id: ' 2021 ',
        private_key: 'PEM',
        unknown: 'x',
      }),
    ).toEqual({ app_id: '2021', private_key: 'PEM' });
  });

  it('sends booleans as booleans and a multiple select as its list, an empty one left out', () => {
    const fields = [
      field('validate_cn', 'boolean'),
      field('cashier_products', 'select', { multiple: true, options: ['gateway', 'qr'] }),
      field('product', 'select', { options: ['gateway', 'qr'] }),
    ];
    expect(
      configToSend(fields, { validate_cn: 'false', cashier_products: ['qr'], product: 'gateway' }),
    ).toEqual({ validate_cn: false, cashier_products: ['qr'], product: 'gateway' });
    expect(configToSend(fields, { validate_cn: '', cashier_products: [] })).toEqual({});
  });

  it('leaves a bad number for the API to refuse, rather than guessing', () => {
    expect(configToSend(SANDBOX, { latency_ms: 'fast' })).toEqual({ latency_ms: 'fast' });
  });

  it('shows stored values as the form holds them', () => {
    expect(formValue(field('latency_ms', 'number'), 25)).toBe('25');
    expect(formValue(field('validate_cn', 'boolean'), false)).toBe('false');
    expect(formValue(field('p', 'select', { multiple: true }), ['qr'])).toEqual(['qr']);
    expect(formValue(field('p', 'select', { multiple: true }), undefined)).toEqual([]);
    expect(formValue(field('seller_id', 'text'), null)).toBe('');
  });
});
