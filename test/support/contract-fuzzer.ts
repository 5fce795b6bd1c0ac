/**
 * The pieces of the contract fuzz test (test/fuzz.e2e-spec.ts): the operations of the served OpenAPI document
 * with who may call them, requests generated for each (valid, invalid, or left open by the document), the
 * checks every answer is held to, an HTTP client over a real socket with keep-alive, and a fingerprint of
 * the database that moves whenever a row is inserted, updated or deleted.
 */
import fc from 'fast-check';
import type pg from 'pg';
import { Pool } from 'undici';
import {
  type Classification,
  type ContractModel,
  type Json,
  type Mutated,
  type Schema,
  type Verdict,
  DEPTHS,
  RawJson,
  deepText,
  isWellFormed,
  mutate,
  mutationSpec,
  preview,
  serialize,
} from './openapi-arbitraries';

// -----------------------------------------------------------------------------------------------------------
// Operations, as the document describes them.

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  schema: Schema;
}

export interface Operation {
  /** "PATCH /v1/slots/{id}" */
  label: string;
  method: string;
  template: string;
  /** The roles whose keys may call it, from its 403 ("this endpoint is for merchant keys"). */
  roles: string[];
  /** The schema of an application/json body. */
  json?: Schema;
  /** Text content types of a bulk body (NDJSON, CSV), and the schema of one of its records. */
  text?: { types: string[]; record: Schema };
  bodyRequired: boolean;
  /** Bytes above which the document says 413. */
  bodyLimit: number;
  idempotencyKey: boolean;
  parameters: Parameter[];
  responses: Record<string, Json>;
  /** A 404 that may depend on the body (a code), not only on the id in the path. */
  bodyNotFound: boolean;
  /** A 409 for the state of the resource, beyond a reused Idempotency-Key. */
  stateConflict: boolean;
}

const MiB = 1024 * 1024;

/** Whether the operation answers an event stream (server-sent events), which never ends by itself. */
export function isEventStream(op: Operation): boolean {
  return Object.values(op.responses).some((response) => response.content?.['text/event-stream'] !== undefined);
}

export function operationsOf(model: ContractModel): Operation[] {
  const operations: Operation[] = [];
  for (const [template, item] of Object.entries(model.doc.paths as Record<string, Json>)) {
    for (const [method, op] of Object.entries(item as Record<string, Json>)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const label = `${method.toUpperCase()} ${template}`;
      const forbidden = String(op.responses?.['403']?.description ?? '');
      const roles = /this endpoint is for (.+?) keys/.exec(forbidden)?.[1].split(/,? or |, /) ?? [];
      const content = (op.requestBody?.content ?? {}) as Record<string, Json>;
      const textTypes = Object.keys(content).filter((type) => type !== 'application/json');
      const recordName = /one `(\w+)` object per line/.exec(String(op.description ?? ''))?.[1];
      const limit = /larger than (\d+) MiB/.exec(String(op.responses?.['413']?.description ?? ''));
      const sentences = (status: string) =>
        String(op.responses?.[status]?.description ?? '')
          .split(/(?<=\.)\s+/)
          .filter((s) => s !== '');
      operations.push({
        label,
        method: method.toUpperCase(),
        template,
        roles,
        json: content['application/json']?.schema,
        text: textTypes.length > 0 && recordName !== undefined ? { types: textTypes, record: { $ref: `#/components/schemas/${recordName}` } } : undefined,
        bodyRequired: op.requestBody?.required === true,
        bodyLimit: limit === null ? MiB : Number(limit[1]) * MiB,
        idempotencyKey: ((op.parameters ?? []) as Parameter[]).some((p) => p.in === 'header' && p.name === 'Idempotency-Key'),
        parameters: ((op.parameters ?? []) as Json[]).map((p) => ({ name: p.name, in: p.in, required: p.required === true, schema: p.schema ?? {} })),
        responses: op.responses ?? {},
        // A 404 for something the body names: one of several 404 causes, or any 404 of an operation without an id in its path.
        bodyNotFound: sentences('404').length > 1 || (!template.includes('{id}') && sentences('404').length > 0),
        stateConflict: sentences('409').some((s) => !s.includes('Idempotency-Key')),
      });
    }
  }
  return operations;
}

// -----------------------------------------------------------------------------------------------------------
// Requests.

/** What a path id points at. */
export type TargetKind = 'live' | 'gone' | 'unknown' | 'foreign' | 'malformed' | 'none';

/** Rows of the seeded world per resource (the path segment after /v1/): the caller's own, ended ones, someone else's. */
export type Targets = Partial<Record<string, { live: string[]; gone: string[]; foreign: string[] }>>;

interface Target {
  kind: TargetKind;
  id: string;
}

export interface Keys {
  [role: string]: string;
}

export class FuzzRequest {
  readonly operation: Operation;
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer | undefined;
  readonly verdict: Verdict;
  /** Statuses this request may get; undefined: any documented one below 500. */
  readonly allowed?: number[];
  /** What kind of request this is (a mutation kind, a request-level kind, or 'valid'). */
  readonly kind: string;
  readonly why: string;
  /** The fields a 400 must name one of. */
  readonly fields?: string[];
  readonly target: TargetKind;
  /** The JSON value of a valid body, to compare with the answer. */
  readonly value?: unknown;
  /** For a bulk import: how many lines the answer must accept and which it must reject. */
  readonly bulk?: { accepted: number; rejected: number[] };

