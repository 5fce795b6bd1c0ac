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
import { BlockList, isIP } from 'node:net';

/** All addresses of a host name, as a system resolver gives them. */
export type Resolver = (hostname: string) => Promise<readonly string[]>;

export type WebhookTargetRefusal =
  /** Not an absolute URL, or one without a host. */
  | 'invalid_url'
  /** Not http: or https:. */
  | 'unsupported_scheme'
  /** A user name or password in the URL. */
  | 'credentials_in_url'
  /** The name did not resolve, or resolved to nothing usable. */
  | 'unresolvable'
  /** One of the addresses is in an IANA special-purpose block, multicast, or not IPv6 global unicast. */
  | 'non_public_address';

/** The system resolver (getaddrinfo, as an HTTP client would use it): every address, IPv4 and IPv6. */
export const systemResolver: Resolver = async (hostname) => (await lookup(hostname, { all: true, order: 'verbatim' })).map((entry) => entry.address);

/** [block, IANA's name for it, the RFC that asked for it]. */
type RegistryEntry = readonly [block: string, name: string, rfc: string];

/*
 * What a webhook may not reach is decided by IANA's special-purpose address registries, transcribed here
 * in full on 2026-11-30 from
 *   https://www.iana.org/assignments/iana-ipv4-special-registry/ (IANA IPv4 Special-Purpose Address Registry) and
 *   https://www.iana.org/assignments/iana-ipv6-special-registry/ (IANA IPv6 Special-Purpose Address Registry,
 *   as last updated 2025-10-09),
 * plus the few blocks that are not public unicast but live in other registries (multicast, deprecated
 * IPv6 forms). Every entry is refused, including the few IANA marks "globally reachable" (the PCP, TURN and
 * DNS-SD anycast addresses, AS112, AMT, ORCHIDv2, drone DETs): those are anycast infrastructure and
 * identifiers, and a webhook receiver is never legitimately at one, so refusing the whole registry costs no
 * real receiver and keeps the rule simple enough to check. Nested entries (0.0.0.0/32 in 0.0.0.0/8,
 * Teredo in 2001::/23) are listed as the registry lists them, so that the table can be compared with it.
 * When IANA adds an entry, add it here and to the spec's table.
 */
const IPV4_SPECIAL_PURPOSE: readonly RegistryEntry[] = [
  ['0.0.0.0/8', '"This network"', 'RFC 791 §3.2'],
  ['0.0.0.0/32', '"This host on this network"', 'RFC 1122 §3.2.1.3'],
  ['10.0.0.0/8', 'Private-Use', 'RFC 1918'],
  ['100.64.0.0/10', 'Shared Address Space', 'RFC 6598'],
  ['127.0.0.0/8', 'Loopback', 'RFC 1122 §3.2.1.3'],
  ['169.254.0.0/16', 'Link Local', 'RFC 3927'],
  ['172.16.0.0/12', 'Private-Use', 'RFC 1918'],
  ['192.0.0.0/24', 'IETF Protocol Assignments', 'RFC 6890 §2.1'],
  ['192.0.0.0/29', 'IPv4 Service Continuity Prefix', 'RFC 7335'],
  ['192.0.0.8/32', 'IPv4 dummy address', 'RFC 7600'],
  ['192.0.0.9/32', 'Port Control Protocol Anycast (globally reachable)', 'RFC 7723'],
  ['192.0.0.10/32', 'Traversal Using Relays around NAT Anycast (globally reachable)', 'RFC 8155'],
  ['192.0.0.170/32', 'NAT64/DNS64 Discovery', 'RFC 8880, RFC 7050 §2.2'],
  ['192.0.0.171/32', 'NAT64/DNS64 Discovery', 'RFC 8880, RFC 7050 §2.2'],
  ['192.0.2.0/24', 'Documentation (TEST-NET-1)', 'RFC 5737'],
  ['192.31.196.0/24', 'AS112-v4 (globally reachable)', 'RFC 7535'],
  ['192.52.193.0/24', 'AMT (globally reachable)', 'RFC 7450'],
  ['192.88.99.0/24', 'Deprecated (6to4 Relay Anycast)', 'RFC 7526'],
  ['192.88.99.2/32', '6a44-relay anycast address', 'RFC 6751'],
  ['192.168.0.0/16', 'Private-Use', 'RFC 1918'],
  ['192.175.48.0/24', 'Direct Delegation AS112 Service (globally reachable)', 'RFC 7534'],
  ['198.18.0.0/15', 'Benchmarking', 'RFC 2544'],
  ['198.51.100.0/24', 'Documentation (TEST-NET-2)', 'RFC 5737'],
  ['203.0.113.0/24', 'Documentation (TEST-NET-3)', 'RFC 5737'],
  ['240.0.0.0/4', 'Reserved', 'RFC 1112 §4'],
  ['255.255.255.255/32', 'Limited Broadcast', 'RFC 8190, RFC 919 §7'],
];

