import { scrubSecrets, scrubUrl } from './logging';

describe('secrets masked in logged objects', () => {
  it('masks secret-looking keys at any depth, and whatever lies deeper than it reads', () => {
    let deep: Record<string, unknown> = { client_secret: 'hunter2' };
    for (let i = 0; i < 12; i++) deep = { nested: deep };
    expect(JSON.stringify(scrubSecrets(deep))).not.toContain('hunter2');
    expect(scrubSecrets({ a: { private_key: 'k', name: 'n' } })).toEqual({
      a: { private_key: '[redacted]', name: 'n' },
    });
  });

  it('keeps a JSON decimal (a boxed number) as its number', () => {
    expect(JSON.stringify(scrubSecrets({ rate: Object(0.25) as object }))).toBe('{"rate":0.25}');
  });
});

describe('secrets masked in logged URLs', () => {
  const jwt =
    'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjbGlfeCIsInNjb3BlIjoibWVyY2hhbnQifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ';
  const secret = 'pgs_TEIgS-Qhm13G2tOcmE4AWes7FL2_AppTVnXrpPAF7Lo';

  it.each([
    'access_token',
    'accessToken',
    'ACCESS-TOKEN',
    'access%5Ftoken',
    '%61ccess_token',
    'auth_token',
    'authorization',
    'jwt',
    'bearer',
    'id_token',
    'refresh_token',
    'api_key',
    'apiKey',
    'x-api-key',
    'client_secret',
    'password',
    'pwd',
    'session_id',
    'sig',
    'signature',
    'private_key',
    'key',
    'token[]',
    'auth[token]',
  ])('masks the value of %s', (name) => {
    const scrubbed = scrubUrl(`/v1/merchants?limit=5&${name}=hunter2-value&status=active`);
    expect(scrubbed).not.toContain('hunter2');
    expect(scrubbed).toContain('limit=5');
    expect(scrubbed).toContain('status=active');
  });

  it.each([
    ['a JWT', jwt],
    ['a JWT, percent-encoded', encodeURIComponent(jwt).replace(/\./g, '%2E')],
    ['a client secret', secret],
    ['a scheme and token', `Bearer%20${jwt}`],
    ['a random key', 'LJIaBgGy_FFuc-MjTeZpdtSfaRhc0WFD2_pp-BdOMcE'],
  ])('masks %s under any name', (_what, value) => {
    const scrubbed = scrubUrl(`/v1/payments?q=${value}&limit=1`);
    expect(scrubbed).toBe('/v1/payments?q=[redacted]&limit=1');
  });

  it('keeps ids, dates and ordinary values readable', () => {
    const url =
      '/v1/payments?order_id=ord_0193a1f2c3d47e5f8a9b0c1d2e3f4a5b&created_from=2026-11-26T00:00:00.000Z' +
      '&status=PENDING&channel=sandbox_main&merchant_order_no=SO-1&source_id=1000001&limit=20';
    expect(scrubUrl(url)).toBe(url);
    expect(scrubUrl('/v1/payments')).toBe('/v1/payments');
  });
});
