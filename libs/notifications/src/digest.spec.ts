import { digestWindow, goesIntoDigest } from './digest';

describe('caseworker digests', () => {
  it('sends the first lists at once and folds the rest into the digest', () => {
    const policy = { afterLists: 3, windowMinutes: 10 };
    expect([0, 1, 2, 3, 40].map((count) => goesIntoDigest(count, policy))).toEqual([false, false, false, true, true]);
    expect(goesIntoDigest(1_000, null)).toBe(false);
  });

  it('puts every moment of a window in the same window, whichever notifier asks', () => {
    const window = digestWindow(new Date('2026-11-24T09:07:31.250Z'), 10);
    expect(window).toEqual({ start: new Date('2026-11-24T09:00:00.000Z'), end: new Date('2026-11-24T09:10:00.000Z') });
    expect(digestWindow(new Date('2026-11-24T09:09:59.999Z'), 10)).toEqual(window);
    expect(digestWindow(new Date('2026-11-24T09:10:00.000Z'), 10).start).toEqual(window.end);
  });
});
