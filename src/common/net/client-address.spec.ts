import { clientAddressKey } from './client-address';

describe('client address keys', () => {
  it('keeps IPv4 as it is, IPv4-mapped IPv6 as the IPv4 address', () => {
    expect(clientAddressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(clientAddressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientAddressKey('::ffff:cb00:7107')).toBe('203.0.113.7');
    expect(clientAddressKey('0:0:0:0:0:ffff:203.0.113.7')).toBe('203.0.113.7');
  });

  it('counts IPv6 per /64, however it is written', () => {
    const key = clientAddressKey('2001:db8:1:2::1');
    expect(key).toBe('2001:db8:1:2::/64');
    for (const same of [
      '2001:db8:1:2:ffff:ffff:ffff:ffff',
      '2001:0db8:0001:0002::abcd',
      '2001:DB8:1:2::9',
    ]) {
      expect(clientAddressKey(same)).toBe(key);
    }
    expect(clientAddressKey('2001:db8:1:3::1')).not.toBe(key);
  });

  it('has a key for an unknown address too', () => {
    expect(clientAddressKey(undefined)).toBe('-');
    expect(clientAddressKey('not an address')).toBe('not an address');
  });
});
