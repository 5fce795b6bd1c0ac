import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describeListenAddress } from './listen-address';

describe('describeListenAddress', () => {
  it('says "all interfaces" when the server listens on the unspecified address, as Node does without a host', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, resolve));
    try {
      const address = server.address() as AddressInfo;
      expect(describeListenAddress(address)).toBe(`on all interfaces, port ${address.port} (http://localhost:${address.port} from this machine)`);
    } finally {
      server.close();
    }
  });

  it('names the host when the server listens on one address', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      expect(describeListenAddress(server.address())).toBe(`on http://127.0.0.1:${port}`);
    } finally {
      server.close();
    }
  });

  it('brackets an IPv6 host, and names a socket path or no address at all', () => {
    expect(describeListenAddress({ address: '::1', family: 'IPv6', port: 3000 })).toBe('on http://[::1]:3000');
    expect(describeListenAddress('/run/huigong.sock')).toBe('on /run/huigong.sock');
    expect(describeListenAddress(null)).toBe('nowhere (the server is not listening)');
  });
});
