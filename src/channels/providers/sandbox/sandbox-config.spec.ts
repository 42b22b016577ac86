import { FORM_BODY } from '../../../common/http/body-parsers';
import { validateSandboxConfig } from './sandbox-config';

function form(values: Record<string, string>): Record<string, string> {
  const config = { ...values };
  Object.defineProperty(config, FORM_BODY, { value: true, enumerable: false });
  return config;
}

function fields(result: ReturnType<typeof validateSandboxConfig>): string[] {
  return result.ok ? [] : result.errors.map((e) => e.field).sort();
}

describe('sandbox config', () => {
  it('fills the defaults and generates a secret', () => {
    const result = validateSandboxConfig(undefined);
    expect(result).toEqual({
      ok: true,
      config: {
        secret: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        latency_ms: 0,
        create_error_rate: 0,
        notify_delay_ms: 0,
        notify_duplicate_rate: 0,
        notify_drop_rate: 0,
      },
    });
  });

  it('takes JSON numbers, boxed JSON decimals and a seed', () => {
    const result = validateSandboxConfig({
      secret: 'a-secret-of-enough-length',
      latency_ms: 10,
      create_error_rate: Object(0.25) as number,
      notify_drop_rate: 1,
      seed: 42,
    });
    expect(result).toMatchObject({
      ok: true,
      config: { latency_ms: 10, create_error_rate: 0.25, notify_drop_rate: 1, seed: 42 },
    });
  });

  it('reads form text as numbers, and only from forms', () => {
    expect(
      validateSandboxConfig(
        form({ latency_ms: '5', notify_duplicate_rate: '0.5', seed: '12', notify_delay_ms: '0' }),
      ),
    ).toMatchObject({
      ok: true,
      config: { latency_ms: 5, notify_duplicate_rate: 0.5, seed: 12 },
    });
    expect(fields(validateSandboxConfig({ latency_ms: '5', notify_drop_rate: '0.5' }))).toEqual([
      'config.latency_ms',
      'config.notify_drop_rate',
    ]);
  });

  it('names every bad field', () => {
    const result = validateSandboxConfig({
      secret: 'short',
      latency_ms: 60_001,
      notify_delay_ms: 1.5,
      create_error_rate: -0.1,
      notify_duplicate_rate: 1.01,
      seed: { nested: true },
      colour: 'red',
    });
    expect(fields(result)).toEqual([
      'config.colour',
      'config.create_error_rate',
      'config.latency_ms',
      'config.notify_delay_ms',
      'config.notify_duplicate_rate',
      'config.secret',
      'config.seed',
    ]);
    expect(fields(validateSandboxConfig([1]))).toEqual(['config']);
  });
});
