import { gini, leastGini } from './fairness';

describe('the Gini coefficient of offers', () => {
  it('is 0 when everyone had as many, and grows as a few hold more', () => {
    expect(gini([2, 2, 2, 2])).toBe(0);
    expect(gini([0, 0, 0, 4])).toBeCloseTo(0.75);
    expect(gini([1, 2, 3, 4])).toBeCloseTo(0.25);
    expect(gini([])).toBe(0);
    expect(gini([0, 0])).toBe(0);
  });

  it('cannot go below 1 - offers/people when there are fewer offers than people', () => {
    expect(leastGini(30, 2231)).toBeCloseTo(1 - 30 / 2231);
    expect(leastGini(8, 4)).toBe(0);
    expect(leastGini(6, 4)).toBeCloseTo(gini([1, 1, 2, 2]));
    expect(leastGini(5, 0)).toBe(0);
  });
});
