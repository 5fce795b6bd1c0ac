/**
 * Where a webhook may be delivered. A recipient sets a URL; the notifier must never be made to call into
 * the deployment's own network (a database, a cloud metadata service, the Redis next door), so a target
 * whose name resolves to any loopback, private, link-local or otherwise non-public address is refused,
 * unless the operator allowed that host in WEBHOOK_ALLOWED_HOSTS (a local test sink, an intranet gateway).
 *
 * The URL is checked when it is set and before every delivery (`checkWebhookUrl`); a name's addresses are
 * checked at the moment the notifier connects (`guardedLookup`), since a name may resolve elsewhere
 * tomorrow (DNS rebinding).
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

/** All addresses of a host name, as a system resolver gives them. */
export type Resolver = (hostname: string) => Promise<readonly string[]>;

export type WebhookTargetRefusal =
  /** Not an absolute URL. */
  | 'invalid_url'
  /** Not http: or https:. */
  | 'unsupported_scheme'
  /** A user name or password in the URL. */
  | 'credentials_in_url'
  /** The name did not resolve, or resolved to nothing usable. */
  | 'unresolvable'
  /** One of the addresses is loopback, private, link-local, CGNAT, unspecified, multicast or reserved. */
  | 'non_public_address';

/** The system resolver (getaddrinfo, as an HTTP client would use it): every address, IPv4 and IPv6. */
export const systemResolver: Resolver = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);

type Cidr = readonly [network: string, bits: number];

/** IPv4 blocks that are not reachable on the public internet (IANA special-purpose registry). */
const IPV4_NON_PUBLIC: readonly Cidr[] = [
  ['0.0.0.0', 8], // "this network", 0.0.0.0 unspecified
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // shared address space (carrier-grade NAT)
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, cloud metadata services
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, 255.255.255.255 broadcast
];

/** IPv6 blocks that are not public; blocks that embed an IPv4 address are judged by that address instead. */
const IPV6_NON_PUBLIC: readonly Cidr[] = [
  ['::', 96], // :: unspecified, ::1 loopback, deprecated IPv4-compatible ::a.b.c.d
  ['64:ff9b:1::', 48], // local-use NAT64
  ['100::', 64], // discard-only
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique local (private)
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
];

/** IPv6 blocks whose low or middle bits carry an IPv4 address: [network, bits, offset of the IPv4 bits]. */
const IPV6_EMBEDDING_IPV4: readonly (readonly [string, number, number])[] = [
  ['::ffff:0:0', 96, 96], // IPv4-mapped ::ffff:a.b.c.d
  ['64:ff9b::', 96, 96], // NAT64 well-known prefix
  ['2002::', 16, 16], // 6to4
];

function ipv4Number(address: string): number {
  return address.split('.').reduce((value, octet) => value * 256 + Number(octet), 0);
}

