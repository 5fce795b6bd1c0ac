/**
 * How evenly offers are spread: the Gini coefficient, for the fairness of a slot's rotation (npm run
 * sim:fairness).
 */

/** The Gini coefficient of counts: 0 when all are equal, towards 1 when a few hold everything. */
export function gini(counts: readonly number[]): number {
  const sorted = [...counts].sort((a, b) => a - b);
  const n = sorted.length;
  const total = sorted.reduce((sum, value) => sum + value, 0);
  if (n === 0 || total === 0) return 0;
  let weighted = 0;
  sorted.forEach((value, index) => {
    weighted += (index + 1) * value;
  });
  return (2 * weighted) / (n * total) - (n + 1) / n;
}

/** The least Gini `offers` spread over `people` can have: everyone gets the same, give or take one. */
export function leastGini(offers: number, people: number): number {
  if (people === 0) return 0;
  const each = Math.floor(offers / people);
  const more = offers - each * people;
  return gini([...Array<number>(people - more).fill(each), ...Array<number>(more).fill(each + 1)]);
}
