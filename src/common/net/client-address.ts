import { isIPv6 } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * The key under which limits count a client's address: an IPv4 address as itself (also when it
 * arrives IPv4-mapped, `::ffff:203.0.113.7`, as it does on a dual-stack listener), an IPv6
 * address by its /64, the smallest block a subscriber is given, so that walking through the
 * addresses of one's own prefix does not reset a limit.
 */
export function clientAddressKey(ip: string | undefined): string {
  if (!ip) return '-';
  // the common case, an IPv4 address, is returned as is without parsing
  if (!ip.includes(':')) return ip;
  if (!isIPv6(ip)) return ip;
  const parsed = ipaddr.IPv6.parse(ip);
  if (parsed.isIPv4MappedAddress()) return parsed.toIPv4Address().toString();
  const parts = parsed.parts.slice(0, 4).map((part) => part.toString(16));
  return `${parts.join(':')}::/64`;
}
