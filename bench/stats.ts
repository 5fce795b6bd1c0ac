/** Latency figures of a series of timings, in milliseconds. */
export function summarise(timingsMs: number[]): { p50: number; p95: number; p99: number; max: number; perSecond: number } {
  const sorted = [...timingsMs].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  const total = timingsMs.reduce((sum, t) => sum + t, 0);
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: sorted[sorted.length - 1], perSecond: (timingsMs.length / total) * 1000 };
}

export const ms = (value: number): string => `${value.toFixed(value < 10 ? 2 : 0)} ms`;
export const mb = (bytes: number): string => `${Math.round(bytes / 1024 / 1024)} MB`;
