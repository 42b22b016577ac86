import { LookupAddress, LookupOptions } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

export class UrlRefusedError extends Error {}

export interface CheckedUrl {
  url: URL;
  /** The address that was checked: connect to this one, not to a fresh resolution. */
  address: string;
  family: 4 | 6;
}

/**
 * Keeps merchant-supplied URLs (notify_url) from reaching inside the network: http(s) only, no
 * credentials in the URL, and every address the host resolves to must be public unicast.
 * Loopback, private, link-local (cloud metadata at 169.254.169.254), unique-local, CGNAT,
 * unspecified, multicast and reserved ranges are refused, in every spelling: the WHATWG URL
 * parser turns decimal and hex IPv4 forms into dotted quads, and an IPv6 address carrying an
 * IPv4 one (mapped, or the deprecated `::/96`) is judged as that IPv4 address. The caller must connect to `address` and follow no redirects, so a DNS
 * answer cannot change between check and use.
 */
export class SsrfGuard {
  constructor(private readonly allowPrivate: boolean) {}

  async check(raw: string): Promise<CheckedUrl> {
    const { url, host } = parseHttpUrl(raw);
    const found = isIP(host) ? [{ address: host, family: isIP(host) }] : await resolve(host);
    const addresses = found.map(({ address, family }) => {
      const embedded = embeddedIPv4(address);
      return embedded ? { address: embedded, family: 4 } : { address, family };
    });
    if (!this.allowPrivate) {
      for (const { address } of addresses) {
        const range = rangeOf(address);
        if (range !== 'unicast')
          throw new UrlRefusedError(`resolves to a ${range} address, which is not allowed`);
      }
    }
    const first = addresses[0];
    return { url, address: first.address, family: first.family === 6 ? 6 : 4 };
  }

  /**
   * The checks that need no name resolution: for a URL this service never fetches itself but
   * sends a payer's browser to (an order's return_url). An address written in the URL must be
   * public all the same.
   */
  checkShape(raw: string): { url: URL; host: string } {
    const { url, host } = parseHttpUrl(raw);
    if (isIP(host) && !this.allowPrivate && rangeOf(host) !== 'unicast') {
      throw new UrlRefusedError(`is a ${rangeOf(host)} address, which is not allowed`);
    }
    return { url, host };
  }
}

/** An http(s) URL with a host and no credentials. */
function parseHttpUrl(raw: string): { url: URL; host: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UrlRefusedError('is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UrlRefusedError('must use http or https');
  }
  if (url.username || url.password) throw new UrlRefusedError('must not contain credentials');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!host) throw new UrlRefusedError('has no host');
  return { url, host };
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for `http.request`/`net.connect` that answers every query with the address the
 * guard checked, so the connection goes exactly there while the URL's host name stays in the
 * Host header and in TLS (SNI, certificate check). A DNS answer that changes between check and
 * connect (rebinding) is never asked for.
 */
export function pinnedLookup(checked: CheckedUrl) {
  return (_hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    if (options.all) callback(null, [{ address: checked.address, family: checked.family }]);
    else callback(null, checked.address, checked.family);
  };
}

async function resolve(host: string): Promise<{ address: string; family: number }[]> {
  try {
    const found = await lookup(host, { all: true, verbatim: true });
    if (found.length === 0) throw new Error('no address');
    return found;
  } catch {
    throw new UrlRefusedError('has a host name that does not resolve');
  }
}

/** ipaddr.js's range name; only `unicast` is public. */
export function rangeOf(address: string): string {
  try {
    return ipaddr.parse(embeddedIPv4(address) ?? address).range();
  } catch {
    return 'invalid';
  }
}

/**
 * The IPv4 address an IPv6 address carries as itself: IPv4-mapped (`::ffff:a.b.c.d`) and the
 * deprecated IPv4-compatible range (`::a.b.c.d`, all of `::/96` but `::` and `::1`), which
 * ipaddr.js takes for public unicast (`[::7f00:1]` would reach 127.0.0.1 wherever the stack
 * still routes it). Checked, and connected to, as that IPv4 address.
 */
export function embeddedIPv4(address: string): string | undefined {
  if (!address.includes(':') || !ipaddr.IPv6.isValid(address)) return undefined;
  const ip = ipaddr.IPv6.parse(address);
  if (ip.isIPv4MappedAddress()) return ip.toIPv4Address().toString();
  const [a, b, c, d, e, f, g, h] = ip.parts;
  if (a || b || c || d || e || f) return undefined;
  if (g === 0 && h <= 1) return undefined;
  return [g >> 8, g & 0xff, h >> 8, h & 0xff].join('.');
}
