/**
 * Gathers single requests made at about the same moment into one call: `run(item)` resolves with the
 * item's own result once a batch of up to `maxSize` items, collected for at most `maxWaitMs` (0: until the
 * current turn of the event loop ends), has been handled by `handle`. Many concurrent jobs doing one
 * database read or write each become one statement per batch. A batch that fails rejects each of its
 * items with the error; `handle` must give back one result per item, in order.
 *
 * A batch is handled later, by whoever flushes it, on a connection of its own: never `run` one from inside
 * a transaction and wait for it there. The transaction would hold its connection while waiting for
 * another from the same pool, and enough of them at once exhaust the pool for good.
 */
export class MicroBatch<I, O> {
  private items: I[] = [];
  private waiters: { resolve: (value: O) => void; reject: (error: unknown) => void }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private scheduled = false;

  constructor(
    private readonly handle: (items: I[]) => Promise<O[]>,
    private readonly options: { maxSize: number; maxWaitMs: number } = { maxSize: 256, maxWaitMs: 0 },
  ) {}

  run(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.items.push(item);
      this.waiters.push({ resolve, reject });
      if (this.items.length >= this.options.maxSize) this.flush();
      else this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    if (this.options.maxWaitMs > 0)
      this.timer = setTimeout(() => {
        this.flush();
      }, this.options.maxWaitMs);
    else
      setImmediate(() => {
        this.flush();
      });
  }

  private flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.scheduled = false;
    if (this.items.length === 0) return;
    const items = this.items;
    const waiters = this.waiters;
    this.items = [];
    this.waiters = [];
    // Through a promise, so a handler that throws at once fails its waiters instead of escaping from a timer.
    Promise.resolve()
      .then(() => this.handle(items))
      .then(
        (results) => {
          if (results.length !== items.length) {
            const error = new Error(`a batch of ${items.length} gave ${results.length} results`);
            for (const waiter of waiters) waiter.reject(error);
            return;
          }
          waiters.forEach((waiter, index) => {
            waiter.resolve(results[index]);
          });
        },
        (error: unknown) => {
          for (const waiter of waiters) waiter.reject(error);
        },
      );
  }
}
