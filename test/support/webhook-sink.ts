import { type IncomingHttpHeaders, type Server, createServer } from 'node:http';

export interface ReceivedWebhook {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A local HTTP receiver for webhooks: records every request, and answers each path with the statuses
 * queued for it (then 200).
 */
export class WebhookSink {
  readonly received: ReceivedWebhook[] = [];
  private readonly answers = new Map<string, number[]>();
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<WebhookSink> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const sink = new WebhookSink(server, `http://127.0.0.1:${port}`);
    // Nobody knows the port before this line, so no request can come before the sink that records it.
    server.on('request', (request, response) => {
      let body = '';
      // Decoded as a stream, so a character split between two chunks stays whole.
      request.setEncoding('utf8');
      request.on('data', (chunk: string) => {
        body += chunk;
      });
      request.on('end', () => {
        sink.received.push({ path: request.url ?? '', headers: request.headers, body });
        const status = sink.answers.get(request.url ?? '')?.shift() ?? 200;
        response.writeHead(status, { 'content-type': 'text/plain' }).end(String(status));
      });
    });
    return sink;
  }

  /** The next requests to `path` get these statuses, in order. */
  answer(path: string, ...statuses: number[]): void {
    this.answers.set(path, [...(this.answers.get(path) ?? []), ...statuses]);
  }

  to(path: string): ReceivedWebhook[] {
    return this.received.filter((request) => request.path === path);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
  }
}
