import { ConcurrencyLimit, SerialByKey } from './concurrency-limit';

/** A piece of work that runs until the test lets it finish. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('ConcurrencyLimit', () => {
  it('runs at most `limit` pieces at once, the rest in the order they came', async () => {
    const limit = new ConcurrencyLimit(2);
    const gates = Array.from({ length: 5 }, gate);
    const started: number[] = [];
    const done = gates.map((g, i) =>
      limit.run(async () => {
        started.push(i);
        await g.promise;
        return i;
      }),
    );
    await turn();
    expect(started).toEqual([0, 1]);
    expect([limit.active, limit.queued]).toEqual([2, 3]);
    gates[1].open();
    await turn();
    expect(started).toEqual([0, 1, 2]);
    for (const g of gates) g.open();
    expect(await Promise.all(done)).toEqual([0, 1, 2, 3, 4]);
    expect([limit.active, limit.queued]).toEqual([0, 0]);
  });

  it('gives the turn on when a piece fails', async () => {
    const limit = new ConcurrencyLimit(1);
    const failed = limit.run(() => Promise.reject(new Error('no')));
    const next = limit.run(() => Promise.resolve('ran'));
    await expect(failed).rejects.toThrow('no');
    await expect(next).resolves.toBe('ran');
    expect(limit.active).toBe(0);
  });

  it('refuses a limit below 1', () => {
    expect(() => new ConcurrencyLimit(0)).toThrow(RangeError);
    expect(() => new ConcurrencyLimit(1.5)).toThrow(RangeError);
  });
});

describe('SerialByKey', () => {
  it('runs the work of one key one after another, and different keys side by side', async () => {
    const serial = new SerialByKey();
    const a1 = gate();
    const log: string[] = [];
    const first = serial.run('a', async () => {
      log.push('a1');
      await a1.promise;
    });
    const second = serial.run('a', () => {
      log.push('a2');
      return Promise.resolve();
    });
    const other = serial.run('b', () => {
      log.push('b1');
      return Promise.resolve();
    });
    await other;
    expect(log).toEqual(['a1', 'b1']);
    a1.open();
    await Promise.all([first, second]);
    expect(log).toEqual(['a1', 'b1', 'a2']);
    await turn();
    expect(serial.size).toBe(0);
  });

  it('goes on after a failure, which reaches only its own caller', async () => {
    const serial = new SerialByKey();
    const failed = serial.run('a', () => Promise.reject(new Error('no')));
    const next = serial.run('a', () => Promise.resolve('ran'));
    await expect(failed).rejects.toThrow('no');
    await expect(next).resolves.toBe('ran');
  });
});
