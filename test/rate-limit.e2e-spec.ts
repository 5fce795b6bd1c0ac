import { type IncomingHttpHeaders, type Server, createServer, request as forward } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { AppConfig } from '@huigong/platform';
import { createApiApp } from '../apps/api/src/create-api-app';
import { freePort } from './support/redis-server';
import { TEST_ADMIN_KEY, Teardown, type TestWorld, createTestWorld } from './support/test-environment';

/** RATE_LIMIT_PER_MINUTE of this file's deployment. */
const LIMIT = 6;
/** A header only this file's proxy reads: the address of the client it pretends to be talking to. */
const CLIENT_ADDRESS = 'x-test-client-address';
/** Anyone may read the benefit map here (PUBLIC_BENEFIT_MAP): a request without a key, counted by address. */
const MAP = '/v1/benefits?lat=31.2705&lng=121.549&radiusKm=3';

/**
 * A load balancer in front of the API instances: each request goes to the next instance in turn, with its
 * method, path, headers and body, and with the client's address appended to X-Forwarded-For, as nginx's
 * `$proxy_add_x_forwarded_for` does. The client's address is the test's choice (CLIENT_ADDRESS), standing
 * in for clients on other machines. It notes which instance answered what.
 */
class RoundRobinProxy {
  readonly answers: { instance: number; status: number }[] = [];
  private next = 0;
  private readonly server: Server;

