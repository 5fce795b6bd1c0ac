import { type AppConfig } from '@huigong/platform';
import { type Server, createServer } from 'node:http';
import { WebhookClient } from './webhook-client';

describe('the notifier HTTP client', () => {
  let server: Server;
  let port: number;
  const seen: { headers: Record<string, unknown>; body: string }[] = [];
  let answer = { status: 200, headers: {} as Record<string, string> };

  beforeAll(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        seen.push({ headers: request.headers, body });
        response.writeHead(answer.status, answer.headers).end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const clientAllowing = (hosts: string[]) => new WebhookClient({ webhookAllowedHosts: hosts } as unknown as AppConfig);

  it('refuses, when connecting, a name that resolves to a loopback address', async () => {
    const client = clientAllowing([]);
    const before = seen.length;
    const outcome = await client.post(`http://localhost:${port}/hook`, {}, '{}');
    expect(outcome).toEqual({ refused: expect.stringContaining('non-public address') as unknown });
    expect(seen.length).toBe(before);
    await client.onApplicationShutdown();
  });

  it('connects to a host the operator allowed, sends the body and headers, and reads Retry-After', async () => {
    const client = clientAllowing(['localhost']);
    answer = { status: 429, headers: { 'retry-after': '120' } };
    const outcome = await client.post(`http://localhost:${port}/hook`, { 'webhook-id': 'msg_1' }, '{"type":"offer"}');
    expect(outcome).toEqual({ status: 429, retryAfter: '120' });
    expect(seen.at(-1)).toMatchObject({ headers: { 'webhook-id': 'msg_1', 'content-type': 'application/json' }, body: '{"type":"offer"}' });
    answer = { status: 200, headers: {} };
    await expect(client.post(`http://localhost:${port}/hook`, {}, '{}')).resolves.toEqual({ status: 200, retryAfter: null });
    await client.onApplicationShutdown();
  });

  it('calls a receiver that is not listening a network error, to be tried again', async () => {
    const client = clientAllowing(['127.0.0.1']);
    await expect(client.post('http://127.0.0.1:1/hook', {}, '{}')).resolves.toEqual({ error: 'network error' });
    await client.onApplicationShutdown();
  });
});
