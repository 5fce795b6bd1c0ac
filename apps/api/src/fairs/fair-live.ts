import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { fairBoardTotals } from '@huigong/domain';
import { FairStore } from '@huigong/persistence';
import { DataSource } from 'typeorm';
import type { FairBoardView } from './fair.view';

/** The board is read at most once a second, and sent only when a count changed. */
export const LIVE_BOARD_INTERVAL_MS = 1_000;

type Listener = (board: FairBoardView) => void;

interface Watch {
  listeners: Set<Listener>;
  last: FairBoardView | null;
  lastCounts: string;
  timer: NodeJS.Timeout | undefined;
  stopped: boolean;
}

/**
 * The live boards of the fairs someone is watching in this process: one reader per fair however many
 * screens watch it, reading the counts from PostgreSQL (so every API instance shows the same truth) at most
 * once a second, the next read starting a second after the last one ended, so a slow database is not asked
 * faster than it answers. A new watcher gets the last board at once.
 */
@Injectable()
export class FairLiveBoard implements OnApplicationShutdown {
  private readonly logger = new Logger(FairLiveBoard.name);
  private readonly watches = new Map<string, Watch>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly fairs: FairStore,
  ) {}

  /** The board now. */
  async read(fairId: string): Promise<FairBoardView> {
    const openings = await this.fairs.boardCounts(this.dataSource.manager, fairId);
    const { employers, totals } = fairBoardTotals(openings);
    return { fairId, at: new Date().toISOString(), totals, employers, openings };
  }

  /** Calls `listener` with the board now and whenever a count changes; answers how to stop. */
  watch(fairId: string, listener: Listener): () => void {
    let watch = this.watches.get(fairId);
    if (watch === undefined) {
      watch = { listeners: new Set(), last: null, lastCounts: '', timer: undefined, stopped: false };
      this.watches.set(fairId, watch);
      void this.poll(fairId, watch);
    } else if (watch.last !== null) listener(watch.last);
    watch.listeners.add(listener);
    const current = watch;
    return () => {
      current.listeners.delete(listener);
      if (current.listeners.size > 0) return;
      current.stopped = true;
      clearTimeout(current.timer);
      if (this.watches.get(fairId) === current) this.watches.delete(fairId);
    };
  }

  onApplicationShutdown(): void {
    for (const watch of this.watches.values()) {
      watch.stopped = true;
      clearTimeout(watch.timer);
    }
    this.watches.clear();
  }

  private async poll(fairId: string, watch: Watch): Promise<void> {
    try {
      const board = await this.read(fairId);
      const counts = JSON.stringify([board.totals, board.openings]);
      if (!watch.stopped && counts !== watch.lastCounts) {
        watch.last = board;
        watch.lastCounts = counts;
        for (const listener of watch.listeners) listener(board);
      }
    } catch (error) {
      // PostgreSQL away for a moment: the screens keep the last board, and the next read tries again.
      this.logger.warn(`The live board of fair ${fairId} could not be read: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (watch.stopped) return;
    watch.timer = setTimeout(() => void this.poll(fairId, watch), LIVE_BOARD_INTERVAL_MS);
    watch.timer.unref();
  }
}
