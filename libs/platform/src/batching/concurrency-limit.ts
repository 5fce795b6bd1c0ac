/**
 * Runs at most `limit` pieces of work at once; the rest wait their turn, first come first served. Work that
 * holds a scarce resource for its whole run (a pooled database connection inside a transaction) is bounded
 * by the resource, not by how many callers arrive together: a batch of any size then leaves the rest of
 * the pool free.
 */
export class ConcurrencyLimit {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly limit: number) {
    if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`a concurrency limit must be a whole number of at least 1, got ${limit}`);
  }

  /** Pieces of work running now. */
  get active(): number {
    return this.running;
  }

  /** Pieces of work waiting for a turn. */
  get queued(): number {
    return this.waiting.length;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running < this.limit) this.running++;
    // The turn is handed over by the one that finishes (`running` stays as it is), so no newcomer can jump the queue.
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next === undefined) this.running--;
      else next();
    }
  }
}

/**
 * Runs the work given for one key one after another, in the order given; work for different keys runs
 * side by side. What waits here holds nothing (no connection, no lock), unlike work that would queue
 * behind the same database lock.
 */
export class SerialByKey {
  private readonly tails = new Map<string, Promise<void>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    // After the previous piece settles, whether it succeeded or not.
    const result = previous.then(work);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Keys with work running or waiting. */
  get size(): number {
    return this.tails.size;
  }
}
