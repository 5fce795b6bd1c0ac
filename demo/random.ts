/** A seeded pseudo-random source: the same seed gives the same demo, run after run. */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** mulberry32: small, fast, good enough for synthetic data. A number in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** A whole number from `min` to `max`, both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** One of the items, each as likely as its weight. */
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    const total = items.reduce((sum, [, weight]) => sum + weight, 0);
    let roll = this.next() * total;
    for (const [item, weight] of items) {
      roll -= weight;
      if (roll < 0) return item;
    }
    return items[items.length - 1][0];
  }

  /** `count` distinct items, in the order drawn. */
  sample<T>(items: readonly T[], count: number): T[] {
    const pool = [...items];
    const drawn: T[] = [];
    while (drawn.length < count && pool.length > 0) drawn.push(pool.splice(Math.floor(this.next() * pool.length), 1)[0]);
    return drawn;
  }

  /** Roughly normal (the mean of three uniforms), centred on 0 with a standard deviation of about `sd`. */
  gaussian(sd: number): number {
    return ((this.next() + this.next() + this.next()) / 3 - 0.5) * sd * 6;
  }

  /** A point scattered around `centre`, about `spreadKm` in each direction. */
  near(centre: { lat: number; lng: number }, spreadKm: number): { lat: number; lng: number } {
    const lat = centre.lat + this.gaussian(spreadKm) / 111;
    const lng = centre.lng + this.gaussian(spreadKm) / (111 * Math.cos((centre.lat * Math.PI) / 180));
    return { lat: Math.round(lat * 1e5) / 1e5, lng: Math.round(lng * 1e5) / 1e5 };
  }
}
