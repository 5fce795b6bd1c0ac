/**
 * The receivers the product delivers to during the benchmark, in the bench's own process so that their
 * clock is the clock the requests were scheduled on:
 * - the caseworkers' webhook sink: each caseworker's webhook URL is `<sink>/caseworkers/<desk>`; it notes
 *   when each candidate list arrived (first arrival per webhook-id: a retry is not a new list), for which
 *   offer and with how many people, and answers 204 at once;
 * - the worker gateway: counts offers, and keeps each offer's slot and redemption code so that the soak
 *   can redeem some, as a merchant would when the worker shows the code.
 * Neither checks signatures: the notifier's signing is measured by bench:notify, and a check here would
 * only add the bench's own CPU to the machine the product runs on.
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { randomBytes } from 'node:crypto';

export interface ListArrival {
  offerId: string;
  desk: number;
  people: number;
  /** The list's first match (the soak moves some on, as a caseworker would). */
  matchId: string | undefined;
  /** performance.now() when the body had arrived. */
  at: number;
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('a sink has no TCP address');
  return address.port;
}

function readBody(request: IncomingMessage, done: (body: string) => void): void {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    done(Buffer.concat(chunks).toString('utf8'));
  });
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => {
    server.close(() => {
      resolve();
    });
  });
}

export class CaseworkerSink {
  readonly lists: ListArrival[] = [];
  /** Webhooks of other types (match summaries, digests, reminders), by type. */
  readonly others = new Map<string, number>();
  private readonly seen = new Set<string>();
  duplicates = 0;

  private constructor(
    private readonly server: Server,
    readonly baseUrl: string,
  ) {}

  static async start(): Promise<CaseworkerSink> {
    const server = createServer({ keepAliveTimeout: 60_000 });
    const port = await listen(server);
    const sink = new CaseworkerSink(server, `http://127.0.0.1:${port}`);
    // Nobody knows the port before this line, so no request comes before the handler that records it.
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      readBody(request, (body) => {
        sink.receive(request, body, performance.now());
        response.writeHead(204).end();
      });
    });
    return sink;
  }

  urlFor(desk: number): string {
    return `${this.baseUrl}/caseworkers/${desk}`;
  }

  private receive(request: IncomingMessage, body: string, at: number): void {
    const id = request.headers['webhook-id'];
    if (typeof id === 'string') {
      if (this.seen.has(id)) {
        this.duplicates += 1;
        return;
      }
      this.seen.add(id);
    }
    let parsed: { type?: unknown; payload?: { offer?: { id?: unknown }; matches?: unknown } };
    try {
      parsed = JSON.parse(body) as typeof parsed;
    } catch {
      this.others.set('unreadable', (this.others.get('unreadable') ?? 0) + 1);
      return;
    }
    const type = typeof parsed.type === 'string' ? parsed.type : 'unknown';
    const offerId = parsed.payload?.offer?.id;
    const matches = parsed.payload?.matches;
    if (type !== 'candidate_list' || typeof offerId !== 'string' || !Array.isArray(matches)) {
      this.others.set(type, (this.others.get(type) ?? 0) + 1);
      return;
    }
    const desk = Number(/\/caseworkers\/(\d+)/.exec(request.url ?? '')?.at(1) ?? -1);
    const firstMatch: unknown = matches.at(0);
    const matchId =
      typeof firstMatch === 'object' && firstMatch !== null && 'matchId' in firstMatch && typeof firstMatch.matchId === 'string'
        ? firstMatch.matchId
        : undefined;
    this.lists.push({ offerId, desk, people: matches.length, matchId, at });
  }

  close(): Promise<void> {
    return close(this.server);
  }
}

export interface HeldOffer {
  slotId: string;
  code: string;
}

export class WorkerGatewaySink {
  offers = 0;
  /** Codes not redeemed yet, oldest first (a few thousand at most are kept). */
  readonly codes: HeldOffer[] = [];
  readonly secret = `whsec_${randomBytes(32).toString('base64')}`;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<WorkerGatewaySink> {
    const server = createServer({ keepAliveTimeout: 60_000 });
    const port = await listen(server);
    const gateway = new WorkerGatewaySink(server, `http://127.0.0.1:${port}/offers`);
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      readBody(request, (body) => {
        gateway.receive(body);
        response.writeHead(204).end();
      });
    });
    return gateway;
  }

  private receive(body: string): void {
    this.offers += 1;
    try {
      const payload = (JSON.parse(body) as { payload?: { slot?: { id?: unknown }; redemptionCode?: unknown } }).payload;
      const slotId = payload?.slot?.id;
      const code = payload?.redemptionCode;
      if (typeof slotId === 'string' && typeof code === 'string' && code !== '' && this.codes.length < 5_000) this.codes.push({ slotId, code });
    } catch {
      // counted; nothing to keep
    }
  }

  close(): Promise<void> {
    return close(this.server);
  }
}
