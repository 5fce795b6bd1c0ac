/**
 * The demo talks to the product the way a client does: over HTTP, API v1, with bearer keys. Every POST
 * carries an Idempotency-Key, so a retry after a dropped connection or a 429/503 creates nothing twice.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    what: string,
  ) {
    // The body is whatever the answer held: a JSON object with a message, other JSON, text or nothing.
    const message = typeof body === 'object' && body !== null && 'message' in body ? body.message : undefined;
    super(`${what} answered ${status}${typeof message === 'string' ? `: ${message}` : ''}`);
    this.name = 'ApiError';
  }
}

const RETRYABLE = new Set([429, 502, 503, 504]);

export class ApiClient {
  /** Requests made, for the report. */
  requests = 0;

  constructor(readonly baseUrl: string) {}

  get<T>(path: string, key: string): Promise<T> {
    return this.send<T>('GET', path, key);
  }

  post<T>(path: string, key: string, body: unknown, idempotencyKey: string): Promise<T> {
    return this.send<T>('POST', path, key, JSON.stringify(body), 'application/json', idempotencyKey);
  }

  patch<T>(path: string, key: string, body: unknown): Promise<T> {
    return this.send<T>('PATCH', path, key, JSON.stringify(body), 'application/json');
  }

  /** NDJSON: one object per line, as `POST /v1/candidates/bulk` takes it. */
  postNdjson<T>(path: string, key: string, lines: readonly unknown[], idempotencyKey: string): Promise<T> {
    return this.send<T>('POST', path, key, `${lines.map((line) => JSON.stringify(line)).join('\n')}\n`, 'application/x-ndjson', idempotencyKey);
  }

  private async send<T>(method: string, path: string, key: string, body?: string, contentType?: string, idempotencyKey?: string): Promise<T> {
    const what = `${method} ${path}`;
    for (let attempt = 1; ; attempt++) {
      let response: Response;
      try {
        this.requests += 1;
        response = await fetch(`${this.baseUrl}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${key}`,
            ...(contentType ? { 'content-type': contentType } : {}),
            ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
          },
          body,
          signal: AbortSignal.timeout(120_000),
        });
      } catch (error) {
        if (attempt >= 5) throw new Error(`${what} failed: ${(error as Error).message}`, { cause: error });
        await sleep(200 * attempt);
        continue;
      }
      const text = await response.text();
      if (RETRYABLE.has(response.status) && attempt < 8) {
        const retryAfter = Number(response.headers.get('retry-after'));
        await sleep(Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter, 30) * 1000 : 250 * attempt);
        continue;
      }
      const parsed: unknown = text === '' ? undefined : safeJson(text);
      if (!response.ok) throw new ApiError(response.status, parsed, what);
      return parsed as T;
    }
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs `work` over `items` with at most `limit` at once; results in the order of `items`. */
export async function inParallel<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index], index);
    }
  });
  await Promise.all(runners);
  return results;
}
