/**
 * Counts a matcher keeps in memory so that it can rank without asking PostgreSQL: open job matches per
 * person, open matches per opening, open offers per slot. They are hints, and the two ways they can be
 * wrong differ. A count too low costs little: the write re-counts under row locks and refuses the row.
 * A count too high hides a person (or an offer) who has room, and nothing would ever show it; places are
 * freed where this process may not see it (another matcher, the API). So a count that says "full" is
 * believed only for `trustMs` after PostgreSQL last confirmed it; past that, whoever it would hide is
 * re-read before an answer is final (`rankRechecked`).
 */
export class CountHints {
  private readonly counts = new Map<string, number>();
  /** When PostgreSQL last confirmed each count (epoch ms). */
  private readonly confirmedAt = new Map<string, number>();

  constructor(
    readonly trustMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  get size(): number {
    return this.counts.size;
  }

  get(id: string): number {
    return this.counts.get(id) ?? 0;
  }

  /** The count as PostgreSQL has it now (read from the rows, or written by this process under a lock). */
  set(id: string, count: number): void {
    if (count > 0) {
      this.counts.set(id, count);
      this.confirmedAt.set(id, this.clock());
    } else {
      // Nothing held: nothing to hide anyone with, and no memory spent on the many who hold nothing.
      this.forget(id);
    }
  }

  /** Replaces every count at once (the build of the index), all confirmed now. */
  replaceAll(counts: ReadonlyMap<string, number>): void {
    this.counts.clear();
    this.confirmedAt.clear();
    for (const [id, count] of counts) this.set(id, count);
  }

  forget(id: string): void {
    this.counts.delete(id);
    this.confirmedAt.delete(id);
  }

  /** Whether the count was confirmed by PostgreSQL within the trust window. */
  trusted(id: string): boolean {
    const at = this.confirmedAt.get(id);
    return at !== undefined && this.clock() - at < this.trustMs;
  }
}

/**
 * Ranks with counts that may be stale, and makes sure no count hides anyone: `rank` is the engine's
 * answer given a count per id; the ids it was told are full (`isFull`) and whose counts are not trusted
 * are re-read, all in one `reread` (one query), and the answer is ranked again while a re-read count
 * shows room. The engine asks for the count of everyone who would make its answer if they had room (and
 * of no one else among those with room, by its property tests), so this costs nothing when no count
 * says full, and one query for the few it does.
 */
export async function rankRechecked<T>(
  rank: (countOf: (id: string) => number) => T,
  hints: CountHints,
  isFull: (id: string, count: number) => boolean,
  reread: (ids: string[]) => Promise<ReadonlyMap<string, number>>,
): Promise<T> {
  const checked = new Set<string>();
  for (;;) {
    const unsure = new Set<string>();
    const answer = rank((id) => {
      const count = hints.get(id);
      if (isFull(id, count) && !checked.has(id) && !hints.trusted(id)) unsure.add(id);
      return count;
    });
    if (unsure.size === 0) return answer;
    const ids = [...unsure];
    const counts = await reread(ids);
    let room = false;
    for (const id of ids) {
      checked.add(id);
      const count = counts.get(id) ?? 0;
      hints.set(id, count);
      if (!isFull(id, count)) room = true;
    }
    if (!room) return answer;
  }
}
