import { NON_PUBLIC_TARGET_ERROR_CODE, type Resolver, checkWebhookUrl, guardedLookup, isNonPublicAddress } from './webhook-target';

/** A resolver with a fixed table, so that no test touches the network. */
function fakeResolver(table: Record<string, string[]>): Resolver & { asked: string[] } {
  const asked: string[] = [];
  const resolve = async (hostname: string) => {
    asked.push(hostname);
    const addresses = table[hostname];
    if (addresses === undefined) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses;
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

describe('which addresses a webhook may reach', () => {
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
    ['fd12:3456:789a::1', 'IPv6 unique local'],
    ['fc00::1', 'IPv6 unique local'],
    ['ff02::1', 'IPv6 multicast'],
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
    ['::ffff:7f00:1', 'IPv4-mapped loopback, hex form'],
    ['::ffff:a9fe:a9fe', 'IPv4-mapped link-local'],
    ['0:0:0:0:0:ffff:c0a8:0101', 'IPv4-mapped private, long form'],
    ['64:ff9b::a00:1', 'NAT64 of a private address'],
    ['2002:7f00:1::1', '6to4 of loopback'],
    ['2001:db8::1', 'IPv6 documentation'],
  ])('refuses %s (%s)', (address) => {
    expect(isNonPublicAddress(address)).toBe(true);
  });

  it.each([
    '93.184.215.14',
    '8.8.8.8',
    '100.63.255.255',
    '100.128.0.0',
    '172.15.255.255',
    '172.32.0.0',
    '192.167.1.1',
    '223.255.255.255',
    '2606:2800:21f:cb07:6820:80da:af6b:8b2c',
    '2400:3200::1',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
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
      else if (error.code === NON_PUBLIC_TARGET_ERROR_CODE) resolve({ ok: false, reason: 'non_public_address', address: (error as { address?: string }).address });
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
    'http://0x7f.1/hook',
    'http://2130706433/hook',
    'http://017700000001/hook',
    'http://[fe80::1]/hook',
    'http://169.254.169.254/latest/meta-data',
  ])('refuses the literal %s without asking the resolver', async (url) => {
    const resolver = fakeResolver({});
    await expect(judge(url, [], resolver)).resolves.toMatchObject({ ok: false, reason: 'non_public_address' });
    expect(resolver.asked).toEqual([]);
  });

  it('refuses localhost by name, whatever the resolver says', async () => {
    const lying = fakeResolver({ localhost: ['93.184.215.14'], 'api.localhost': ['93.184.215.14'] });
    await expect(judge('http://localhost:3000/', [], lying)).resolves.toMatchObject({ ok: false, reason: 'non_public_address' });
    await expect(judge('http://API.localhost./', [], lying)).resolves.toMatchObject({ ok: false, reason: 'non_public_address' });
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
    expect(checkWebhookUrl('https://hooks.union-app.example/huigong', [])).toEqual({ ok: true, host: 'hooks.union-app.example', allowed: false, literal: false });
  });

  it('gives one address when the connection asks for one', async () => {
    const one = await new Promise<[string, number | undefined]>((resolve, reject) =>
      guardedLookup([], dns)('hooks.union-app.example', {}, (error, address, family) => (error ? reject(error) : resolve([address as string, family]))),
    );
    expect(one).toEqual(['93.184.215.14', 4]);
  });
});
