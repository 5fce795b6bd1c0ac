/**
 * Progress while the demo loads and matches: one line rewritten in place on a terminal, plain lines (at
 * most one every few seconds per step) when the output goes to a file or a pipe.
 */
export class Progress {
  private lastPlain = 0;
  private lastText = '';
  private drawn = false;

  constructor(
    // process.stdout is typed as a terminal, but piped or redirected it has no isTTY and no columns.
    private readonly out: Pick<NodeJS.WriteStream, 'write'> & { readonly isTTY?: boolean; readonly columns?: number } = process.stdout,
    private readonly plainEveryMs = 3_000,
  ) {}

  private get tty(): boolean {
    return this.out.isTTY === true;
  }

  /** The current state of a step; `force` prints a plain line even if one was printed just now. */
  update(text: string, force = false): void {
    if (this.tty) {
      const width = (this.out.columns ?? 100) - 1;
      this.out.write(`\r\x1b[2K${text.length > width ? `${text.slice(0, width - 1)}…` : text}`);
      this.drawn = true;
      return;
    }
    const now = Date.now();
    if (!force && (now - this.lastPlain < this.plainEveryMs || text === this.lastText)) return;
    this.lastPlain = now;
    this.lastText = text;
    this.out.write(`${text}\n`);
  }

  /** The final state of a step, always printed, on a line of its own. */
  done(text: string): void {
    if (this.tty) {
      this.out.write(`\r\x1b[2K${text}\n`);
      this.drawn = false;
    } else {
      this.out.write(`${text}\n`);
    }
    this.lastPlain = 0;
    this.lastText = '';
  }

  /** A message between updates (a warning, say), without leaving a half-drawn line above it. */
  say(text: string): void {
    if (this.tty && this.drawn) this.out.write('\r\x1b[2K');
    this.drawn = false;
    this.out.write(`${text}\n`);
  }
}

export const count = (n: number): string => n.toLocaleString('en');
export const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
