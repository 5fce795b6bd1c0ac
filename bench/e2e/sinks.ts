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
  /**
   * The notification's createdAt: the lists recorded together (one batch of new matches of the offer,
   * one transaction) share it, which tells an offer's first answer from later additions to it.
   */
  batch: string;
  /** The list's first match (the soak moves some on, as a caseworker would). */
  matchId: string | undefined;
  /** The people in the list, kept only when `keepPeople` is on (the soak's). */
  candidateIds: string[] | undefined;
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
  /** Keep each list's people (memory: off for the bulk phases, where lists reach millions of people). */
  keepPeople = false;

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
    let parsed: { type?: unknown; createdAt?: unknown; payload?: { offer?: { id?: unknown }; matches?: unknown } };
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
    const field = (match: unknown, name: 'matchId' | 'candidateId'): string | undefined => {
      if (typeof match !== 'object' || match === null || !(name in match)) return undefined;
      const value: unknown = (match as Record<string, unknown>)[name];
      return typeof value === 'string' ? value : undefined;
    };
    const matchId = field(matches.at(0), 'matchId');
    const candidateIds = this.keepPeople ? matches.flatMap((match) => field(match, 'candidateId') ?? []) : undefined;
    const batch = typeof parsed.createdAt === 'string' ? parsed.createdAt : '';
    this.lists.push({ offerId, desk, people: matches.length, batch, matchId, candidateIds, at });
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

export interface Answered {
  offerId: string;
  dueAt: number;
  at: number;
  people: number;
}

/**
 * Each opening's answer: the lists of its first batch (one per desk holding someone matched), timed from
 * when the opening was due. A later batch adds to an opening (someone registered since who fits it) and
 * is not its answer; nor is a first batch made only of people the bench registered or changed after the
 * opening was due (the opening had matched no one, and a newcomer filled it): `touchedAt` says when the
 * bench last registered or changed a person, if it did.
 */
export function openingAnswers(
  lists: readonly ListArrival[],
  dueAt: ReadonlyMap<string, number>,
  touchedAt?: ReadonlyMap<string, number>,
): { answers: Answered[]; later: number } {
  const firstBatch = new Map<string, string>();
  for (const list of lists) {
    if (!dueAt.has(list.offerId)) continue;
    const known = firstBatch.get(list.offerId);
    if (known === undefined || list.batch < known) firstBatch.set(list.offerId, list.batch);
  }
  const answers: Answered[] = [];
  let later = 0;
  for (const list of lists) {
    const due = dueAt.get(list.offerId);
    if (due === undefined) continue;
    const newcomers = touchedAt !== undefined && list.candidateIds !== undefined && list.candidateIds.every((id) => (touchedAt.get(id) ?? -Infinity) > due);
    if (firstBatch.get(list.offerId) !== list.batch || newcomers) later += 1;
    else answers.push({ offerId: list.offerId, dueAt: due, at: list.at, people: list.people });
  }
  return { answers, later };
}
