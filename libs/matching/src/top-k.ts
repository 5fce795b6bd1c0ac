/**
 * The best k of a stream, kept in a binary heap whose root is the worst kept: each offer costs log k,
 * and nothing is allocated per item. `better(a, b)` orders two kept entries.
 */
export class TopK<T> {
  private readonly items: T[] = [];

  constructor(
    private readonly k: number,
    private readonly better: (a: T, b: T) => boolean,
  ) {}

  /** Whether k items are kept: from then on an item must beat `worst` to get in. */
  get full(): boolean {
    return this.items.length >= this.k;
  }

  /** The worst kept item (the root of the heap). */
  get worst(): T {
    return this.items[0];
  }

  /** Whether `item` would be kept: cheaper to ask before building it. */
  admits(item: T): boolean {
    return this.items.length < this.k || this.better(item, this.items[0]);
  }

  offer(item: T): void {
    const items = this.items;
    if (items.length < this.k) {
      items.push(item);
      let i = items.length - 1;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!this.better(items[parent], items[i])) break;
        [items[parent], items[i]] = [items[i], items[parent]];
        i = parent;
      }
    } else if (this.k > 0 && this.better(item, items[0])) {
      items[0] = item;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let worst = i;
        if (left < items.length && this.better(items[worst], items[left])) worst = left;
        if (right < items.length && this.better(items[worst], items[right])) worst = right;
        if (worst === i) break;
        [items[worst], items[i]] = [items[i], items[worst]];
        i = worst;
      }
    }
  }

  /** The kept items, best first. */
  sorted(): T[] {
    return [...this.items].sort((a, b) => (this.better(a, b) ? -1 : this.better(b, a) ? 1 : 0));
  }
}
