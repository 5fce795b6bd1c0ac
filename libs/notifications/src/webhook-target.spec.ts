import { NON_PUBLIC_TARGET_ERROR_CODE, type Resolver, checkWebhookUrl, guardedLookup, isNonPublicAddress } from './webhook-target';

/** A resolver with a fixed table, so that no test touches the network. */
function fakeResolver(table: Partial<Record<string, string[]>>): Resolver & { asked: string[] } {
  const asked: string[] = [];
  const resolve = (hostname: string): Promise<string[]> => {
    asked.push(hostname);
    const addresses = table[hostname];
    if (addresses === undefined) return Promise.reject(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }));
    return Promise.resolve(addresses);
  };
  return Object.assign(resolve, { asked });
}

const dns = fakeResolver({
  'hooks.union-app.example': ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'],
  'intranet.example': ['10.20.0.5'],
  'rebind.example': ['93.184.215.14', '127.0.0.1'],
  'metadata.example': ['169.254.169.254'],
  'mapped.example': ['::ffff:192.168.1.10'],
  'sink.test': ['127.0.0.1'],
  'empty.example': [],
});

/**
 * Every entry of the IANA special-purpose registries, and the blocks refused beside them, as the first and
 * the last address of the block. Written out here rather than read from the code's table, so that an entry
 * dropped from the table (or a wrong prefix length) shows up as a failing row.
 */
const IPV4_SPECIAL_PURPOSE: readonly [block: string, first: string, last: string][] = [
  ['0.0.0.0/8 this network', '0.0.0.0', '0.255.255.255'],
  ['0.0.0.0/32 this host', '0.0.0.0', '0.0.0.0'],
  ['10.0.0.0/8 private-use', '10.0.0.0', '10.255.255.255'],
  ['100.64.0.0/10 shared address space', '100.64.0.0', '100.127.255.255'],
  ['127.0.0.0/8 loopback', '127.0.0.0', '127.255.255.255'],
  ['169.254.0.0/16 link local', '169.254.0.0', '169.254.255.255'],
  ['172.16.0.0/12 private-use', '172.16.0.0', '172.31.255.255'],
  ['192.0.0.0/24 IETF protocol assignments', '192.0.0.0', '192.0.0.255'],
  ['192.0.0.0/29 IPv4 service continuity', '192.0.0.0', '192.0.0.7'],
  ['192.0.0.8/32 IPv4 dummy address', '192.0.0.8', '192.0.0.8'],
  ['192.0.0.9/32 PCP anycast (globally reachable)', '192.0.0.9', '192.0.0.9'],
  ['192.0.0.10/32 TURN anycast (globally reachable)', '192.0.0.10', '192.0.0.10'],
  ['192.0.0.170/32 NAT64/DNS64 discovery', '192.0.0.170', '192.0.0.170'],
  ['192.0.0.171/32 NAT64/DNS64 discovery', '192.0.0.171', '192.0.0.171'],
  ['192.0.2.0/24 TEST-NET-1', '192.0.2.0', '192.0.2.255'],
  ['192.31.196.0/24 AS112-v4 (globally reachable)', '192.31.196.0', '192.31.196.255'],
  ['192.52.193.0/24 AMT (globally reachable)', '192.52.193.0', '192.52.193.255'],
  ['192.88.99.0/24 deprecated 6to4 relay anycast', '192.88.99.0', '192.88.99.255'],
  ['192.88.99.2/32 6a44 relay anycast', '192.88.99.2', '192.88.99.2'],
  ['192.168.0.0/16 private-use', '192.168.0.0', '192.168.255.255'],
  ['192.175.48.0/24 AS112 direct delegation (globally reachable)', '192.175.48.0', '192.175.48.255'],
  ['198.18.0.0/15 benchmarking', '198.18.0.0', '198.19.255.255'],
  ['198.51.100.0/24 TEST-NET-2', '198.51.100.0', '198.51.100.255'],
  ['203.0.113.0/24 TEST-NET-3', '203.0.113.0', '203.0.113.255'],
  ['240.0.0.0/4 reserved', '240.0.0.0', '255.255.255.254'],
  ['255.255.255.255/32 limited broadcast', '255.255.255.255', '255.255.255.255'],
  ['224.0.0.0/4 multicast (not in the registry)', '224.0.0.0', '239.255.255.255'],
];

