import { GroupCommit, type Settled, settleTogether } from './group-commit';

/** A commit whose groups finish when the test says so. */
function controlledCommit() {
  const groups: { items: number[]; finish: (outcomes?: Settled<number>[]) => void; fail: (error: Error) => void }[] = [];
  const commit = (items: number[]) =>
    new Promise<Settled<number>[]>((resolve, reject) => {
      groups.push({
        items,
        finish: (outcomes) => {
          resolve(outcomes ?? items.map((item) => ({ ok: true, value: item * 10 })));
        },
        fail: reject,
      });
    });
  return { groups, commit };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('GroupCommit', () => {
  it('writes what arrives in one turn as one group, each caller getting its own value', async () => {
    const { groups, commit } = controlledCommit();
    const writer = new GroupCommit(commit, { maxSize: 64, maxInFlight: 2 });
    const results = Promise.all([1, 2, 3].map((item) => writer.submit(item)));
    await turn();
    expect(groups.map((group) => group.items)).toEqual([[1, 2, 3]]);
    groups[0].finish();
    await expect(results).resolves.toEqual([10, 20, 30]);
  });

  it('holds what arrives while maxInFlight groups are being written, and writes it together when one is done', async () => {
    const { groups, commit } = controlledCommit();
    const writer = new GroupCommit(commit, { maxSize: 64, maxInFlight: 1 });
    const first = writer.submit(1);
    await turn();
    const later = [2, 3, 4].map((item) => writer.submit(item));
    await turn();
    expect(groups.map((group) => group.items)).toEqual([[1]]);
    groups[0].finish();
    await first;
    await turn();
    await turn();
    expect(groups.map((group) => group.items)).toEqual([[1], [2, 3, 4]]);
    groups[1].finish();
    await expect(Promise.all(later)).resolves.toEqual([20, 30, 40]);
  });

  it('cuts groups at maxSize, and starts as many at once as maxInFlight allows', async () => {
    const { groups, commit } = controlledCommit();
    const writer = new GroupCommit(commit, { maxSize: 2, maxInFlight: 2 });
    const all = Promise.all([1, 2, 3, 4, 5].map((item) => writer.submit(item)));
    await turn();
    expect(groups.map((group) => group.items)).toEqual([
      [1, 2],
      [3, 4],
    ]);
    groups[0].finish();
    await turn();
    await turn();
    expect(groups.map((group) => group.items)).toEqual([[1, 2], [3, 4], [5]]);
    groups[1].finish();
    groups[2].finish();
    await expect(all).resolves.toEqual([10, 20, 30, 40, 50]);
  });

  it('settles each item with its own outcome', async () => {
    const { groups, commit } = controlledCommit();
    const writer = new GroupCommit(commit, { maxSize: 64, maxInFlight: 1 });
    const settled = Promise.allSettled([1, 2].map((item) => writer.submit(item)));
    await turn();
    groups[0].finish([
      { ok: false, error: new Error('this one lost its race') },
      { ok: true, value: 20 },
    ]);
    const [first, second] = await settled;
    expect(first.status === 'rejected' && (first.reason as Error).message).toBe('this one lost its race');
    expect(second).toEqual({ status: 'fulfilled', value: 20 });
  });

  it('fails every item of a group whose commit fails, and goes on with the next group', async () => {
    const { groups, commit } = controlledCommit();
    const writer = new GroupCommit(commit, { maxSize: 64, maxInFlight: 1 });
    const settled = Promise.allSettled([1, 2].map((item) => writer.submit(item)));
    await turn();
    groups[0].fail(new Error('database went away'));
    expect((await settled).map((result) => result.status)).toEqual(['rejected', 'rejected']);
    const next = writer.submit(3);
    await turn();
    groups[1].finish();
    await expect(next).resolves.toBe(30);
  });

  it('fails the group when the commit throws at once or miscounts its outcomes', async () => {
    const throwing = new GroupCommit<number, number>(
      () => {
        throw new Error('bad statement');
      },
      { maxSize: 64, maxInFlight: 1 },
    );
    await expect(throwing.submit(1)).rejects.toThrow('bad statement');
    const miscounting = new GroupCommit<number, number>(() => Promise.resolve([{ ok: true, value: 1 }]), { maxSize: 64, maxInFlight: 1 });
    const settled = await Promise.allSettled([miscounting.submit(1), miscounting.submit(2)]);
    expect(settled.map((result) => result.status)).toEqual(['rejected', 'rejected']);
  });
});

describe('settleTogether', () => {
  it('does the group at once when it can', async () => {
    const calls: number[][] = [];
    const settled = await settleTogether([1, 2, 3], (some) => {
      calls.push(some);
      return Promise.resolve(some.map((n) => n * 10));
    });
    expect(settled).toEqual([
      { ok: true, value: 10 },
      { ok: true, value: 20 },
      { ok: true, value: 30 },
    ]);
    expect(calls).toEqual([[1, 2, 3]]);
  });

  it('when the group fails, does each alone, one after the other, and only the bad one fails', async () => {
    const calls: number[][] = [];
    let running = 0;
    const settled = await settleTogether([1, 2, 3], async (some) => {
      calls.push(some);
      expect(++running).toBe(1);
      await new Promise((resolve) => setImmediate(resolve));
      running--;
      if (some.includes(2)) throw new Error(`bad ${some.join(',')}`);
      return some.map((n) => n * 10);
    });
    expect(calls).toEqual([[1, 2, 3], [1], [2], [3]]);
    expect(settled).toEqual([
      { ok: true, value: 10 },
      { ok: false, error: new Error('bad 2') },
      { ok: true, value: 30 },
    ]);
  });
});
