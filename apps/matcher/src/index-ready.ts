import { Injectable } from '@nestjs/common';

/**
 * Says when this matcher's index is built. DomainEventsProcessor builds it at start, in the background;
 * whatever must not meet an empty index (the ticks' worker) waits for it here.
 */
@Injectable()
export class IndexReady {
  private markBuilt!: () => void;
  /** Resolves once the index is built (never, if the matcher stops first). */
  readonly built = new Promise<void>((resolve) => {
    this.markBuilt = resolve;
  });

  markAsBuilt(): void {
    this.markBuilt();
  }
}
