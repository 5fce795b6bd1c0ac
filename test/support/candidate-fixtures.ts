import { randomBytes, randomInt } from 'node:crypto';
import type pg from 'pg';
import { TARGET_GROUPS, isSensitiveGroup } from '@huigong/domain';

/**
 * Target groups that are not sensitive. The erasure test checks that the word "disabled" (and "hardship")
 * is left nowhere in the database after one person is erased, so every other candidate this file writes
 * uses only these groups.
 */
export const NON_SENSITIVE_GROUPS = TARGET_GROUPS.filter((group) => !isSensitiveGroup(group));

/** A short random marker (lower-case hex) to make personal data unique and searchable. */
export const marker = (prefix = 'mk'): string => `${prefix}${randomBytes(6).toString('hex')}`;

/** A mainland mobile number with random digits, written the way a caseworker types it. */
export function aPhone(): { written: string; digits: string } {
  const a = String(randomInt(0, 10_000)).padStart(4, '0');
  const b = String(randomInt(0, 10_000)).padStart(4, '0');
  return { written: `+86 139 ${a} ${b}`, digits: `86139${a}${b}` };
}

/** A compact, valid candidate for a bulk import; `n` makes it unique and its values predictable. */
export function importedCandidate(batch: string, n: number): Record<string, unknown> {
  return {
    displayName: `Worker ${batch} ${n}`,
    externalRef: `${batch}-${n}`,
    phone: `+86 138 ${String(n).padStart(8, '0').slice(0, 4)} ${String(n).padStart(8, '0').slice(4)}`,
    groups: [NON_SENSITIVE_GROUPS[n % NON_SENSITIVE_GROUPS.length]],
    skills: n % 2 === 0 ? ['delivery'] : ['cleaning', 'security'],
    location: { lat: 31.2 + (n % 1000) / 10_000, lng: 121.5 + (n % 700) / 10_000 },
    maxTravelKm: 1 + (n % 20),
    availability: [{ day: 1 + (n % 7), start: '08:00', end: '12:00' }],
    breaks: [{ day: 1 + (n % 5), start: '13:00', end: '14:00' }],
    consent: { contact: n % 10 !== 0 },
  };
}

/** One physical line of an NDJSON body: a good candidate, or a bad line with the field it should be reported on. */
export type NdjsonLine = { kind: 'good'; n: number; text: string } | { kind: 'bad'; field: string; text: string } | { kind: 'blank'; text: string };

/**
 * Builds an NDJSON import of `goodCount` valid candidates with bad lines inserted at the given 1-based
 * physical line numbers (and a blank line, which is skipped but still counts for the numbering).
 */
export function ndjsonImport(
  batch: string,
  goodCount: number,
  badAt: ReadonlyMap<number, { field: string; text: string }>,
  blankAt: ReadonlySet<number> = new Set(),
): { body: string; lines: NdjsonLine[] } {
  const lines: NdjsonLine[] = [];
  let n = 0;
  while (n < goodCount || badAt.has(lines.length + 1) || blankAt.has(lines.length + 1)) {
    const lineNo = lines.length + 1;
    const bad = badAt.get(lineNo);
    if (bad !== undefined) lines.push({ kind: 'bad', ...bad });
    else if (blankAt.has(lineNo)) lines.push({ kind: 'blank', text: '' });
    else {
      n += 1;
      lines.push({ kind: 'good', n, text: JSON.stringify(importedCandidate(batch, n)) });
    }
  }
  return { body: `${lines.map((line) => line.text).join('\n')}\n`, lines };
}

/** A row of any table of the public schema, as text. */
export interface RowHit {
  table: string;
  row: string;
}

/** Every base table and view of the public schema. */
export async function publicTables(db: pg.Pool): Promise<string[]> {
  const { rows } = await db.query<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`);
  return rows.map((row) => row.table_name);
}

/** Every row, in every table of the public schema, whose text form contains `needle` (case-insensitive). */
export async function rowsContaining(db: pg.Pool, needle: string): Promise<RowHit[]> {
  const hits: RowHit[] = [];
  for (const table of await publicTables(db)) {
    const quoted = `"${table.replace(/"/g, '""')}"`;
    const { rows } = await db.query<{ row: string }>(`SELECT t::text AS row FROM ${quoted} t WHERE strpos(lower(t::text), lower($1)) > 0`, [needle]);
    for (const { row } of rows) hits.push({ table, row });
  }
  return hits;
}
