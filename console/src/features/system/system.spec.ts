import { metricsAvailability, openApiVersion, retryAfterSeconds } from './system';

describe('system page', () => {
  it('reads where /metrics is served from how this port answers', () => {
    expect(metricsAvailability(200)).toBe('open');
    expect(metricsAvailability(401)).toBe('token');
    expect(metricsAvailability(404)).toBe('elsewhere');
    expect(metricsAvailability(503)).toBe('unknown');
    expect(metricsAvailability(0)).toBe('unknown');
  });

  it('takes the version from the OpenAPI document only when it has one', () => {
    expect(
      openApiVersion({ openapi: '3.0.0', info: { title: 'paygate API', version: '1.0.0' } }),
    ).toBe('1.0.0');
    expect(openApiVersion({ info: {} })).toBeNull();
    expect(openApiVersion({ info: { version: 2 } })).toBeNull();
    expect(openApiVersion(null)).toBeNull();
    expect(openApiVersion('1.0.0')).toBeNull();
  });

  it('accepts the Retry-After seconds the API accepts', () => {
    expect(retryAfterSeconds(300)).toBe(300);
    expect(retryAfterSeconds(1)).toBe(1);
    expect(retryAfterSeconds(86_400)).toBe(86_400);
    expect(retryAfterSeconds(0)).toBeNull();
    expect(retryAfterSeconds(86_401)).toBeNull();
    expect(retryAfterSeconds(1.5)).toBeNull();
    expect(retryAfterSeconds(null)).toBeNull();
  });
});
