import { createHash } from 'node:crypto';
import pg from 'pg';

/**
 * Statements sent again and again are prepared once per connection and then only bound and executed:
 * PostgreSQL parses, analyzes and plans an unnamed statement every time it is sent, which for the short
 * statements of the pipeline (a count, a lock, an INSERT of a batch) costs as much as running them. Every
 * statement with parameters whose text has been sent before gets a name derived from its text; node-postgres
 * then sends its Parse once per connection (it remembers which names each connection has parsed). PostgreSQL
 * plans such a statement afresh for its first five runs and then keeps a generic plan if that is no
 * dearer, so the partial indexes are written so that a generic plan can use them (MatchStore's
 * OPEN_JOB_MATCH) and each one names its key (migration 1764800000000).
 *
 * Bounded: a text gets a name on its second sighting (a statement built once, with values inlined, never
 * does), and at most MAX_NAMED_STATEMENTS texts are named in a process; later ones run unnamed, as before.
 * Statements without parameters (BEGIN, COMMIT, migrations) go by the simple protocol as before.
 */
export const MAX_NAMED_STATEMENTS = 500;
/** Texts seen once, waiting for a second sighting; forgotten all at once when this many pile up. */
const MAX_SEEN_ONCE = 5_000;

export class StatementNames {
  private readonly named = new Map<string, string>();
  private readonly seenOnce = new Set<string>();

  constructor(private readonly limit = MAX_NAMED_STATEMENTS) {}

  /** The name for this text, or undefined to send it unnamed. */
  nameFor(text: string): string | undefined {
    const name = this.named.get(text);
    if (name !== undefined || this.named.size >= this.limit) return name;
    if (!this.seenOnce.has(text)) {
      if (this.seenOnce.size >= MAX_SEEN_ONCE) this.seenOnce.clear();
      this.seenOnce.add(text);
      return undefined;
    }
    this.seenOnce.delete(text);
    const given = `hg_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
    this.named.set(text, given);
    return given;
  }

  get size(): number {
    return this.named.size;
  }
}

/** One table of names per process: every connection of the pool prepares the same texts under the same names. */
const names = new StatementNames();

/**
 * node-postgres's client, naming the statements it sends again (see above). The pool is given it as its
 * `Client` (TypeORM passes `extra` on to the pool), so every statement of the process goes through it,
 * TypeORM's own included.
 */
export class PreparingClient extends pg.Client {
  // node-postgres's query() has many overloads; only (text, values[]) with values is rewritten.
  override query(...args: unknown[]): never {
    const [text, values] = args;
    if (typeof text === 'string' && Array.isArray(values) && values.length > 0) {
      const name = names.nameFor(text);
      if (name !== undefined) {
        const rest = args.slice(2);
        return (super.query as (...parameters: unknown[]) => never)({ name, text, values }, ...rest);
      }
    }
    return (super.query as (...parameters: unknown[]) => never)(...args);
  }
}