  constructor(init: Omit<FuzzRequest, typeof fc.toStringMethod | 'describe'>) {
    Object.assign(this, init);
  }

  describe(maxBody = 1500): string {
    const headers = Object.entries(this.headers)
      .filter(([name]) => name !== 'authorization')
      .map(([name, value]) => `${name}: ${JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}...` : value)}`)
      .join(', ');
    return (
      `${this.method} ${this.path.length > 160 ? `${this.path.slice(0, 160)}...` : this.path} (${this.target} target, as ${this.operation.roles.join('/') || 'anyone'}) ` +
      `[${this.verdict}: ${this.kind}] ${this.why}\n    headers: ${headers || '(none)'}\n    body: ${preview(this.body, maxBody)}`
    );
  }

  [fc.toStringMethod](): string {
    return `\n  ${this.describe(400)}`;
  }
}

/** The answer to one request. */
export interface Answer {
  status: number;
  contentType: string;
  text: string;
  json?: Json;
}

const WRONG_CONTENT_TYPES: [string, number[]][] = [
  ['text/plain', [415]],
  ['application/x-www-form-urlencoded', [415]],
  ['application/xml', [415]],
  ['multipart/form-data; boundary=x', [415]],
  ['application/merge-patch+json', [415]],
  ['application/vnd.api+json', [415]],
  ['text/json', [415]],
  ['application/jsonx', [415]],
  ['application/json; charset=latin1', [415]],
  ['application/json; charset=utf-16', [400, 415]],
  ['*/*', [415]],
];
const NOT_JSON = [
  'not json',
  '{"a":',
  '{a:1}',
  "{'a':1}",
  'NaN',
  '[1,2',
  '{"a":1,}',
  '{"a":1} trailing',
  '// comment\n{}',
  '{"a":1}{"b":2}',
  '\u0000',
  '{"a":"\\x41"}',
  '{"a":"\\ud800\\u"}',
  '{"a":01}',
  '{"a":.5}',
  '{"a":+1}',
  '{"a":Infinity}',
  '{"a":undefined}',
  '"unterminated',
];
const TOP_LEVEL = ['null', '1', '"text"', 'true', '[]', '[{}]', '-0', '1e309'];
// Not '' nor ' ': HTTP trims a header's value, and an empty one is no key at all.
const BAD_IDEMPOTENCY_KEYS = ['x'.repeat(256), 'clé', 'a b', 'key\tx', 'x'.repeat(255) + 'é'];
const MALFORMED_IDS = [
  '123',
  'not-a-uuid',
  '%00',
  '%ED%A0%80',
  'x'.repeat(3000),
  '..%2F..',
  '%E4%B8%AD',
  '%7Bd9428888-122b-11e1-b85c-61cd3cbb3210%7D',
  'd9428888122b11e1b85c61cd3cbb3210',
  'd9428888-122b-11e1-b85c-61cd3cbb3210x',
  '%20d9428888-122b-11e1-b85c-61cd3cbb3210',
  '__proto__',
  'constructor',
  '%',
  '-1',
  '1e3',
];

export interface Generators {
  /** Requests whose body (or id, or header) the document refuses: expected 4xx and no row written. */
  refused: fc.Arbitrary<FuzzRequest>;
  /** Requests with a body the document accepts (or leaves open): may write. */
  accepted: fc.Arbitrary<FuzzRequest>;
}

export class RequestFactory {
  private serial = 0;

  constructor(
    private readonly model: ContractModel,
    private readonly keys: Keys,
    private readonly targets: Targets,
  ) {}

  /** The id arbitrary of an operation with `{id}`: mostly the caller's own live rows. */
  private targetArb(op: Operation, allowMalformed: boolean): fc.Arbitrary<Target> {
    if (!op.template.includes('{id}')) return fc.constant<Target>({ kind: 'none', id: '' });
    const rows = this.targets[resourceOf(op.template)];
    if (rows === undefined) throw new Error(`No seeded rows for ${op.label}: add "${resourceOf(op.template)}" to the targets of the fuzz test`);
    const of = (kind: TargetKind, ids: string[]): fc.Arbitrary<Target> => fc.constantFrom(...ids).map((id) => ({ kind, id }));
    const options: fc.WeightedArbitrary<Target>[] = [
      { weight: 12, arbitrary: of('live', rows.live) },
      // A live id in capitals is the same UUID.
      {
        weight: 1,
        arbitrary: of(
          'live',
          rows.live.map((id) => id.toUpperCase()),
        ),
      },
      { weight: 1, arbitrary: fc.uuid({ version: 4 }).map((id): Target => ({ kind: 'unknown', id })) },
    ];
    if (rows.gone.length > 0) options.push({ weight: 2, arbitrary: of('gone', rows.gone) });
    // Someone else's row: not for the admin, to whom every row is its own (a fair of other employers, say).
    if (rows.foreign.length > 0 && op.roles[0] !== 'admin') options.push({ weight: 1, arbitrary: of('foreign', rows.foreign) });
    if (allowMalformed) options.push({ weight: 1, arbitrary: of('malformed', MALFORMED_IDS) });
    return fc.oneof(...options);
  }

  private idempotencyArb(op: Operation): fc.Arbitrary<string | undefined> {
    if (!op.idempotencyKey) return fc.constant(undefined);
    // Unique per request, so a key is never reused by accident; the serial is appended when the request is made.
    return fc.oneof(fc.constant(undefined), fc.stringMatching(/^[\x21-\x7e]{1,40}$/));
  }

  /** The caller's key; a generated Idempotency-Key made unique with a serial (a bad one is sent as it is). */
  private headers(op: Operation, contentType: string | undefined, idempotencyKey: string | undefined, badKey = false): Record<string, string> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.keys[op.roles[0]]}` };
    if (contentType !== undefined) headers['content-type'] = contentType;
    if (idempotencyKey !== undefined) headers['idempotency-key'] = badKey ? idempotencyKey : `${idempotencyKey}-${++this.serial}`;
    return headers;
  }

  /** The statuses a request the document accepts may get, by what its id points at. */
  private acceptedStatuses(op: Operation, target: TargetKind): number[] {
    const success = Object.keys(op.responses)
      .map(Number)
      .filter((status) => status >= 200 && status < 300);
    if (target === 'unknown' || target === 'foreign') return [404];
    if (target === 'gone') return [404, 409];
    return [...success, ...(op.bodyNotFound ? [404] : []), ...(op.stateConflict ? [409] : [])];
  }

  private path(op: Operation, id: string): string {
    return op.template.replace('{id}', id);
  }

  /** Requests with a JSON body. */
  jsonBody(op: Operation): Generators {
    const schema = jsonSchemaOf(op);
    const body = this.model.valid(schema);
    const label = `${op.label} <- request`;

    const accepted = fc
      .record({
        target: this.targetArb(op, false),
        value: body,
        key: this.idempotencyArb(op),
        charset: fc.constantFrom('application/json', 'application/json; charset=utf-8', 'application/json;charset=UTF-8'),
      })
      .map(({ target, value, key, charset }) => {
        const bytes = serialize(value);
        const verdict = this.model.classify(label, schema, bytes);
        return this.build(
          op,
          target,
          charset,
          key,
          bytes,
          verdict,
          'valid',
          verdict.verdict === 'valid' ? 'a body the document accepts' : verdict.reasons.join('; '),
          undefined,
          value,
        );
      });

    const mutated = fc
      .record({ target: this.targetArb(op, true), value: body, mutation: mutationSpec, key: this.idempotencyArb(op) })
      .map(({ target, value, mutation, key }) => {
        const change = mutate(this.model, schema, value, mutation);
        if (change === undefined) return undefined;
        return this.fromMutation(op, label, schema, target, key, change, mutation.kind);
      })
      .filter((request): request is FuzzRequest => request !== undefined);

    const requestLevel = fc
      .record({
        target: this.targetArb(op, false),
        value: body,
        pick: fc.nat(),
        kind: fc.constantFrom('contentType', 'noContentType', 'emptyBody', 'notJson', 'topLevel', 'tooLarge', 'idempotencyKey'),
      })
      .map(({ target, value, pick, kind }) => this.requestLevel(op, target, value, pick, kind))
      .filter((request): request is FuzzRequest => request !== undefined);

    return {
      refused: fc.oneof({ weight: 8, arbitrary: mutated }, { weight: 2, arbitrary: requestLevel }).filter((request) => request.verdict === 'invalid'),
      accepted: fc.oneof({ weight: 8, arbitrary: accepted }, { weight: 1, arbitrary: mutated }).filter((request) => request.verdict !== 'invalid'),
    };
  }

  /** A mutated body sent to the caller's own row, without an Idempotency-Key. */
  fromKnownDefect(op: Operation, change: Mutated, kind: string): FuzzRequest {
    const rows = op.template.includes('{id}') ? this.targets[resourceOf(op.template)] : undefined;
    const target = rows === undefined ? { kind: 'none' as TargetKind, id: '' } : { kind: 'live' as TargetKind, id: rows.live[0] };
    return this.fromMutation(op, `${op.label} <- request`, jsonSchemaOf(op), target, undefined, change, kind);
  }

  private fromMutation(
    op: Operation,
    label: string,
    schema: Schema,
    target: { kind: TargetKind; id: string },
    key: string | undefined,
    change: Mutated,
    kind: string,
  ): FuzzRequest {
    const bytes = serialize(change.value);
    const verdict = this.model.classify(label, schema, bytes);
    const why = verdict.verdict === 'valid' ? `${change.why}, which the document accepts` : change.why;
    return this.build(op, target, 'application/json', key, bytes, verdict, kind, why, change.field, undefined);
  }

  private build(
    op: Operation,
    target: { kind: TargetKind; id: string },
    contentType: string | undefined,
    key: string | undefined,
    bytes: Buffer,
    classification: Classification,
    kind: string,
    why: string,
    field: string | undefined,
    value: unknown,
    allowedIfInvalid?: number[],
    badKey = false,
  ): FuzzRequest {
    let verdict = classification.verdict;
    if (target.kind === 'malformed') verdict = 'invalid';
    let allowed: number[] | undefined;
    if (verdict === 'invalid') allowed = bytes.length > op.bodyLimit ? [413] : (allowedIfInvalid ?? [400, 422]);
    else if (verdict === 'valid') allowed = bytes.length > op.bodyLimit ? [413] : this.acceptedStatuses(op, target.kind);
    const reasons = classification.verdict === 'invalid' && kind !== 'valid' ? ` (${classification.reasons.join('; ').slice(0, 200)})` : '';
    return new FuzzRequest({
      operation: op,
      method: op.method,
      path: this.path(op, target.id),
      headers: this.headers(op, contentType, key, badKey),
      body: bytes,
      verdict,
      allowed,
      kind: target.kind === 'malformed' && classification.verdict !== 'invalid' ? 'malformedId' : kind,
      why: target.kind === 'malformed' ? `id ${JSON.stringify(target.id.slice(0, 50))}; ${why}` : `${why}${reasons}`,
      // With a bad id and a bad body, naming either is right (any field of the body, when the bad part is an odd key).
      fields: target.kind === 'malformed' ? ['id', ...(classification.verdict === 'invalid' ? [field ?? '*'] : [])] : field === undefined ? undefined : [field],
      target: target.kind,
      value: verdict === 'valid' ? value : undefined,
    });
  }

  private requestLevel(op: Operation, target: { kind: TargetKind; id: string }, value: unknown, pick: number, kind: string): FuzzRequest | undefined {
    const invalid: Classification = { verdict: 'invalid', reasons: [] };
    const valid = serialize(value);
    switch (kind) {
      case 'contentType': {
        const [type, statuses] = WRONG_CONTENT_TYPES[pick % WRONG_CONTENT_TYPES.length];
        return this.build(op, target, type, undefined, valid, invalid, kind, `a valid body sent as ${type}`, undefined, undefined, statuses);
      }
      case 'noContentType':
        return this.build(op, target, undefined, undefined, valid, invalid, kind, 'a valid body without a Content-Type', undefined, undefined, [415]);
      case 'emptyBody':
        if (!op.bodyRequired) return undefined;
        return this.build(
          op,
          target,
          'application/json',
          undefined,
          Buffer.alloc(0),
          invalid,
          kind,
          'an empty body (the document says the body is required)',
          undefined,
          undefined,
        );
      case 'notJson': {
        const text = NOT_JSON[pick % NOT_JSON.length];
        return this.build(op, target, 'application/json', undefined, Buffer.from(text, 'utf8'), invalid, kind, 'a body that is not JSON', undefined, undefined);
      }
      case 'topLevel': {
        const options = [
          ...TOP_LEVEL,
          `[${valid.toString('utf8')}]`,
          deepText(DEPTHS[pick % DEPTHS.length], 'array'),
          deepText(DEPTHS[pick % DEPTHS.length], 'object'),
        ];
        const text = options[pick % options.length];
        return this.build(
          op,
          target,
          'application/json',
          undefined,
          Buffer.from(text, 'utf8'),
          invalid,
          kind,
          'JSON that is not an object of the schema',
          undefined,
          undefined,
        );
      }
      case 'tooLarge': {
        const padded =
          typeof value === 'object' && value !== null && !Array.isArray(value) ? { ...value, padding: 'x'.repeat(op.bodyLimit) } : 'x'.repeat(op.bodyLimit);
        return this.build(
          op,
          target,
          'application/json',
          undefined,
          serialize(padded),
          invalid,
          kind,
          `a body over the ${op.bodyLimit / MiB} MiB limit`,
          undefined,
          undefined,
          [413],
        );
      }
      case 'idempotencyKey': {
        if (!op.idempotencyKey) return undefined;
        const key = BAD_IDEMPOTENCY_KEYS[pick % BAD_IDEMPOTENCY_KEYS.length];
        const verdict = this.model.classify(`${op.label} <- request`, jsonSchemaOf(op), valid);
        if (verdict.verdict !== 'valid') return undefined;
        return this.build(
          op,
          target,
          'application/json',
          key,
          valid,
          invalid,
          kind,
          `a valid body with the Idempotency-Key ${JSON.stringify(key.slice(0, 20))}`,
          'Idempotency-Key',
          undefined,
          undefined,
          true,
        );
      }
    }
    return undefined;
  }

  /** Requests to an operation with a text body of records (bulk import: NDJSON, CSV). */
  textBody(op: Operation): Generators {
    if (op.text === undefined) throw new Error(`${op.label} has no text body`);
    const record = op.text.record;
    const label = `${op.label} <- record`;
    const validRecord = this.model.valid(record);
    const line = fc.oneof(
      { weight: 3, arbitrary: validRecord.map((value) => ({ bytes: serialize(value), why: 'a valid record' })) },
      {
        weight: 4,
        arbitrary: fc.tuple(validRecord, mutationSpec).map(([value, mutation]) => {
          const change = mutate(this.model, record, value, mutation);
          return change === undefined ? { bytes: serialize(value), why: 'a valid record' } : { bytes: serialize(change.value), why: change.why };
        }),
      },
      {
        weight: 1,
        arbitrary: fc.constantFrom(...NOT_JSON, ...TOP_LEVEL).map((text) => ({ bytes: Buffer.from(text, 'utf8'), why: `the line ${JSON.stringify(text)}` })),
      },
    );
    const ndjson = fc
      .record({
        lines: fc.array(fc.tuple(line, fc.constantFrom('\n', '\r\n', '\n\n')), { minLength: 1, maxLength: 6 }),
        type: fc.constantFrom('application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/x-ndjson; charset=utf-8'),
        key: this.idempotencyArb(op),
      })
      .map(({ lines, type, key }) => {
        const parts: Buffer[] = [];
        const verdicts: { line: number; verdict: Verdict }[] = [];
        const whys: string[] = [];
        let lineNumber = 1;
        for (const [{ bytes, why }, separator] of lines) {
          // A record's own text never holds a raw line break (JSON.stringify escapes them), except bytes that are not UTF-8.
          const verdict = bytes.includes(0x0a) ? 'either' : this.model.classify(label, record, bytes).verdict;
          verdicts.push({ line: lineNumber, verdict });
          whys.push(`line ${lineNumber}: ${why} (${verdict})`);
          parts.push(bytes, Buffer.from(separator, 'utf8'));
          lineNumber += separator.split('\n').length - 1;
        }
        const body = Buffer.concat(parts);
        const open = verdicts.some(({ verdict }) => verdict === 'either') || body.length > op.bodyLimit;
        const accepted = verdicts.filter(({ verdict }) => verdict === 'valid').length;
        return new FuzzRequest({
          operation: op,
          method: op.method,
          path: op.template,
          // Its 200 is kept for a replay under an Idempotency-Key (rightly): a body of bad lines only goes without one.
          headers: this.headers(op, type, accepted === 0 ? undefined : key),
          body,
          verdict: open ? 'either' : accepted === 0 ? 'invalid' : 'valid',
          // A bulk import reports bad lines in a 200; a body that is all bad lines is refused line by line.
          allowed: open ? undefined : [200],
          kind: 'ndjson',
          why: whys.join('; '),
          target: 'none',
          bulk: open ? undefined : { accepted, rejected: verdicts.filter(({ verdict }) => verdict === 'invalid').map(({ line }) => line) },
        });
      });
    const junk = fc
      .record({
        text: fc.oneof(
          fc.constantFrom(
            '',
            '\n\n',
            'displayName\n',
            'a,b\n1,2,3\n',
            '"unterminated\n',
            'displayName,groups\n"x,rider\n',
            '\ufeff',
            'displayName,lat\n' + 'x,'.repeat(5000),
          ),
          fc.string({ unit: 'binary', maxLength: 200 }),
        ),
        type: fc.constantFrom('text/csv', 'application/x-ndjson'),
      })
      .map(({ text, type }) => {
        const classification = type === 'text/csv' ? 'csv' : 'ndjson';
        const lines = text.split('\n').filter((l) => l.trim() !== '');
        const allInvalid =
          classification === 'csv' || lines.every((l) => this.model.classify(label, record, Buffer.from(l.trim(), 'utf8')).verdict === 'invalid');
        return new FuzzRequest({
          operation: op,
          method: op.method,
          path: op.template,
          headers: this.headers(op, type, undefined),
          body: Buffer.from(text, 'utf8'),
          verdict: allInvalid ? 'invalid' : 'either',
          allowed: allInvalid ? [200, 400] : undefined,
          kind: `junk ${classification}`,
          why: `${classification} text that holds no valid record`,
          target: 'none',
          bulk: allInvalid ? { accepted: 0, rejected: [] } : undefined,
        });
      });
    const wrongType = fc.record({ pick: fc.nat(), value: validRecord }).map(({ pick, value }) => {
      const [type] = [['application/json'], ['text/plain'], ['application/octet-stream'], ['multipart/form-data; boundary=x']][pick % 4];
      return new FuzzRequest({
        operation: op,
        method: op.method,
        path: op.template,
        headers: this.headers(op, type, undefined),
        body: serialize(value),
        verdict: 'invalid',
        allowed: [415],
        kind: 'contentType',
        why: `one valid record sent as ${type}`,
        target: 'none',
      });
    });
    return {
      refused: fc
        .oneof({ weight: 4, arbitrary: ndjson }, { weight: 2, arbitrary: junk }, { weight: 1, arbitrary: wrongType })
        .filter((request) => request.verdict === 'invalid'),
      accepted: ndjson.filter((request) => request.verdict !== 'invalid'),
    };
  }

  /** GETs with their query parameters and ids: they never write, whatever they are sent. */
  reads(op: Operation): fc.Arbitrary<FuzzRequest> {
    const query = op.parameters.filter((p) => p.in === 'query');
    type Piece = { text: string; verdict: Verdict; why: string };
    const param = (p: Parameter): fc.Arbitrary<Piece> => {
      const ids = this.queryIds(p);
      const options: fc.WeightedArbitrary<Piece>[] = [
        {
          weight: 4,
          arbitrary: this.model
            .valid(p.schema)
            .map((value): Piece => ({ text: encodeURIComponent(String(value)), verdict: 'valid', why: `${p.name}=${String(value)}` })),
        },
        {
          weight: 3,
          arbitrary: fc.constantFrom(...ODD_QUERY_VALUES).map(([text, why]): Piece => ({ text, verdict: this.queryVerdict(p, text), why: `${p.name}=${why}` })),
        },
      ];
      if (ids.length > 0)
        options.push({ weight: 1, arbitrary: fc.constantFrom(...ids).map((id): Piece => ({ text: id, verdict: 'valid', why: `${p.name}=<a seeded id>` })) });
      return fc.oneof(...options);
    };
    const params = fc.record(Object.fromEntries(query.map((p) => [p.name, param(p)])), { requiredKeys: [] });
    const extra = fc.oneof(
      { weight: 6, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.constantFrom(...EXTRA_QUERY).map(([text, why]) => ({ text, why })) },
    );
    return fc.record({ target: this.targetArb(op, true), params, extra }).map(({ target, params: chosen, extra: added }) => {
      const pieces = Object.entries(chosen as Record<string, Piece>);
      let verdict: Verdict = target.kind === 'malformed' ? 'invalid' : 'valid';
      for (const [, piece] of pieces) verdict = worse(verdict, piece.verdict);
      // "Give exactly one of openingId and slotId" and the like: rules between parameters are the API's to judge.
      if (query.length > 1) verdict = worse(verdict, 'either');
      // Unknown parameters are refused where the document lists parameters ("A query parameter is unknown or bad").
      const addedVerdict: Verdict | undefined = added === undefined ? undefined : added.why.startsWith('repeated') || query.length === 0 ? 'either' : 'invalid';
      if (addedVerdict !== undefined) verdict = worse(verdict, addedVerdict);
      const declares400 = op.responses['400'] !== undefined;
      if (verdict === 'invalid' && !declares400) verdict = 'either';
      const search = [
        ...pieces.map(([name, piece]) => `${name}=${piece.text}`),
        ...(added === undefined ? [] : [added.text.replace('$P', query[0]?.name ?? 'limit')]),
      ].join('&');
      return new FuzzRequest({
        operation: op,
        method: op.method,
        path: `${this.path(op, target.id)}${search === '' ? '' : `?${search}`}`,
        headers: this.headers(op, undefined, undefined),
        body: undefined,
        verdict,
        // A closed opening or a withdrawn slot can still be read; an erased person cannot.
        allowed:
          verdict === 'invalid'
            ? [400]
            : verdict === 'valid'
              ? (({ live: [200], none: [200], gone: [200, 404] } as Record<string, number[]>)[target.kind] ?? [404])
              : undefined,
        kind: target.kind === 'malformed' ? 'malformedId' : 'query',
        why: [...pieces.map(([, piece]) => piece.why), ...(added === undefined ? [] : [added.why])].join(', ') || 'no query',
        // With a bad id and a bad query, naming either is right (as with a bad body): the API validates them side by side.
        fields:
          target.kind === 'malformed'
            ? ['id', ...pieces.filter(([, piece]) => piece.verdict === 'invalid').map(([name]) => name), ...(addedVerdict === 'invalid' ? ['*'] : [])]
            : undefined,
        target: target.kind,
      });
    });
  }

  private queryIds(p: Parameter): string[] {
    const resource = p.name === 'openingId' ? 'openings' : p.name === 'slotId' ? 'slots' : undefined;
    const rows = resource === undefined ? undefined : this.targets[resource];
    return rows === undefined ? [] : [...rows.live, ...rows.foreign];
  }

  /** A query value of ODD_QUERY_VALUES against its schema: valid only in its canonical form. */
  private queryVerdict(p: Parameter, text: string): Verdict {
    let decoded: string;
    try {
      decoded = decodeURIComponent(text);
    } catch {
      return 'invalid';
    }
    if (!isWellFormed(decoded) || decoded.includes('\u0000')) return 'invalid';
    const s = this.model.resolve(p.schema);
    if (s.type === 'integer') {
      if (!/^-?[1-9]\d*$|^0$/.test(decoded)) return /^[+-]?\d+(\.0+)?$|^\d+e\d+$/i.test(decoded.trim()) ? 'either' : 'invalid';
      const n = Number(decoded);
      return (s.minimum === undefined || n >= s.minimum) && (s.maximum === undefined || n <= s.maximum) ? 'valid' : 'invalid';
    }
    if (Array.isArray(s.enum)) return (s.enum as unknown[]).includes(decoded) ? 'valid' : 'invalid';
    if (s.format === 'uuid') return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(decoded) ? 'either' : 'invalid';
    return 'either';
  }
}

