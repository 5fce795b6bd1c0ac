/** What became of one item of a group: its value, or its own error. */
export type Settled<O> = { ok: true; value: O } | { ok: false; error: unknown };

export interface GroupCommitOptions {
  /** At most so many items in one group. */
  maxSize: number;
  /** At most so many groups being written at once (each holds a database connection while it is). */
  maxInFlight: number;
}

interface Waiting<I, O> {
  item: I;
  resolve: (value: O) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: writes asked for at about the same moment are written together, one transaction and one
 * flush to disk for the group instead of one each. A group starts at the end of the current turn of the
 * event loop when fewer than `maxInFlight` are being written, so a lone write waits no longer than that;
 * under load, the writes that arrive while the groups in flight commit wait and form the next ones, so
 * groups grow with the load by themselves. `commit` settles each item on its own (one item's failure is
 * its own, see UnitOfWork.runGrouped); if it throws, or gives back the wrong number of outcomes, every
 * item of the group fails with that error.
 *
 * The group is written in the async context of whoever started it, not of each item's caller: anything
 * an item needs from its own context must travel in the item.
 */
export class GroupCommit<I, O> {
  private waiting: Waiting<I, O>[] = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(
    private readonly commit: (items: I[]) => Promise<Settled<O>[]>,
    private readonly options: GroupCommitOptions,
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.options.maxInFlight || this.waiting.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.startGroups();
    });
  }

  private startGroups(): void {
    while (this.inFlight < this.options.maxInFlight && this.waiting.length > 0) {
      const group = this.waiting.splice(0, this.options.maxSize);
      this.inFlight++;
      // Through a promise, so a commit that throws at once fails its group instead of escaping.
      Promise.resolve()
        .then(() => this.commit(group.map((waiting) => waiting.item)))
        .then(
          (outcomes) => {
            if (outcomes.length !== group.length) {
              const error = new Error(`a group of ${group.length} writes gave ${outcomes.length} outcomes`);
              for (const waiting of group) waiting.reject(error);
              return;
            }
            group.forEach((waiting, index) => {
              const outcome = outcomes[index];
              if (outcome.ok) waiting.resolve(outcome.value);
              else waiting.reject(outcome.error);
            });
          },
          (error: unknown) => {
            for (const waiting of group) waiting.reject(error);
          },
        )
        .finally(() => {
          this.inFlight--;
          this.schedule();
        });
    }
  }
}

/**
 * The usual `commit` of a GroupCommit whose items each take one request: `work` does the whole group at
 * once (one transaction) and answers one value per item, in order. If it fails, it is done again for each
 * item alone, one after the other (as the group was, so that they never wait for each other's locks), and
 * each item settles with its own outcome: one bad item fails alone.
 */
export async function settleTogether<I, O>(items: I[], work: (some: I[]) => Promise<O[]>): Promise<Settled<O>[]> {
  try {
    return (await work(items)).map((value) => ({ ok: true, value }));
  } catch (error) {
    if (items.length === 1) return [{ ok: false, error }];
    const settled: Settled<O>[] = [];
    for (const item of items) {
      try {
        const [value] = await work([item]);
        settled.push({ ok: true, value });
      } catch (alone) {
        settled.push({ ok: false, error: alone });
      }
    }
    return settled;
  }
}
