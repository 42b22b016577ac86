import { embeddedIPv4, rangeOf, SsrfGuard } from './ssrf-guard';

describe('SSRF guard', () => {
  const guard = new SsrfGuard(false);

  it.each([
    // IPv4-compatible (::/96), every spelling the URL parser and a resolver may hand over
    ['http://[::127.0.0.1]/', 'loopback'],
    ['http://[::7f00:1]/', 'loopback'],
    ['http://[0:0:0:0:0:0:7f00:1]/', 'loopback'],
    ['http://[::a9fe:a9fe]/', 'linkLocal'],
    ['http://[::169.254.169.254]/', 'linkLocal'],
    ['http://[::a00:1]/', 'private'],
    ['http://[::c0a8:101]/', 'private'],
    ['http://[::6440:1]/', 'carrierGradeNat'],
    ['http://[::2]/', 'unspecified'],
    // IPv4-mapped
    ['http://[::ffff:7f00:1]/', 'loopback'],
    ['http://[::ffff:169.254.169.254]/', 'linkLocal'],
    // translation ranges that reach IPv4 through a gateway are not public unicast either
    ['http://[64:ff9b::7f00:1]/', 'rfc6052'],
    ['http://[2002:7f00:1::]/', '6to4'],
    ['http://[2001:0:7f00:1::]/', 'teredo'],
    ['http://[::ffff:0:7f00:1]/', 'rfc6145'],
  ])('refuses %s (%s)', async (url, range) => {
    await expect(guard.check(url)).rejects.toThrow(`resolves to a ${range} address`);
  });

  it('takes a public IPv4 address embedded in IPv6 as that address, and connects there', async () => {
    const checked = await guard.check('http://[::8.8.8.8]/hook');
    expect([checked.address, checked.family]).toEqual(['8.8.8.8', 4]);
    const mapped = await guard.check('http://[::ffff:808:808]/hook');
    expect([mapped.address, mapped.family]).toEqual(['8.8.8.8', 4]);
  });

  it('leaves other IPv6 addresses as they are', async () => {
    expect(embeddedIPv4('2001:4860:4860::8888')).toBeUndefined();
    expect(embeddedIPv4('::1')).toBeUndefined();
    expect(embeddedIPv4('::')).toBeUndefined();
    expect(embeddedIPv4('203.0.113.1')).toBeUndefined();
    expect(rangeOf('::1')).toBe('loopback');
    expect(rangeOf('::')).toBe('unspecified');
    const checked = await guard.check('http://[2001:4860:4860::8888]/');
    expect([checked.address, checked.family]).toEqual(['2001:4860:4860::8888', 6]);
  });
});
