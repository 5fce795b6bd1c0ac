import { MicroBatch } from './micro-batch';

describe('MicroBatch', () => {
  it('answers concurrent requests with one call, each with its own result', async () => {
    const calls: number[][] = [];
    const batch = new MicroBatch<number, number>((items) => {
      calls.push(items);
      return Promise.resolve(items.map((item) => item * 10));
    });
    const results = await Promise.all([1, 2, 3, 4].map((item) => batch.run(item)));
    expect(results).toEqual([10, 20, 30, 40]);
    expect(calls).toEqual([[1, 2, 3, 4]]);
  });

  it('cuts batches at the maximum size', async () => {
    const sizes: number[] = [];
    const batch = new MicroBatch<number, number>(
      (items) => {
        sizes.push(items.length);
        return Promise.resolve(items);
      },
      { maxSize: 3, maxWaitMs: 0 },
    );
    await Promise.all(Array.from({ length: 7 }, (_, i) => batch.run(i)));
    expect(sizes).toEqual([3, 3, 1]);
  });

  it('waits up to maxWaitMs for more requests', async () => {
    const calls: number[][] = [];
    const batch = new MicroBatch<number, number>(
      (items) => {
        calls.push(items);
        return Promise.resolve(items);
      },
      { maxSize: 100, maxWaitMs: 20 },
    );
    const first = batch.run(1);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await Promise.all([first, batch.run(2)]);
    expect(calls).toEqual([[1, 2]]);
  });

  it('rejects the requests of a handler that throws at once, instead of letting the error escape from its timer', async () => {
    const batch = new MicroBatch<number, number>(() => {
      throw new Error('bad statement');
    });
    const settled = await Promise.allSettled([batch.run(1), batch.run(2)]);
    expect(settled.map((result) => (result.status === 'rejected' ? (result.reason as Error).message : 'fulfilled'))).toEqual([
      'bad statement',
      'bad statement',
    ]);
  });

  it('rejects every request of a failed batch, and goes on with the next', async () => {
    let fail = true;
    const batch = new MicroBatch<number, number>((items) => (fail ? Promise.reject(new Error('database went away')) : Promise.resolve(items)));
    const settled = await Promise.allSettled([batch.run(1), batch.run(2)]);
    expect(settled.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    await expect(batch.run(3)).resolves.toBe(3);
  });

  it('rejects rather than misattributes when a handler gives the wrong number of results', async () => {
    const batch = new MicroBatch<number, number>(() => Promise.resolve([1]));
    const settled = await Promise.allSettled([batch.run(1), batch.run(2)]);
    expect(settled.every((result) => result.status === 'rejected')).toBe(true);
  });
});