const IPV6_SPECIAL_PURPOSE: readonly [block: string, first: string, last: string][] = [
  ['::1/128 loopback', '::1', '::1'],
  ['::/128 unspecified', '::', '::'],
  ['64:ff9b:1::/48 local-use NAT64', '64:ff9b:1::', '64:ff9b:1:ffff:ffff:ffff:ffff:ffff'],
  ['100::/64 discard-only', '100::', '100::ffff:ffff:ffff:ffff'],
  ['100:0:0:1::/64 dummy prefix', '100:0:0:1::', '100::1:ffff:ffff:ffff:ffff'],
  ['2001::/23 IETF protocol assignments', '2001::', '2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff'],
  ['2001::/32 Teredo', '2001::', '2001:0:ffff:ffff:ffff:ffff:ffff:ffff'],
  ['2001:1::1/128 PCP anycast (globally reachable)', '2001:1::1', '2001:1::1'],
  ['2001:1::2/128 TURN anycast (globally reachable)', '2001:1::2', '2001:1::2'],
  ['2001:1::3/128 DNS-SD SRP anycast (globally reachable)', '2001:1::3', '2001:1::3'],
  ['2001:2::/48 benchmarking', '2001:2::', '2001:2:0:ffff:ffff:ffff:ffff:ffff'],
  ['2001:3::/32 AMT (globally reachable)', '2001:3::', '2001:3:ffff:ffff:ffff:ffff:ffff:ffff'],
  ['2001:4:112::/48 AS112-v6 (globally reachable)', '2001:4:112::', '2001:4:112:ffff:ffff:ffff:ffff:ffff'],
  ['2001:10::/28 deprecated ORCHID', '2001:10::', '2001:1f:ffff:ffff:ffff:ffff:ffff:ffff'],
  ['2001:20::/28 ORCHIDv2 (globally reachable)', '2001:20::', '2001:2f:ffff:ffff:ffff:ffff:ffff:ffff'],
  ['2001:30::/28 drone remote ID DETs (globally reachable)', '2001:30::', '2001:3f:ffff:ffff:ffff:ffff:ffff:ffff'],
  ['2001:db8::/32 documentation', '2001:db8::', '2001:db8:ffff:ffff:ffff:ffff:ffff:ffff'],
  ['2620:4f:8000::/48 AS112 direct delegation (globally reachable)', '2620:4f:8000::', '2620:4f:8000:ffff:ffff:ffff:ffff:ffff'],
  ['3fff::/20 documentation', '3fff::', '3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff'],
  ['5f00::/16 SRv6 SIDs', '5f00::', '5f00:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
  ['fc00::/7 unique local', 'fc00::', 'fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
  ['fe80::/10 link-local', 'fe80::', 'febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
  ['fec0::/10 deprecated site-local (not in the registry)', 'fec0::', 'feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
  ['ff00::/8 multicast (not in the registry)', 'ff00::', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
  ['::/96 deprecated IPv4-compatible (not in the registry)', '::2', '::ffff:ffff'],
  ['below 2000::/3, not global unicast', '::1:0:0', '1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
  ['above 2000::/3, not global unicast', '4000::', 'fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
  ['0200::/7 deprecated NSAP (outside 2000::/3)', '200::', '3ff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
];

/**
 * Every way an IPv6 address carries an IPv4 one, for a non-public IPv4 address: [form, address]. The NAT64,
 * mapped and 6to4 forms are judged by the IPv4 inside; the others are refused whatever they carry.
 */
function embeddings(ipv4: string): [string, string][] {
  const [a, b, c, d] = ipv4.split('.').map(Number);
  const high = ((a << 8) | b).toString(16);
  const low = ((c << 8) | d).toString(16);
  const obfuscatedHigh = (~((a << 8) | b) & 0xffff).toString(16);
  const obfuscatedLow = (~((c << 8) | d) & 0xffff).toString(16);
  return [
    ['IPv4-mapped, dotted', `::ffff:${ipv4}`],
    ['IPv4-mapped, hex', `::ffff:${high}:${low}`],
    ['IPv4-mapped, long form', `0:0:0:0:0:ffff:${high}:${low}`],
    ['IPv4-mapped, upper case and leading zeros', `0000:0000:0000:0000:0000:FFFF:${high.padStart(4, '0').toUpperCase()}:${low.padStart(4, '0')}`],
    ['IPv4-compatible, dotted', `::${ipv4}`],
    ['IPv4-compatible, hex', `::${high}:${low}`],
    ['IPv4-translated (SIIT)', `::ffff:0:${ipv4}`],
    ['NAT64 well-known prefix, dotted', `64:ff9b::${ipv4}`],
    ['NAT64 well-known prefix, hex', `64:ff9b::${high}:${low}`],
    ['NAT64 local-use prefix', `64:ff9b:1::${high}:${low}`],
    ['6to4', `2002:${high}:${low}::1`],
    ['6to4, the router itself', `2002:${high}:${low}::`],
    ['Teredo client (obfuscated)', `2001:0:4136:e378:8000:63bf:${obfuscatedHigh}:${obfuscatedLow}`],
    ['Teredo server', `2001:0:${high}:${low}:8000:63bf:3fff:fdd2`],
  ];
}

const PRIVATE_IPV4 = ['127.0.0.1', '10.0.0.1', '169.254.169.254', '192.168.1.10', '172.16.5.4', '100.64.0.1', '0.0.0.0', '192.0.0.9', '192.88.99.1'];

describe('which addresses a webhook may reach', () => {
  it.each(IPV4_SPECIAL_PURPOSE)('refuses all of IPv4 %s', (_block, first, last) => {
    expect([isNonPublicAddress(first), isNonPublicAddress(last)]).toEqual([true, true]);
  });

  it.each(IPV6_SPECIAL_PURPOSE)('refuses all of IPv6 %s', (_block, first, last) => {
    expect([isNonPublicAddress(first), isNonPublicAddress(last)]).toEqual([true, true]);
  });

  it.each(PRIVATE_IPV4.flatMap((ipv4) => embeddings(ipv4).map(([form, address]) => [ipv4, form, address])))(
    'refuses %s inside IPv6 (%s: %s)',
    (_ipv4, _form, address) => {
      expect(isNonPublicAddress(address)).toBe(true);
    },
  );

  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local (cloud metadata)'],
    ['100.64.0.1', 'CGNAT'],
    ['100.127.255.255', 'CGNAT'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.251', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['192.0.2.10', 'documentation'],
    ['::', 'IPv6 unspecified'],
    ['::1', 'IPv6 loopback'],
    ['fe80::1', 'IPv6 link-local'],
    ['fe80::1%eth0', 'IPv6 link-local with a zone'],
    ['fe80::1%2', 'IPv6 link-local with a numeric zone'],
    ['[fe80::1]', 'IPv6 link-local in brackets'],
    ['fd12:3456:789a::1', 'IPv6 unique local'],
    ['fd00:ec2::254', 'IPv6 unique local (cloud metadata)'],
    ['fc00::1', 'IPv6 unique local'],
    ['ff02::1', 'IPv6 multicast'],
    ['FF02::1', 'IPv6 multicast, upper case'],
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
    ['::ffff:7f00:1', 'IPv4-mapped loopback, hex form'],
    ['::ffff:a9fe:a9fe', 'IPv4-mapped link-local'],
    ['0:0:0:0:0:ffff:c0a8:0101', 'IPv4-mapped private, long form'],
    ['64:ff9b::a00:1', 'NAT64 of a private address'],
    ['2002:7f00:1::1', '6to4 of loopback'],
    ['2001:db8::1', 'IPv6 documentation'],
    ['2001:0:4136:e378:8000:63bf:f7f7:f7f7', 'Teredo, even with a public client address'],
    ['::8.8.8.8', 'IPv4-compatible, even of a public address'],
    ['::ffff:0:8.8.8.8', 'IPv4-translated, even of a public address'],
  ])('refuses %s (%s)', (address) => {
    expect(isNonPublicAddress(address)).toBe(true);
  });

  it.each([
    '93.184.216.34',
    '93.184.215.14',
    '8.8.8.8',
    '1.1.1.1',
    '1.0.0.0',
    '9.255.255.255',
    '11.0.0.0',
    '100.63.255.255',
    '100.128.0.0',
    '126.255.255.255',
    '128.0.0.0',
    '169.253.255.255',
    '169.255.0.0',
    '172.15.255.255',
    '172.32.0.0',
    '192.0.1.0',
    '192.0.3.0',
    '192.31.195.255',
    '192.31.197.0',
    '192.52.192.255',
    '192.52.194.0',
    '192.88.98.255',
    '192.88.100.0',
    '192.167.1.1',
    '192.169.0.0',
    '192.175.47.255',
    '192.175.49.0',
    '198.17.255.255',
    '198.20.0.0',
    '198.51.99.255',
    '198.51.101.0',
    '203.0.112.255',
    '203.0.114.0',
    '223.255.255.255',
    '2606:2800:220:1::',
    '2606:2800:220:1:248:1893:25c8:1946',
    '2606:2800:21f:cb07:6820:80da:af6b:8b2c',
    '2001:4860:4860::8888',
    '2400:3200::1',
    '2001:200::',
    '2001:db7:ffff:ffff:ffff:ffff:ffff:ffff',
    '2001:db9::',
    '2003::',
    '2620:4f:7fff:ffff:ffff:ffff:ffff:ffff',
    '2620:4f:8001::',
    '::ffff:8.8.8.8',
    '::ffff:5db8:d822',
    '64:ff9b::808:808',
    '64:ff9b::93.184.216.34',
    '2002:5db8:d822::1',
  ])('allows the public address %s', (address) => {
    expect(isNonPublicAddress(address)).toBe(false);
  });

  it('says nothing of what is not an IP literal', () => {
    expect(isNonPublicAddress('localhost')).toBe(false);
    expect(isNonPublicAddress('hooks.union-app.example')).toBe(false);
  });
});

type Judgement = { ok: true; addresses: string[] } | { ok: false; reason: string; address?: string };

/** What the notifier does with a URL: check it, then resolve its name through the guarded lookup. */
async function judge(url: string, allowedHosts: string[], resolver: Resolver): Promise<Judgement> {
  const check = checkWebhookUrl(url, allowedHosts);
  if (!check.ok) return check;
  if (check.literal) return { ok: true, addresses: [check.host] };
  return new Promise((resolve) => {
    guardedLookup(allowedHosts, resolver)(check.host, { all: true }, (error, addresses) => {
      if (error === null) resolve({ ok: true, addresses: (addresses as { address: string }[]).map((entry) => entry.address) });
      else if (error.code === NON_PUBLIC_TARGET_ERROR_CODE)
        resolve({ ok: false, reason: 'non_public_address', address: (error as { address?: string }).address });
      else resolve({ ok: false, reason: 'unresolvable' });
    });
  });
}

describe('checking a webhook URL', () => {
  it('accepts a public https host and gives the addresses to connect to', async () => {
    await expect(judge('https://hooks.union-app.example/huigong', [], dns)).resolves.toEqual({
      ok: true,
      addresses: ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'],
    });
  });

  it('refuses a name that resolves to a private address', async () => {
    await expect(judge('https://intranet.example/hook', [], dns)).resolves.toEqual({ ok: false, reason: 'non_public_address', address: '10.20.0.5' });
  });

  it('refuses a name when any one of its addresses is loopback', async () => {
    await expect(judge('https://rebind.example/hook', [], dns)).resolves.toEqual({ ok: false, reason: 'non_public_address', address: '127.0.0.1' });
  });

  it('refuses the cloud metadata service and an IPv4-mapped private address', async () => {
    await expect(judge('http://metadata.example/latest', [], dns)).resolves.toMatchObject({ ok: false, reason: 'non_public_address' });
    await expect(judge('http://mapped.example/', [], dns)).resolves.toMatchObject({ ok: false, reason: 'non_public_address' });
  });

  it.each([
    'http://127.0.0.1:8080/hook',
    'http://[::1]/hook',
    'http://[::ffff:127.0.0.1]/hook',
    'http://[::ffff:7f00:1]/hook',
    'http://[0:0:0:0:0:ffff:7f00:0001]/hook',
    'http://[::127.0.0.1]/hook',
    'http://[::ffff:0:127.0.0.1]/hook',
    'http://[64:ff9b::127.0.0.1]/hook',
    'http://[64:ff9b::a9fe:a9fe]/latest/meta-data',
    'http://[2002:a9fe:a9fe::]/latest/meta-data',
    'http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/hook',
    'http://[fd00:ec2::254]/latest/meta-data',
    'http://[fe80::1]/hook',
    'http://[::]/hook',
    'http://0x7f.1/hook',
    'http://0x7f.0x0.0x0.0x1/hook',
    'http://2130706433/hook',
    'http://017700000001/hook',
    'http://0177.0.0.1/hook',
    'http://127.1/hook',
    'http://0/hook',
    'http://%31%32%37.0.0.1/hook',
    'http://\uff11\uff12\uff17.\uff10.\uff10.\uff11/hook',
    'http://127.0.0.1./hook',
    'http://127.0.0.1../hook',
    'http://0x7f.1../hook',
    'http://169.254.169.254/latest/meta-data',
    'http://2852039166/latest/meta-data',
    'http://192.0.0.9/hook',
    'http://192.31.196.1/hook',
    'http://192.175.48.1/hook',
    'http://[2620:4f:8000::1]/hook',
    'http://[3fff::1]/hook',
    'http://[5f00::1]/hook',
  ])('refuses the literal %s without asking the resolver', async (url) => {
    const resolver = fakeResolver({});
    await expect(judge(url, [], resolver)).resolves.toMatchObject({ ok: false, reason: 'non_public_address' });
    expect(resolver.asked).toEqual([]);
  });

  it('refuses an IPv6 literal with a zone id, which is no URL at all', () => {
    for (const url of ['http://[fe80::1%25eth0]/hook', 'http://[fe80::1%eth0]/hook', 'http://[fe80::1%251]/hook']) {
      expect(checkWebhookUrl(url, [])).toEqual({ ok: false, reason: 'invalid_url' });
    }
  });

  it('judges the host the URL parser gives, the one a client would connect to', () => {
    expect(checkWebhookUrl('https://93.184.216.34/hook', [])).toEqual({ ok: true, host: '93.184.216.34', allowed: false, literal: true });
    expect(checkWebhookUrl('https://0x5d.0xb8.0xd8.0x22/hook', [])).toEqual({ ok: true, host: '93.184.216.34', allowed: false, literal: true });
    expect(checkWebhookUrl('https://[2606:2800:220:1::]/hook', [])).toEqual({ ok: true, host: '2606:2800:220:1::', allowed: false, literal: true });
    expect(checkWebhookUrl('https://[::ffff:93.184.216.34]/hook', [])).toEqual({ ok: true, host: '::ffff:5db8:d822', allowed: false, literal: true });
    expect(checkWebhookUrl('https://Hooks.Union-App.Example../hook', [])).toEqual({
      ok: true,
      host: 'hooks.union-app.example',
      allowed: false,
      literal: false,
    });
    expect(checkWebhookUrl('https://./hook', [])).toEqual({ ok: false, reason: 'invalid_url' });
  });

  it('refuses, by every address it resolves to, a name whose addresses hide a non-public one', async () => {
    const hidden = [
      '192.0.0.9',
      '192.31.196.1',
      '192.52.193.1',
      '192.88.99.1',
      '192.175.48.1',
      '::ffff:a9fe:a9fe',
      '::ffff:169.254.169.254',
      '::a9fe:a9fe',
      '64:ff9b::a9fe:a9fe',
      '2002:a9fe:a9fe::1',
      '2001:0:4136:e378:8000:63bf:5601:5601',
      'fe80::1%eth0',
      'fd00:ec2::254',
      '2620:4f:8000::1',
      '3fff::1',
      '5f00::1',
      '100:0:0:1::1',
    ];
    for (const address of hidden) {
      const resolver = fakeResolver({ 'mixed.example': ['93.184.216.34', '2606:2800:220:1::', address] });
      await expect(judge('https://mixed.example/hook', [], resolver)).resolves.toEqual({ ok: false, reason: 'non_public_address', address });
    }
  });

  it('refuses localhost by name, whatever the resolver says', async () => {
    const lying = fakeResolver({ localhost: ['93.184.215.14'], 'api.localhost': ['93.184.215.14'] });
    await expect(judge('http://localhost:3000/', [], lying)).resolves.toMatchObject({ ok: false, reason: 'non_public_address' });
    await expect(judge('http://API.localhost./', [], lying)).resolves.toMatchObject({ ok: false, reason: 'non_public_address' });
    await expect(judge('http://localhost../', [], lying)).resolves.toMatchObject({ ok: false, reason: 'non_public_address' });
    expect(lying.asked).toEqual([]);
  });

  it('lets through a host allowed by WEBHOOK_ALLOWED_HOSTS, and only that host', async () => {
    await expect(judge('http://sink.test:9000/hook', ['sink.test'], dns)).resolves.toEqual({ ok: true, addresses: ['127.0.0.1'] });
    await expect(judge('http://127.0.0.1:9000/hook', ['127.0.0.1'], dns)).resolves.toEqual({ ok: true, addresses: ['127.0.0.1'] });
    await expect(judge('http://[::1]:9000/hook', ['::1'], dns)).resolves.toEqual({ ok: true, addresses: ['::1'] });
    await expect(judge('http://INTRANET.example./hook', ['intranet.example'], dns)).resolves.toEqual({ ok: true, addresses: ['10.20.0.5'] });
    await expect(judge('http://localhost/hook', ['localhost'], fakeResolver({ localhost: ['127.0.0.1', '::1'] }))).resolves.toEqual({
      ok: true,
      addresses: ['127.0.0.1', '::1'],
    });
    await expect(judge('http://intranet.example/hook', ['sink.test'], dns)).resolves.toMatchObject({ ok: false, reason: 'non_public_address' });
  });

  it('refuses other schemes, credentials and nonsense', async () => {
    await expect(judge('ftp://hooks.union-app.example/', [], dns)).resolves.toEqual({ ok: false, reason: 'unsupported_scheme' });
    await expect(judge('file:///etc/passwd', [], dns)).resolves.toEqual({ ok: false, reason: 'unsupported_scheme' });
    await expect(judge('https://user:pw@hooks.union-app.example/', [], dns)).resolves.toEqual({ ok: false, reason: 'credentials_in_url' });
    await expect(judge('https://token@hooks.union-app.example/', [], dns)).resolves.toEqual({ ok: false, reason: 'credentials_in_url' });
    await expect(judge('not a url', [], dns)).resolves.toEqual({ ok: false, reason: 'invalid_url' });
    await expect(judge('/relative/hook', [], dns)).resolves.toEqual({ ok: false, reason: 'invalid_url' });
  });

  it('refuses a name that does not resolve', async () => {
    await expect(judge('https://nowhere.example/', [], dns)).resolves.toEqual({ ok: false, reason: 'unresolvable' });
    await expect(judge('https://empty.example/', [], dns)).resolves.toEqual({ ok: false, reason: 'unresolvable' });
  });

  it('refuses internal names, and the API can say so without DNS', () => {
    for (const url of ['http://printer.local/hook', 'https://db.internal/hook', 'http://localhost:3000/']) {
      expect(checkWebhookUrl(url, [])).toMatchObject({ ok: false, reason: 'non_public_address' });
    }
    expect(checkWebhookUrl('http://[2001:db8::1]/hook', [])).toMatchObject({ ok: false, reason: 'non_public_address' });
    expect(checkWebhookUrl('https://hooks.union-app.example/huigong', [])).toEqual({
      ok: true,
      host: 'hooks.union-app.example',
      allowed: false,
      literal: false,
    });
  });

  it('gives one address when the connection asks for one', async () => {
    const one = await new Promise<[string, number | undefined]>((resolve, reject) => {
      guardedLookup([], dns)('hooks.union-app.example', {}, (error, address, family) => {
        if (error) reject(error);
        else resolve([address as string, family]);
      });
    });
    expect(one).toEqual(['93.184.215.14', 4]);
  });
});