const ODD_QUERY_VALUES: [string, string][] = [
  ['', '(empty)'],
  ['abc', 'abc'],
  ['1.5', '1.5'],
  ['-1', '-1'],
  ['0', '0'],
  ['501', '501'],
  ['1e2', '1e2'],
  ['%2B5', '+5'],
  ['05', '05'],
  ['99999999999999999999999', 'a huge number'],
  ['%00', 'NUL'],
  ['%ED%A0%80', 'a UTF-8-encoded lone surrogate'],
  ['%', 'a broken percent escape'],
  ['%E4%B8%AD', '中'],
  ['x'.repeat(5000), '5,000 x'],
  ['__proto__', '__proto__'],
  ['delivered', 'delivered'],
  ['DEAD', 'DEAD'],
  ['not-a-uuid', 'not-a-uuid'],
  ['d9428888-122b-11e1-b85c-61cd3cbb3210', 'an unknown UUID'],
];

const EXTRA_QUERY: [string, string][] = [
  ['foo=1', 'an unknown parameter foo'],
  ['__proto__=1', 'an unknown parameter __proto__'],
  ['__proto__[polluted]=1', 'a __proto__[polluted] parameter'],
  ['constructor[prototype][polluted]=1', 'a constructor[prototype] parameter'],
  ['$P=1&$P=2', 'repeated parameter'],
  ['$P[]=1', 'an array parameter'],
  ['$P[a]=1', 'an object parameter'],
  [`a${'[a]'.repeat(50)}=1`, 'a parameter nested 50 deep'],
  ['%FF=1', 'a parameter name that is not UTF-8'],
];

