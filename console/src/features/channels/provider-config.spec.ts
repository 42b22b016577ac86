import { configToSend, PROVIDER_FIELDS, SECRET_KEYS } from './provider-fields';

describe('channel form: provider config to send', () => {
  it('sends typed values only, numbers as numbers, an untouched secret left out', () => {
    expect(
      configToSend('sandbox', {
        secret: '',
        latency_ms: '25',
        create_error_rate: '0.5',
        seed: ' ',
      }),
    ).toEqual({ latency_ms: 25, create_error_rate: 0.5 });
    expect(configToSend('alipay', { app_id: ' 2021 ', private_key: 'PEM', unknown: 'x' })).toEqual({
      app_id: '2021',
      private_key: 'PEM',
    });
  });

  it('leaves a bad number for the API to refuse, rather than guessing', () => {
    expect(configToSend('sandbox', { latency_ms: 'fast' })).toEqual({ latency_ms: 'fast' });
  });

  it('treats every key the API masks as write-only', () => {
    const secretFields = Object.values(PROVIDER_FIELDS)
      .flat()
      .filter((f) => f.kind === 'secret')
      .map((f) => f.key);
    for (const key of secretFields) expect(SECRET_KEYS.has(key)).toBe(true);
  });
});