function ipv6Number(address: string): bigint {
  let text = address.toLowerCase();
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const v4 = ipv4Number(tail);
    text = `${text.slice(0, lastColon + 1)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const [head, rest] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const restGroups = rest === undefined || rest === '' ? [] : rest.split(':');
  const groups = rest === undefined ? headGroups : [...headGroups, ...Array<string>(8 - headGroups.length - restGroups.length).fill('0'), ...restGroups];
  return groups.reduce((value, group) => (value << 16n) | BigInt(parseInt(group, 16)), 0n);
}

function inIpv4Block(value: number, [network, bits]: Cidr): boolean {
  const size = 2 ** (32 - bits);
  return Math.floor(value / size) === Math.floor(ipv4Number(network) / size);
}

function inIpv6Block(value: bigint, network: string, bits: number): boolean {
  const shift = BigInt(128 - bits);
  return value >> shift === ipv6Number(network) >> shift;
}

function ipv4FromNumber(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');
}

/**
 * Whether an IP address is one a webhook must not reach: loopback, private, link-local, CGNAT, unspecified,
 * multicast, documentation or reserved, in IPv4 or IPv6; IPv4-mapped (::ffff:127.0.0.1, ::ffff:7f00:1),
 * NAT64 and 6to4 addresses are judged by the IPv4 address inside. Anything that is not a canonical IP
 * literal (a host name, "127.1") is not an address and gives false: resolve names first.
 */
export function isNonPublicAddress(address: string): boolean {
  const version = isIP(address);
  if (version === 4) {
    const value = ipv4Number(address);
    return IPV4_NON_PUBLIC.some((block) => inIpv4Block(value, block));
  }
  if (version === 6) {
    const value = ipv6Number(address);
    for (const [network, bits, offset] of IPV6_EMBEDDING_IPV4) {
      if (inIpv6Block(value, network, bits)) {
        const v4 = Number((value >> BigInt(128 - offset - 32)) & 0xffffffffn);
        return isNonPublicAddress(ipv4FromNumber(v4));
      }
    }
    return IPV6_NON_PUBLIC.some(([network, bits]) => inIpv6Block(value, network, bits));
  }
  return false;
}

function normalizeHost(host: string): string {
  return host.trim().toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
}

/** Host names that are internal by definition or convention: loopback (RFC 6761), mDNS, private zones. */
function isInternalName(host: string): boolean {
  return host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local') || host.endsWith('.internal');
}

export type WebhookUrlCheck =
  | { ok: true; host: string; allowed: boolean; literal: boolean }
  | { ok: false; reason: WebhookTargetRefusal; address?: string };

/**
 * What can be said of a webhook URL without asking DNS: refuses anything but http(s), credentials in the
 * URL, internal names (localhost, *.localhost, *.local, *.internal) and non-public IP literals, unless
 * the host (name or literal, without port; case and a trailing dot do not matter) is in `allowedHosts`.
 * The API checks this when a URL is set; names are judged by their addresses when the notifier connects
 * (`guardedLookup`), so a name that resolves elsewhere tomorrow (DNS rebinding) is still refused.
 */
export function checkWebhookUrl(url: string, allowedHosts: readonly string[]): WebhookUrlCheck {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, reason: 'invalid_url' };
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return { ok: false, reason: 'unsupported_scheme' };
  if (parsed.username !== '' || parsed.password !== '') return { ok: false, reason: 'credentials_in_url' };
  const host = normalizeHost(parsed.hostname);
  const allowed = allowedHosts.some((entry) => normalizeHost(entry) === host);
  const literal = isIP(host) !== 0;
  if (!allowed && (isInternalName(host) || (literal && isNonPublicAddress(host)))) {
    return { ok: false, reason: 'non_public_address', address: host };
  }
  return { ok: true, host, allowed, literal };
}

/** The error a guarded connection fails with when a name resolves to a non-public address. */
export const NON_PUBLIC_TARGET_ERROR_CODE = 'EWEBHOOKNONPUBLIC';

type LookupAddress = { address: string; family: number };
type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for `net.connect` (an HTTP client's connection options) that resolves like the system and
 * refuses, at the moment of connecting, a name any of whose addresses is non-public unless the host is
 * allowed. The client connects to exactly the addresses checked, so the check cannot be raced.
 */
export function guardedLookup(allowedHosts: readonly string[], resolve: Resolver = systemResolver) {
  const allowed = new Set(allowedHosts.map(normalizeHost));
  return (hostname: string, options: { all?: boolean; family?: number | string } | undefined, callback: LookupCallback): void => {
    const host = normalizeHost(hostname);
    resolve(host).then(
      (addresses) => {
        const list = addresses.filter((address) => isIP(address) !== 0);
        if (list.length === 0) {
          const error: NodeJS.ErrnoException = Object.assign(new Error(`${host} did not resolve`), { code: 'ENOTFOUND' });
          return callback(error, '');
        }
        const bad = allowed.has(host) ? undefined : list.find(isNonPublicAddress);
        if (bad !== undefined) {
          const error = Object.assign(new Error(`${host} resolves to the non-public address ${bad}`), { code: NON_PUBLIC_TARGET_ERROR_CODE, address: bad });
          return callback(error, '');
        }
        const entries = list.map((address) => ({ address, family: isIP(address) }));
        if (options?.all === true) return callback(null, entries);
        callback(null, entries[0].address, entries[0].family);
      },
      (error: NodeJS.ErrnoException) => callback(error, ''),
    );
  };
}
