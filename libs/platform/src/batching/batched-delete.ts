/** Rows at most one statement of a purge deletes: a short statement, holding its row locks briefly. */
export const PURGE_BATCH_ROWS = 5_000;
/** The pause between two batches of a purge, so that it never keeps the table (or the disk) busy for long. */
export const PURGE_PAUSE_MS = 100;

export interface BatchedDeleteOptions {
  batchRows?: number;
  pauseMs?: number;
  /** Checked before each batch: a purge stopped half way is taken up by the next one. */
  isStopping?: () => boolean;
}

/**
 * Deletes in batches: `deleteBatch(limit)` deletes at most `limit` rows in one statement of its own and
 * answers how many it did; batches follow, with a pause between them, until one deletes fewer than the
 * limit (nothing is left) or the process stops. Returns how many rows were deleted.
 */
export async function deleteInBatches(deleteBatch: (limit: number) => Promise<number>, options: BatchedDeleteOptions = {}): Promise<number> {
  const limit = options.batchRows ?? PURGE_BATCH_ROWS;
  const pauseMs = options.pauseMs ?? PURGE_PAUSE_MS;
  let deleted = 0;
  for (let first = true; options.isStopping?.() !== true; first = false) {
    if (!first && pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    const count = await deleteBatch(limit);
    deleted += count;
    if (count < limit) break;
  }
  return deleted;
}