/** IPv4 blocks outside the special-purpose registry that are not public unicast either. */
const IPV4_OTHER_NON_PUBLIC: readonly RegistryEntry[] = [['224.0.0.0/4', 'Multicast (IANA IPv4 Multicast Address Space registry)', 'RFC 5771']];

/**
 * The IPv6 registry's entries that carry an IPv4 address in fixed bits are judged by that IPv4 address:
 * what a client reaches through them is that IPv4 host (the mapped address on a dual-stack socket, the
 * NAT64 translator's target, the 6to4 site's router), so ::ffff:10.0.0.1 is as private as 10.0.0.1, and
 * ::ffff:93.184.216.34 as public as 93.184.216.34. [block, name, RFC, the 16-bit group the IPv4 address starts at].
 * Network-specific NAT64 prefixes (RFC 6052 §2.2) are an operator's own global unicast space and cannot be
 * recognised by address; the NAT64 translator must refuse private IPv4 targets itself (RFC 6052 §3.1).
 */
const IPV6_EMBEDDING_IPV4: readonly (readonly [...RegistryEntry, ipv4AtGroup: number])[] = [
  ['::ffff:0:0/96', 'IPv4-mapped Address', 'RFC 4291', 6],
  ['64:ff9b::/96', 'IPv4-IPv6 Translat. (globally reachable)', 'RFC 6052', 6],
  ['2002::/16', '6to4', 'RFC 3056', 1],
];

/** The rest of the IPv6 registry: refused whatever follows the prefix. */
const IPV6_SPECIAL_PURPOSE: readonly RegistryEntry[] = [
  ['::1/128', 'Loopback Address', 'RFC 4291'],
  ['::/128', 'Unspecified Address', 'RFC 4291'],
  ['64:ff9b:1::/48', 'IPv4-IPv6 Translat. (local use)', 'RFC 8215'],
  ['100::/64', 'Discard-Only Address Block', 'RFC 6666'],
  ['100:0:0:1::/64', 'Dummy IPv6 Prefix', 'RFC 9780'],
  ['2001::/23', 'IETF Protocol Assignments', 'RFC 2928'],
  // Teredo carries a server's IPv4 address and a client's, obfuscated; it is refused whatever they are:
  // no webhook receiver needs to be reached through a UDP tunnel, and judging both would be more to get wrong.
  ['2001::/32', 'TEREDO', 'RFC 4380, RFC 8190'],
  ['2001:1::1/128', 'Port Control Protocol Anycast (globally reachable)', 'RFC 7723'],
  ['2001:1::2/128', 'Traversal Using Relays around NAT Anycast (globally reachable)', 'RFC 8155'],
  ['2001:1::3/128', 'DNS-SD Service Registration Protocol Anycast (globally reachable)', 'RFC 9665'],
  ['2001:2::/48', 'Benchmarking', 'RFC 5180, RFC Errata 1752'],
  ['2001:3::/32', 'AMT (globally reachable)', 'RFC 7450'],
  ['2001:4:112::/48', 'AS112-v6 (globally reachable)', 'RFC 7535'],
  ['2001:10::/28', 'Deprecated (previously ORCHID)', 'RFC 4843'],
  ['2001:20::/28', 'ORCHIDv2 (globally reachable)', 'RFC 7343'],
  ['2001:30::/28', 'Drone Remote ID Protocol Entity Tags (DETs) Prefix (globally reachable)', 'RFC 9374'],
  ['2001:db8::/32', 'Documentation', 'RFC 3849'],
  ['2620:4f:8000::/48', 'Direct Delegation AS112 Service (globally reachable)', 'RFC 7534'],
  ['3fff::/20', 'Documentation', 'RFC 9637'],
  ['5f00::/16', 'Segment Routing (SRv6) SIDs', 'RFC 9602'],
  ['fc00::/7', 'Unique-Local', 'RFC 4193, RFC 8190'],
  ['fe80::/10', 'Link-Local Unicast', 'RFC 4291'],
];

