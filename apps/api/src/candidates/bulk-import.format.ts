import { parse } from 'csv-parse/sync';
import { type FieldError, nameOfKey } from '@huigong/platform';

/** One record of a bulk import, as read from its line: a plain object to validate, or why it is unreadable. */
export type ImportRecord = { line: number; plain: Record<string, unknown> } | { line: number; details: FieldError[] };

export const MAX_IMPORT_RECORDS = 100_000;

/** NDJSON: one candidate as a JSON object per line; blank lines are skipped. */
export function readNdjson(text: string): ImportRecord[] {
  const records: ImportRecord[] = [];
  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index].trim();
    if (line === '') continue;
    try {
      records.push({ line: index + 1, plain: JSON.parse(line) as Record<string, unknown> });
    } catch {
      records.push({ line: index + 1, details: [{ field: '(line)', message: 'is not valid JSON' }] });
    }
  }
  return records;
}

/**
 * CSV with a header row. Columns: displayName, externalRef, phone, groups, skills, lat, lng, maxTravelKm,
 * availability, breaks, accessibilityNeeds, consentContact, and optionally consentJobs, consentBenefits,
 * consentSensitive and consentMethod (the fields of `consent`). Lists are separated by ";" (groups
 * "rider;veteran"); windows are "day HH:MM-HH:MM" ("1 13:00-14:00;2 13:00-14:00"); the consent columns but
 * the method are true/false (also yes/no, 1/0). Empty cells are absent fields.
 */
export function readCsv(text: string): ImportRecord[] {
  // A row that cannot be read (a stray comma, an unterminated quote) is reported by its line and skipped;
  // the other rows are kept.
  const unreadable: ImportRecord[] = [];
  let rows: { record: Record<string, string>; info: { lines: number } }[];
  // csv-parse reads text as UTF-8 bytes, which would turn the lone surrogates that stand for bytes that were
  // not UTF-8 (decodeUtf8KeepingBadBytes) into U+FFFD, stored as if sent. As UTF-16 they stay in their cells,
  // where validation names them. (Only then: csv-parse counts the line of a quote left open at the very end
  // one further in UTF-16.)
  const wellFormed = text.isWellFormed();
  try {
    rows = parse(wellFormed ? text : Buffer.from(text, 'utf16le'), {
      encoding: wellFormed ? 'utf8' : 'utf16le',
      columns: true,
      bom: true,
      skip_empty_lines: true,
      trim: true,
      info: true,
      relax_column_count: false,
      skip_records_with_error: true,
      on_skip: (error) => {
        unreadable.push({ line: Number(error?.lines ?? 0), details: [{ field: '(csv)', message: `cannot be read: ${csvProblem(error?.code)}` }] });
        return undefined;
      },
    });
  } catch (error) {
    // The header itself, or the file as a whole, cannot be read.
    const line = (error as { lines?: number }).lines ?? 1;
    return [{ line, details: [{ field: '(csv)', message: `cannot be read: ${csvProblem((error as { code?: string }).code)}` }] }];
  }
  return [...rows.map(({ record, info }) => csvRecord(record, info.lines)), ...unreadable].sort((a, b) => a.line - b.line);
}

function csvProblem(code: string | undefined): string {
  switch (code) {
    case 'CSV_RECORD_INCONSISTENT_COLUMNS':
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH':
      return 'the row does not have one cell per column';
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quoted cell is not closed';
    case 'CSV_INVALID_CLOSING_QUOTE':
      return 'a quote is misplaced';
    default:
      return code ?? 'malformed CSV';
  }
}

/** The columns of the format. Any other is refused by name on every row, as an unknown field of a body is. */
const CSV_COLUMNS = new Set([
  'displayName',
  'externalRef',
  'phone',
  'groups',
  'skills',
  'lat',
  'lng',
  'maxTravelKm',
  'availability',
  'breaks',
  'accessibilityNeeds',
  'consentContact',
  'consentJobs',
  'consentBenefits',
  'consentSensitive',
  'consentMethod',
]);
/** The consent columns, by the field of `consent` each fills. */
const CONSENT_COLUMNS: Readonly<Record<string, string>> = {
  consentContact: 'contact',
  consentJobs: 'jobs',
  consentBenefits: 'benefits',
  consentSensitive: 'sensitive',
  consentMethod: 'method',
};
const LIST_COLUMNS = new Set(['groups', 'skills', 'accessibilityNeeds']);
const NUMBER_COLUMNS = new Set(['maxTravelKm']);
const WINDOW_COLUMNS = new Set(['availability', 'breaks']);
const WINDOW_PATTERN = /^([1-7])\s+(\d\d:\d\d)\s*-\s*(\d\d:\d\d)$/;

function csvRecord(record: Record<string, string>, line: number): ImportRecord {
  const plain: Record<string, unknown> = {};
  const details: FieldError[] = [];
  for (const [column, cell] of Object.entries(record)) {
    // Checked here, not left to validation: a `__proto__` column would vanish when assigned to `plain` (the
    // row accepted without a word), and a `location` column would clash with the one built from lat and lng.
    // Named as the JSON guard names keys: a NUL or a byte that is not UTF-8 in a column's name cannot be
    // stored with the answer for an Idempotency-Key replay.
    if (!CSV_COLUMNS.has(column)) {
      details.push({ field: nameOfKey(column), message: 'is not allowed' });
      continue;
    }
    if (cell === '') continue;
    if (column === 'lat' || column === 'lng') {
      const location = (plain.location ??= {}) as Record<string, unknown>;
      location[column] = toNumber(cell);
    } else if (column in CONSENT_COLUMNS) {
      const consent = (plain.consent ??= {}) as Record<string, unknown>;
      consent[CONSENT_COLUMNS[column]] = column === 'consentMethod' ? cell : /^(true|yes|1)$/i.test(cell) ? true : /^(false|no|0)$/i.test(cell) ? false : cell;
    } else if (LIST_COLUMNS.has(column)) {
      plain[column] = cell
        .split(';')
        .map((item) => item.trim())
        .filter((item) => item !== '');
    } else if (NUMBER_COLUMNS.has(column)) {
      plain[column] = toNumber(cell);
    } else if (WINDOW_COLUMNS.has(column)) {
      const windows = [];
      for (const entry of cell
        .split(';')
        .map((item) => item.trim())
        .filter((item) => item !== '')) {
        const match = WINDOW_PATTERN.exec(entry);
        if (match === null) {
          details.push({ field: column, message: 'must be windows like "1 13:00-14:00" separated by ";"' });
          break;
        }
        windows.push({ day: Number(match[1]), start: match[2], end: match[3] });
      }
      plain[column] = windows;
    } else {
      plain[column] = cell;
    }
  }
  return details.length > 0 ? { line, details } : { line, plain };
}

/** Decimal notation, exponent allowed (`31.27`, `1e-3`); not `0x1F`, `Infinity` or `1_000`, which Number() reads too. */
const DECIMAL_NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;

function toNumber(cell: string): number | string {
  const value = Number(cell);
  return DECIMAL_NUMBER.test(cell.trim()) && Number.isFinite(value) ? value : cell;
}