  private constructor(private readonly ports: number[]) {
    this.server = createServer((req, res) => {
      const instance = this.next++ % this.ports.length;
      const { [CLIENT_ADDRESS]: chosen, ...headers }: IncomingHttpHeaders = req.headers;
      const client = String(chosen ?? req.socket.remoteAddress);
      headers['x-forwarded-for'] = req.headers['x-forwarded-for'] === undefined ? client : `${String(req.headers['x-forwarded-for'])}, ${client}`;
      const upstream = forward({ host: '127.0.0.1', port: this.ports[instance], method: req.method, path: req.url, headers }, (answer) => {
        this.answers.push({ instance, status: answer.statusCode ?? 0 });
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => {
        res.writeHead(502).end();
      });
      req.pipe(upstream);
    });
  }

  static async start(ports: number[]): Promise<RoundRobinProxy> {
    const proxy = new RoundRobinProxy(ports);
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Which instance gave each answer since the last call. */
  taken(): { instance: number; status: number }[] {
    return this.answers.splice(0);
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

/** An API instance listening on a port of its own, as `npm run start:api` runs one. */
async function listeningApi(config: AppConfig): Promise<{ app: NestExpressApplication; url: string; port: number }> {
  const app = await createApiApp(config, process.env.TEST_LOGS ? {} : { logger: false });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { app, url: `http://127.0.0.1:${port}`, port };
}

interface Answer {
  status: number;
  body: Record<string, unknown>;
  retryAfter: string | null;
  remaining: string | null;
}

async function get(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(url, { headers });
  const body = (await response.json()) as Record<string, unknown>;
  return { status: response.status, body, retryAfter: response.headers.get('retry-after'), remaining: response.headers.get('ratelimit-remaining') };
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

describe('the rate limit, shared by two API instances behind one load balancer', () => {
  const teardown = new Teardown();
  let world: TestWorld;
  let proxy: RoundRobinProxy;
  let firstKey: string;
  let secondKey: string;

  beforeAll(async () => {
    world = teardown.add(await createTestWorld({ env: { RATE_LIMIT_PER_MINUTE: String(LIMIT), TRUST_PROXY: '1', PUBLIC_BENEFIT_MAP: 'true' } }), (started) =>
      started.destroy(),
    );
    // Two instances of one deployment: the same configuration, database and QUEUE_PREFIX, each on its own port.
    const instances = [];
    for (let i = 0; i < 2; i++) instances.push(teardown.add(await listeningApi(world.config), (started) => started.app.close()));
    proxy = teardown.add(await RoundRobinProxy.start(instances.map((instance) => instance.port)), (started) => started.close());
    const organization = async (name: string) => {
      const response = await fetch(`${proxy.url}/v1/organizations`, {
        method: 'POST',
        headers: { ...bearer(TEST_ADMIN_KEY), 'content-type': 'application/json' },
        body: JSON.stringify({ name, kind: 'employer' }),
      });
      expect(response.status).toBe(201);
      return ((await response.json()) as { apiKey: string }).apiKey;
    };
    firstKey = await organization('Yangpu Assembly');
    secondKey = await organization('Minhang Plastics');
    proxy.taken();
  });

  afterAll(() => teardown.run());

  it('lets one key make RATE_LIMIT_PER_MINUTE requests through both instances together, then 429 from either', async () => {
    const allowed: Answer[] = [];
    for (let i = 0; i < LIMIT; i++) allowed.push(await get(`${proxy.url}/v1/inbox`, bearer(firstKey)));
    expect(allowed.map((answer) => answer.status)).toEqual(Array(LIMIT).fill(200));
    // One count: each answer, whichever instance gave it, has one request fewer left.
    expect(allowed.map((answer) => answer.remaining)).toEqual(Array.from({ length: LIMIT }, (_, i) => String(LIMIT - 1 - i)));
    const served = proxy.taken();
    expect(new Set(served.map((answer) => answer.instance))).toEqual(new Set([0, 1]));

    const refused = [await get(`${proxy.url}/v1/inbox`, bearer(firstKey)), await get(`${proxy.url}/v1/inbox`, bearer(firstKey))];
    for (const answer of refused) {
      expect(answer.status).toBe(429);
      expect(answer.body).toEqual({
        statusCode: 429,
        error: 'Too Many Requests',
        message: expect.stringMatching(
          new RegExp(`^Too many requests: at most ${LIMIT} a minute for one API key \\(or, without a key, one address\\); retry in \\d+ s\\.$`),
        ),
      });
      expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1);
      expect(Number(answer.retryAfter)).toBeLessThanOrEqual(60);
    }
    expect(proxy.taken()).toEqual([
      { instance: 0, status: 429 },
      { instance: 1, status: 429 },
    ]);

    // Another key has its whole allowance.
    expect(await get(`${proxy.url}/v1/inbox`, bearer(secondKey))).toMatchObject({ status: 200, remaining: String(LIMIT - 1) });
  });

  it('counts requests without a key by the client address the load balancer reports, which a client cannot forge', async () => {
    const client = { [CLIENT_ADDRESS]: '203.0.113.7' };
    for (let i = 0; i < LIMIT; i++) expect(await get(`${proxy.url}${MAP}`, client)).toMatchObject({ status: 200, remaining: String(LIMIT - 1 - i) });
    expect(await get(`${proxy.url}${MAP}`, client)).toMatchObject({ status: 429, body: { statusCode: 429, error: 'Too Many Requests' } });
    // A client writing another address into X-Forwarded-For: the load balancer appends the real one, the one trusted.
    expect(await get(`${proxy.url}${MAP}`, { ...client, 'x-forwarded-for': '198.51.100.23' })).toMatchObject({ status: 429 });
    // Another client, behind the same load balancer, has its own allowance.
    expect(await get(`${proxy.url}${MAP}`, { [CLIENT_ADDRESS]: '203.0.113.8' })).toMatchObject({ status: 200, remaining: String(LIMIT - 1) });
    expect(new Set(proxy.taken().map((answer) => answer.instance))).toEqual(new Set([0, 1]));
  });

  it('without TRUST_PROXY, counts the connection’s address: a forged X-Forwarded-For opens no fresh allowance', async () => {
    const direct = teardown.add(await listeningApi({ ...world.config, trustProxy: false }), (started) => started.app.close());
    for (let i = 0; i < LIMIT; i++) expect(await get(`${direct.url}${MAP}`, { 'x-forwarded-for': `198.51.100.${i + 1}` })).toMatchObject({ status: 200 });
    expect(await get(`${direct.url}${MAP}`, { 'x-forwarded-for': '198.51.100.99' })).toMatchObject({ status: 429 });
  });
});

describe('the rate limit while its Redis cannot be reached', () => {
  const teardown = new Teardown();
  let url: string;

  beforeAll(async () => {
    const world = teardown.add(await createTestWorld({ env: { RATE_LIMIT_PER_MINUTE: '1' } }), (started) => started.destroy());
    // Nothing listens there (the shared Redis is left alone); the world's own keys are cleaned on the real one.
    const api = await listeningApi({ ...world.config, redisUrl: `redis://127.0.0.1:${await freePort()}` });
    teardown.add(api, (started) => started.app.close());
    url = api.url;
  });

  afterAll(() => teardown.run());

  it('lets requests through uncounted, at once: never a 500, never a hang', async () => {
    for (let i = 0; i < 3; i++) {
      const started = Date.now();
      const answer = await get(`${url}/v1/deliveries`, bearer(TEST_ADMIN_KEY));
      expect(answer).toMatchObject({ status: 200, remaining: null });
      expect(Date.now() - started).toBeLessThan(2_000);
    }
  });
});