/**
 * IPv6 blocks outside the special-purpose registry that are not public unicast either. Most already lie
 * outside 2000::/3, the only block IANA allocates as global unicast (IANA IPv6 Address Space registry),
 * which is refused as a whole below; they are named so that the reason is plain.
 */
const IPV6_OTHER_NON_PUBLIC: readonly RegistryEntry[] = [
  ['::/96', 'IPv4-compatible (deprecated), refused whatever IPv4 address it carries', 'RFC 4291 §2.5.5.1'],
  ['::ffff:0:0:0/96', 'IPv4-translated (SIIT), refused whatever IPv4 address it carries', 'RFC 2765'],
  ['fec0::/10', 'Site-local (deprecated)', 'RFC 3879'],
  ['ff00::/8', 'Multicast (IANA IPv6 Multicast Address Space registry)', 'RFC 4291 §2.7'],
];

const IPV6_GLOBAL_UNICAST: RegistryEntry = ['2000::/3', 'Global Unicast (IANA IPv6 Address Space registry)', 'RFC 4291 §2.4'];

/** A BlockList of a table's blocks (a mistyped block throws here, when the module loads). */
function blockList(family: 'ipv4' | 'ipv6', entries: readonly (readonly [string, ...unknown[]])[]): BlockList {
  const list = new BlockList();
  for (const [block] of entries) {
    const [network, bits] = block.split('/');
    list.addSubnet(network, Number(bits), family);
  }
  return list;
}

const IPV4_REFUSED = blockList('ipv4', [...IPV4_SPECIAL_PURPOSE, ...IPV4_OTHER_NON_PUBLIC]);
const IPV6_REFUSED = blockList('ipv6', [...IPV6_SPECIAL_PURPOSE, ...IPV6_OTHER_NON_PUBLIC]);
const IPV6_GLOBAL = blockList('ipv6', [IPV6_GLOBAL_UNICAST]);
const IPV6_EMBEDDINGS = IPV6_EMBEDDING_IPV4.map(([block, , , ipv4AtGroup]) => ({ list: blockList('ipv6', [[block]]), ipv4AtGroup }));

/**
 * The eight 16-bit groups of an IPv6 address, or undefined if it is none. The WHATWG URL serializer writes
 * an IPv6 host in its one canonical form (RFC 5952: lower case, no leading zeros, no dotted quad, the
 * longest run of zero groups as "::"), so only the "::" is left to expand. A zone id (fe80::1%eth0) names
 * an interface, not an address, and is dropped.
 */
function ipv6Groups(address: string): number[] | undefined {
  const zone = address.indexOf('%');
  let canonical: string;
  try {
    canonical = new URL(`http://[${zone >= 0 ? address.slice(0, zone) : address}]/`).hostname.slice(1, -1);
  } catch {
    return undefined;
  }
  // No "::" in the address leaves one half: the tail is then absent, not empty.
  const halves = canonical.split('::');
  const head = halves[0];
  const tail = halves.at(1);
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  const groups = [...left, ...zeros, ...right].map((group) => parseInt(group, 16));
  return groups.length === 8 && groups.every((group) => group >= 0 && group <= 0xffff) ? groups : undefined;
}

function isNonPublicIpv4(address: string): boolean {
  return IPV4_REFUSED.check(address, 'ipv4');
}