function worse(a: Verdict, b: Verdict): Verdict {
  if (a === 'invalid' || b === 'invalid') return 'invalid';
  if (a === 'either' || b === 'either') return 'either';
  return 'valid';
}

export function resourceOf(template: string): string {
  return template.split('/')[2];
}

// -----------------------------------------------------------------------------------------------------------
// The checks every answer is held to.

export class AnswerChecks {
  private readonly apiError: (value: unknown) => boolean;

  constructor(private readonly model: ContractModel) {
    const validate = model.validator('ApiError', { $ref: '#/components/schemas/ApiError' });
    this.apiError = (value) => validate(value);
  }

  /** Every way the answer breaks the contract or the expectations of the request; empty when it holds. */
  problems(request: FuzzRequest, answer: Answer): string[] {
    const problems: string[] = [];
    const { status } = answer;
    const op = request.operation;
    if (status >= 500) problems.push(`answered ${status}: the server failed on client input`);
    else if (op.responses[String(status)] === undefined)
      problems.push(`answered ${status}, which the document does not declare for ${op.label} (it declares ${Object.keys(op.responses).join(', ')})`);
    if (status >= 400) {
      if (!/^application\/json\b/.test(answer.contentType))
        problems.push(`a ${status} answered as ${answer.contentType || 'no content type'}, not the JSON error shape`);
      else if (answer.json === undefined || !this.apiError(answer.json)) {
        const validate = this.model.validator('ApiError', { $ref: '#/components/schemas/ApiError' });
        problems.push(`a ${status} not in the error shape: ${this.model.errorsText(validate, 'answer')}`);
      } else if (answer.json.statusCode !== status) problems.push(`a ${status} whose body says statusCode ${answer.json.statusCode}`);
    }
    if (status < 500 && request.allowed !== undefined && !request.allowed.includes(status)) {
      const what = request.verdict === 'invalid' ? 'a request the document refuses' : 'a request the document accepts';
      problems.push(`answered ${status} to ${what}; expected ${request.allowed.join(' or ')}`);
    }
    if (status === 400 && request.fields !== undefined && answer.json !== undefined && request.verdict === 'invalid') {
      const fields = ((answer.json.details ?? []) as { field: string }[]).map((detail) => detail.field);
      // A field, or one above or below it; the body as a whole (or '*') by any field at all.
      const names = (wanted: string) =>
        wanted === '(body)' || wanted === '*'
          ? fields.length > 0
          : fields.some((field) => field === wanted || wanted.startsWith(`${field}.`) || field.startsWith(`${wanted}.`));
      if (!request.fields.some(names))
        problems.push(
          `a 400 that does not name the field ${request.fields.map((f) => JSON.stringify(f)).join(' or ')} (details: ${JSON.stringify(fields).slice(0, 200)})`,
        );
    }
    if (status >= 200 && status < 300) {
      const declared = op.responses[String(status)]?.content?.['application/json']?.schema as Schema | undefined;
      if (declared !== undefined) {
        const validate = this.model.validator(`${op.label} -> ${status}`, declared);
        if (answer.json === undefined) problems.push(`a ${status} without the JSON body the document declares`);
        else if (!validate(answer.json)) problems.push(`a ${status} whose body does not match the document: ${this.model.errorsText(validate, 'answer')}`);
      }
      if (request.bulk !== undefined && answer.json !== undefined) {
        const rejected = ((answer.json.rejected ?? []) as { line: number }[]).map((entry) => entry.line).sort((a, b) => a - b);
        if (answer.json.accepted !== request.bulk.accepted)
          problems.push(`accepted ${answer.json.accepted} records; the document accepts ${request.bulk.accepted} of them`);
        if (request.bulk.rejected.length > 0 && JSON.stringify(rejected) !== JSON.stringify(request.bulk.rejected)) {
          problems.push(`rejected lines ${JSON.stringify(rejected)}; the document refuses lines ${JSON.stringify(request.bulk.rejected)}`);
        }
      }
      if (request.value !== undefined && answer.json !== undefined && op.json !== undefined) {
        problems.push(...this.echoes(op.json, request.value, answer.json, 'the answer'));
      }
    }
    return problems;
  }

