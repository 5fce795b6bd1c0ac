/**
 * The worker gateway of the demo: a tiny HTTP receiver standing in for the union app or an SMS gateway.
 * The notifier delivers each offer to it as a signed Standard Webhooks request; it checks the signature
 * with the secret it was given and counts the offers per slot. It keeps counts and the redemption codes
 * (what a worker shows at the counter, for the demo to redeem some): no phone, no text.
 */
import { type Server, createServer } from 'node:http';
import { newWebhookSecret, verify } from '@huigong/notifications';

export class DemoWorkerGateway {
  /** Offers received with a valid signature, per slot id. */
  readonly offersPerSlot = new Map<string, number>();
  /** The redemption codes received, per slot id. */
  readonly codesPerSlot = new Map<string, string[]>();
  /** Each notification once: a retried delivery carries the same webhook-id. */
  private readonly seen = new Set<string>();
  rejected = 0;

  private constructor(
    private readonly server: Server,
    readonly url: string,
    readonly secret: string,
  ) {}

  static async start(): Promise<DemoWorkerGateway> {
    const secret = newWebhookSecret();
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const gateway = new DemoWorkerGateway(server, `http://127.0.0.1:${port}/offers`, secret);
    // Nobody knows the port before this line, so no offer can come before the gateway that receives it.
    server.on('request', (request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const status = gateway.receive(request.headers, body);
        response.writeHead(status, { 'content-type': 'text/plain' }).end(String(status));
      });
    });
    return gateway;
  }

  get delivered(): number {
    return this.seen.size;
  }

  private receive(headers: Record<string, string | string[] | undefined>, body: string): number {
    if (!verify(this.secret, headers, body, Math.floor(Date.now() / 1000)).ok) {
      this.rejected += 1;
      return 401;
    }
    const id = String(headers['webhook-id']);
    let slotId: string | undefined;
    let code: string | undefined;
    try {
      const payload = (JSON.parse(body) as { payload?: { slot?: { id?: string }; redemptionCode?: string } }).payload;
      slotId = payload?.slot?.id;
      code = payload?.redemptionCode;
    } catch {
      return 400;
    }
    if (!this.seen.has(id)) {
      this.seen.add(id);
      if (slotId !== undefined) this.offersPerSlot.set(slotId, (this.offersPerSlot.get(slotId) ?? 0) + 1);
      if (slotId !== undefined && code !== undefined) this.codesPerSlot.set(slotId, [...(this.codesPerSlot.get(slotId) ?? []), code]);
    }
    return 204;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
  }
}
