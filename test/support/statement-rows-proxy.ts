import { type AddressInfo, type Server, type Socket, connect, createServer } from 'node:net';

/**
 * A TCP proxy in front of PostgreSQL that counts the rows each statement sends back: the DataRow messages
 * ('D') between two ReadyForQuery messages ('Z') on one connection. PostgreSQL's statement_timeout runs over
 * exactly that span (from the first message after ReadyForQuery to the next Sync), so a statement whose rows
 * grow with the table is one whose time grows with it too; a cursor read in batches before one Sync is one
 * span however it is batched. Counting rows says so without timing anything.
 */
export class StatementRowsProxy {
  /** The most rows any one statement has sent back, on any connection, since the proxy started. */
  mostRowsInOneStatement = 0;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  /** Listens on a free port of 127.0.0.1 and forwards every connection to `target` (host:port). */
  static async start(target: { host: string; port: number }): Promise<StatementRowsProxy> {
    // The connection handler needs the proxy, and the proxy needs the server's port: a holder ties the two.
    const holder: { proxy?: StatementRowsProxy } = {};
    const server = createServer((client) => {
      holder.proxy?.forward(client, target);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const proxy = new StatementRowsProxy(server, (server.address() as AddressInfo).port);
    holder.proxy = proxy;
    return proxy;
  }

  /** `databaseUrl` with its host and port replaced by this proxy's. */
  url(databaseUrl: string): string {
    const url = new URL(databaseUrl);
    url.hostname = '127.0.0.1';
    url.port = String(this.port);
    return url.toString();
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) =>
      this.server.close(() => {
        resolve();
      }),
    );
  }

  private forward(client: Socket, target: { host: string; port: number }): void {
    const server = connect(target.port, target.host);
    this.sockets.add(client).add(server);
    const end = () => {
      client.destroy();
      server.destroy();
      this.sockets.delete(client);
      this.sockets.delete(server);
    };
    client.on('error', end).on('close', end);
    server.on('error', end).on('close', end);
    client.pipe(server);
    let pending: Buffer = Buffer.alloc(0);
    let rows = 0;
    server.on('data', (chunk: Buffer) => {
      client.write(chunk);
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      let at = 0;
      // Every message from the server: a type byte, then a 4-byte length that counts itself and the body.
      while (pending.length - at >= 5) {
        const length = pending.readInt32BE(at + 1);
        if (pending.length - at < 1 + length) break;
        const type = String.fromCharCode(pending[at]);
        if (type === 'D') rows++;
        else if (type === 'Z') {
          this.mostRowsInOneStatement = Math.max(this.mostRowsInOneStatement, rows);
          rows = 0;
        }
        at += 1 + length;
      }
      pending = pending.subarray(at);
    });
  }
}
