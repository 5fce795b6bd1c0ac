/**
 * The bench as an HTTP client of API v1: undici's pool with keep-alive (fetch costs the bench several
 * times the CPU per request, and the bench shares the machine with the product), a bearer key and an
 * Idempotency-Key on every POST as the contract asks. Two ways of driving it:
 * - closed loop: N clients, each sending its next request when the last was answered (intake);
 * - open loop: send times fixed in advance at a rate, each request sent at its time whether or not earlier
 *   ones were answered, and its latency counted from that time, not from when it could be sent: a
 *   stalled server cannot hide its stall by slowing the client down (coordinated omission).
 */
import { randomUUID } from 'node:crypto';
import { Pool } from 'undici';
import { sleep } from '../../demo/api-client';

export interface Answer {
  status: number;
  /** The answer's JSON body, or undefined if it had none or was not JSON. */
  body: unknown;
  /** performance.now() when the whole answer had arrived. */
  at: number;
  /** Transport error (connection reset, time-out), when there was no answer. */
  error?: string;
}

export class HttpDriver {
  private readonly pool: Pool;

  constructor(baseUrl: string, connections: number) {
    this.pool = new Pool(baseUrl, { connections, pipelining: 1, keepAliveTimeout: 60_000, headersTimeout: 120_000, bodyTimeout: 120_000 });
  }

  async post(path: string, key: string, body: unknown): Promise<Answer> {
    return this.send('POST', path, key, JSON.stringify(body));
  }

  async send(method: 'POST' | 'PATCH' | 'GET', path: string, key: string, body?: string): Promise<Answer> {
    try {
      const response = await this.pool.request({
        method,
        path,
        headers: {
          authorization: `Bearer ${key}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(method === 'POST' ? { 'idempotency-key': randomUUID() } : {}),
        },
        body,
      });
      const text = await response.body.text();
      let parsed: unknown;
      try {
        parsed = text === '' ? undefined : JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      return { status: response.statusCode, body: parsed, at: performance.now() };
    } catch (error) {
      return { status: 0, body: undefined, at: performance.now(), error: error instanceof Error ? error.message : String(error) };
    }
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/** The `id` of an answer's body, if it has one. */
export function idOf(answer: Answer): string | undefined {
  const body = answer.body;
  if (typeof body !== 'object' || body === null || !('id' in body)) return undefined;
  return typeof body.id === 'string' ? body.id : undefined;
}

export interface Sent {
  /** When the request was due (open loop) or sent (closed loop), performance.now(). */
  at: number;
  answer: Answer;
}

/**
 * `clients` loops, each sending `next()` after its previous answer, until `durationMs` has passed since
 * the first send. Every request started before the end is waited for and counted.
 */
export async function closedLoop(clients: number, durationMs: number, next: () => Promise<Answer>): Promise<{ sent: Sent[]; wallMs: number }> {
  const sent: Sent[] = [];
  const started = performance.now();
  const until = started + durationMs;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < until) {
        const at = performance.now();
        sent.push({ at, answer: await next() });
      }
    }),
  );
  return { sent, wallMs: performance.now() - started };
}

/**
 * Sends `count` requests at `perSecond`, the i-th due at start + i / perSecond, whatever became of the
 * earlier ones. Resolves once every request has its answer or `answerDeadlineMs` after the last was due
 * (requests still unanswered then are reported as such, with no answer).
 */
export async function openLoop(
  perSecond: number,
  count: number,
  send: (index: number, dueAt: number) => Promise<Answer>,
  answerDeadlineMs: number,
): Promise<{ sent: (Sent | { at: number; answer: undefined })[]; lastDueAt: number; firstDueAt: number }> {
  const firstDueAt = performance.now() + 20;
  const dueAt = (index: number) => firstDueAt + (index * 1000) / perSecond;
  const results: (Sent | { at: number; answer: undefined })[] = Array.from({ length: count }, (_, index) => ({ at: dueAt(index), answer: undefined }));
  const pending: Promise<void>[] = [];
  let index = 0;
  while (index < count) {
    const now = performance.now();
    // Everything due by now goes out at once: a late timer must not thin the schedule out.
    while (index < count && dueAt(index) <= now) {
      const i = index++;
      pending.push(
        send(i, dueAt(i)).then((answer) => {
          results[i] = { at: dueAt(i), answer };
        }),
      );
    }
    if (index < count) await sleep(Math.max(0, dueAt(index) - performance.now()));
  }
  const lastDueAt = dueAt(count - 1);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, lastDueAt + answerDeadlineMs - performance.now()));
  });
  await Promise.race([Promise.all(pending), deadline]);
  clearTimeout(timer);
  return { sent: results, lastDueAt, firstDueAt };
}
