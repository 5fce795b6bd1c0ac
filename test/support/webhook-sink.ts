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
  private constructor(private readonly server: Server, readonly url: string) {}

  static async start(): Promise<WebhookSink> {
    let sink: WebhookSink | undefined;
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        sink?.received.push({ path: request.url ?? '', headers: request.headers, body });
        const status = sink?.answers.get(request.url ?? '')?.shift() ?? 200;
        response.writeHead(status, { 'content-type': 'text/plain' }).end(String(status));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    sink = new WebhookSink(server, `http://127.0.0.1:${port}`);
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
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