  /**
   * Fields of a valid body the answer (or the stored resource) gives back otherwise than they were sent. Text
   * may come back trimmed (the API's normalization), but not emptied where the document wants some; instants
   * compare as instants; lists of unique items as sets; objects by their keys whatever the order.
   */
  echoes(schema: Schema, sent: unknown, got: Json, where: string): string[] {
    const problems: string[] = [];
    const compare = (s: Schema | undefined, a: unknown, b: unknown, path: string) => {
      const r = s === undefined ? {} : this.model.resolve(s);
      if (b === undefined) return;
      const show = (value: unknown) => preview(Buffer.from(JSON.stringify(value), 'utf8'), 160);
      if (a !== null && typeof a === 'object' && !Array.isArray(a)) {
        if (b === null || typeof b !== 'object' || Array.isArray(b)) {
          problems.push(`${where} gives ${path} as ${show(b)}; it was sent as an object`);
          return;
        }
        for (const [key, inner] of Object.entries(a))
          compare(Object.hasOwn(r.properties ?? {}, key) ? r.properties[key] : undefined, inner, (b as Json)[key], path === '' ? key : `${path}.${key}`);
        return;
      }
      if (Array.isArray(a) && Array.isArray(b) && r.uniqueItems !== true) {
        // A list of text may come back trimmed and without repeats (skills are a set to the API): compare item by item
        // with what is left of the list sent once so normalized.
        const normalized = a.every((item) => typeof item === 'string') && a.length !== b.length ? [...new Set(a.map((item: string) => item.trim()))] : a;
        if (normalized.length === b.length) {
          normalized.forEach((item, index) => {
            compare(r.items, item, b[index], `${path}.${index}`);
          });
          return;
        }
      }
      if (typeof a === 'string' && typeof b === 'string') {
        if (r.format === 'date-time' ? Date.parse(a) === Date.parse(b) : a === b) return;
        if (b === a.trim() && (b !== '' || !((r.minLength ?? 0) > 0))) return;
        problems.push(
          b === ''
            ? `${where} gives ${path} as "" (minLength ${r.minLength}); it was sent as ${show(a)}, which the document accepts`
            : `${where} gives ${path} as ${show(b)}; it was sent as ${show(a)}`,
        );
        return;
      }
      const trimmed = (value: unknown) => (typeof value === 'string' ? value.trim() : value);
      const norm = (value: unknown) =>
        Array.isArray(value) && r.uniqueItems === true ? JSON.stringify([...value].map((v) => canonical(trimmed(v))).sort()) : canonical(value);
      if (norm(a) !== norm(b)) problems.push(`${where} gives ${path} as ${show(b)}; it was sent as ${show(a)}`);
    };
    compare(schema, sent, got, '');
    return problems;
  }
}

