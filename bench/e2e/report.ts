/** The bench's output: one row per figure, beside its goal and the peer, and CPU per item per process. */
import { count } from '../../demo/progress';

export interface Row {
  phase: string;
  figure: string;
  measured: string;
  goal: string;
  /** true: met; false: not met; undefined: no goal for this figure. */
  met: boolean | undefined;
  peer: string;
}

export const ROLES = ['api', 'matcher', 'notifier', 'postgres', 'redis'] as const;
export type Role = (typeof ROLES)[number];

export interface CpuRow {
  phase: string;
  items: number;
  /** ms of CPU per item, per role; undefined: not measurable here (a server on another machine). */
  perItem: Map<string, number | undefined>;
}

/** Milliseconds, with the precision a reader needs at that size. */
export function ms(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '-';
  if (value >= 10_000) return `${(value / 1000).toFixed(1)} s`;
  return `${value.toFixed(value < 1 ? 2 : value < 10 ? 1 : 0)} ms`;
}

export const rate = (perSecond: number): string => `${count(Math.round(perSecond))}/s`;

export const seconds = (msValue: number): string => `${(msValue / 1000).toFixed(1)} s`;

function table(header: string[], lines: string[][]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...lines.map((line) => (line.at(column) ?? '').length)));
  const format = (line: string[]) =>
    line
      .map((cell, column) => cell.padEnd(widths.at(column) ?? 0))
      .join('  ')
      .trimEnd();
  return [format(header), widths.map((width) => '-'.repeat(width)).join('  '), ...lines.map(format)].join('\n');
}

export function formatRows(rows: readonly Row[]): string {
  return table(
    ['phase', 'figure', 'measured', 'goal', 'met', 'peer (plain pg, same run)'],
    rows.map((row) => [row.phase, row.figure, row.measured, row.goal, row.met === undefined ? '' : row.met ? 'met' : 'NOT MET', row.peer]),
  );
}

export function formatCpu(rows: readonly CpuRow[]): string {
  const roles = [...ROLES, 'all', 'bench'];
  return table(
    ['CPU ms per item', 'items', ...roles],
    rows.map((row) => [row.phase, count(row.items), ...roles.map((role) => ms(row.perItem.get(role)))]),
  );
}

/** Per-item CPU of a phase from its totals; `all` sums the product's processes, PostgreSQL and Redis. */
export function perItem(totals: ReadonlyMap<string, number | undefined>, items: number): Map<string, number | undefined> {
  const result = new Map<string, number | undefined>();
  let all = 0;
  for (const [role, total] of totals) {
    const value = total === undefined || items === 0 ? undefined : total / items;
    result.set(role, value);
    if ((ROLES as readonly string[]).includes(role)) all += value ?? 0;
  }
  result.set('all', items === 0 ? undefined : all);
  return result;
}
