import { deleteInBatches } from './batched-delete';

describe('deleteInBatches', () => {
  it('deletes batch after batch until one is short, pausing between them', async () => {
    let left = 12;
    const limits: number[] = [];
    const started: number[] = [];
    const deleted = await deleteInBatches(
      (limit) => {
        limits.push(limit);
        started.push(Date.now());
        const count = Math.min(limit, left);
        left -= count;
        return Promise.resolve(count);
      },
      { batchRows: 5, pauseMs: 20 },
    );
    expect(deleted).toBe(12);
    expect(limits).toEqual([5, 5, 5]);
    for (let i = 1; i < started.length; i++) expect(started[i] - started[i - 1]).toBeGreaterThanOrEqual(15);
  });

  it('asks once more after a full batch, and stops there when nothing is left', async () => {
    const counts = [5, 0];
    expect(await deleteInBatches(() => Promise.resolve(counts.shift() ?? 0), { batchRows: 5, pauseMs: 0 })).toBe(5);
    expect(counts).toEqual([]);
  });

  it('stops before the next batch once the process is stopping', async () => {
    let batches = 0;
    const deleted = await deleteInBatches(
      (limit) => {
        batches++;
        return Promise.resolve(limit);
      },
      { batchRows: 5, pauseMs: 0, isStopping: () => batches >= 2 },
    );
    expect({ batches, deleted }).toEqual({ batches: 2, deleted: 10 });
  });

  it('lets a failed batch throw, keeping what earlier batches did', async () => {
    let batches = 0;
    await expect(
      deleteInBatches(
        () => {
          batches++;
          return batches === 1 ? Promise.resolve(5) : Promise.reject(new Error('connection lost'));
        },
        { batchRows: 5, pauseMs: 0 },
      ),
    ).rejects.toThrow('connection lost');
    expect(batches).toBe(2);
  });
});