/** JSON with object keys sorted, so that key order does not count. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Json)[key])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

function jsonSchemaOf(op: Operation): Schema {
  if (op.json === undefined) throw new Error(`${op.label} has no JSON body`);
  return op.json;
}

// -----------------------------------------------------------------------------------------------------------
// Transport and database.

/** Requests over real sockets to the listening API, `connections` at a time, kept alive. */
export class HttpClient {
  private readonly pool: Pool;
  sent = 0;

  constructor(origin: string, connections: number) {
    this.pool = new Pool(origin, { connections, pipelining: 1, keepAliveTimeout: 30_000, bodyTimeout: 120_000, headersTimeout: 120_000 });
  }

  async send(request: { method: string; path: string; headers: Record<string, string>; body?: Buffer }): Promise<Answer> {
    this.sent++;
    const res = await this.pool.request({ method: request.method, path: request.path, headers: request.headers, body: request.body });
    const text = await res.body.text();
    const contentType = String(res.headers['content-type'] ?? '');
    let json: Json;
    if (/^application\/json\b/.test(contentType) && text !== '') {
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
    }
    return { status: res.statusCode, contentType, text, json };
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/**
 * Per table, its row count and the newest transaction that wrote one of its rows (`xmin`): an insert or an
 * update moves the second, a delete the first, and a write rolled back moves neither. The outbox is counted
 * only, as the relay stamps `published_at` in the background; the matcher's bookkeeping is left out, and so
 * is the audit of reads, which every read of a person's data writes to by design (after-the-match tests it).
 */
export async function fingerprint(db: pg.Pool): Promise<Map<string, string>> {
  const { rows: tables } = await db.query<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables
      WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name NOT IN ('schema_migrations', 'processed_events', 'audit_reads')
      ORDER BY table_name`,
  );
  const parts = tables.map(({ name }) =>
    name === 'outbox_events'
      ? `SELECT '${name}' AS name, count(*)::text AS rows, '-' AS written FROM "${name}"`
      : `SELECT '${name}' AS name, count(*)::text AS rows, coalesce(max(xmin::text::bigint), 0)::text AS written FROM "${name}"`,
  );
  const { rows } = await db.query<{ name: string; rows: string; written: string }>(parts.join(' UNION ALL '));
  return new Map(rows.map((row) => [row.name, `${row.rows} rows, last written by transaction ${row.written}`]));
}

export function fingerprintChanges(before: Map<string, string>, after: Map<string, string>): string[] {
  return [...after.entries()].filter(([name, value]) => before.get(name) !== value).map(([name, value]) => `${name}: ${before.get(name)} -> ${value}`);
}

export { RawJson };
