import type { AddressInfo } from 'node:net';

/**
 * Where a server listens, said truthfully for the log: Node listens on every interface unless told a host,
 * and "http://127.0.0.1:3000" would hide that the port is reachable from the network.
 */
export function describeListenAddress(address: AddressInfo | string | null): string {
  if (address === null) return 'nowhere (the server is not listening)';
  if (typeof address === 'string') return `on ${address}`;
  const everywhere = address.address === '::' || address.address === '0.0.0.0';
  if (everywhere) return `on all interfaces, port ${address.port} (http://localhost:${address.port} from this machine)`;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `on http://${host}:${address.port}`;
}