function isNonPublicIpv6(address: string): boolean {
  const groups = ipv6Groups(address);
  // Something isIP calls IPv6 but the URL parser does not: refuse rather than guess.
  if (groups === undefined) return true;
  const canonical = groups.map((group) => group.toString(16)).join(':');
  for (const { list, ipv4AtGroup } of IPV6_EMBEDDINGS) {
    if (list.check(canonical, 'ipv6')) {
      const [high, low] = [groups[ipv4AtGroup], groups[ipv4AtGroup + 1]];
      return isNonPublicIpv4(`${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`);
    }
  }
  return IPV6_REFUSED.check(canonical, 'ipv6') || !IPV6_GLOBAL.check(canonical, 'ipv6');
}

/**
 * Whether an IP address is one a webhook must not reach: any address in the IANA IPv4 or IPv6
 * special-purpose registries, multicast, or (IPv6) outside global unicast 2000::/3. IPv4-mapped
 * (::ffff:127.0.0.1, ::ffff:7f00:1), NAT64 (64:ff9b::/96) and 6to4 (2002::/16) addresses are judged by
 * the IPv4 address inside; IPv4-compatible, IPv4-translated and Teredo addresses are refused whatever
 * they carry. A zone id or brackets around an IPv6 address do not matter. Anything that is not an IP
 * address (a host name, "127.1") gives false: resolve names first, or normalize URL hosts as
 * `checkWebhookUrl` does.
 */
export function isNonPublicAddress(address: string): boolean {
  const text = address.trim().replace(/^\[(.*)\]$/, '$1');
  const version = isIP(text);
  if (version === 4) return isNonPublicIpv4(text);
  if (version === 6) return isNonPublicIpv6(text);
  return false;
}

/**
 * A host as a client would connect to it: lower case, without brackets or trailing dots, and run through
 * the WHATWG host parser, so that a name such as "0x7f.1." (after its dot is dropped) becomes the IPv4
 * address 127.0.0.1, an IPv6 literal takes its canonical form, and an allowed host written as
 * "0:0:0:0:0:0:0:1" matches the URL host "::1".
 */
function normalizeHost(host: string): string {
  const bare = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.+$/, '');
  // Anything that would be read as a URL's user, port, path, query or fragment is left as it is.
  if (bare === '' || /[\s/\\@?#]/.test(bare) || (bare.includes(':') && isIP(bare) !== 6)) return bare;
  try {
    return new URL(`http://${bare.includes(':') ? `[${bare}]` : bare}/`).hostname.replace(/^\[(.*)\]$/, '$1');
  } catch {
    return bare;
  }
}

/** Host names that are internal by definition or convention: loopback (RFC 6761), mDNS, private zones. */
function isInternalName(host: string): boolean {
  return host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local') || host.endsWith('.internal');
}

export type WebhookUrlCheck = { ok: true; host: string; allowed: boolean; literal: boolean } | { ok: false; reason: WebhookTargetRefusal; address?: string };

/**
 * What can be said of a webhook URL without asking DNS: refuses anything but http(s), credentials in the
 * URL, internal names (localhost, *.localhost, *.local, *.internal) and non-public IP literals, unless
 * the host (name or literal, without port; case, brackets and trailing dots do not matter) is in `allowedHosts`.
 * The host judged is the one the WHATWG URL parser gives, the one a client connects to: http://0x7f.1/,
 * http://2130706433/ and http://127.1/ are all 127.0.0.1, and [::ffff:127.0.0.1] is ::ffff:7f00:1.
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
  if (host === '') return { ok: false, reason: 'invalid_url' };
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
          callback(error, '');
          return;
        }
        const bad = allowed.has(host) ? undefined : list.find(isNonPublicAddress);
        if (bad !== undefined) {
          const error = Object.assign(new Error(`${host} resolves to the non-public address ${bad}`), { code: NON_PUBLIC_TARGET_ERROR_CODE, address: bad });
          callback(error, '');
          return;
        }
        const entries = list.map((address) => ({ address, family: isIP(address) }));
        if (options?.all === true) callback(null, entries);
        else callback(null, entries[0].address, entries[0].family);
      },
      (error: unknown) => {
        callback(error instanceof Error ? error : new Error(String(error)), '');
      },
    );
  };
}
