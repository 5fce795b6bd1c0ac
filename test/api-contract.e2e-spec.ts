/**
 * The public HTTP contract (shared/API-v1.md) as a client sees it: every endpoint's success path, the one
 * JSON error shape for every kind of error, and the role x endpoint matrix.
 *
 * Matching is not built yet, so where a test needs matches or notifications it inserts the rows directly
 * (world.db) and then looks at them through the API, as a caseworker, merchant or employer would.
 */
import { hashApiKey } from '@huigong/platform';
import { randomUUID } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Response, Test } from 'supertest';
import { DINGHAI_ROAD, type Keys, aCandidate, aSlot, anOpening, bearer, createParties, weekdays, without } from './support/builders';
import { type RunningApi, TEST_ADMIN_KEY, Teardown, type TestWorld, createTestWorld, startApi } from './support/test-environment';

type Method = 'get' | 'post' | 'patch' | 'delete';
type Caller = 'none' | 'unknown' | 'admin' | 'employer' | 'merchant' | 'caseworker';
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- an answer as supertest reads it (its body is `any`, see eslint.config.mjs for tests): each test asserts the fields it reads
type Body = Record<string, any>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const UUID_ANYWHERE = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const ISO_INSTANT = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;
const PAST = '2020-01-01T00:00:00Z';
const FUTURE = new Date(Date.now() + 30 * 24 * 3600 * 1000).toISOString();
const UNKNOWN_KEY = `hg_${'Q'.repeat(43)}`;
/** Traces of an internal error leaking into a response: a stack frame, a source path, an error class. */
const LEAK = /\bat\s+\S+\s+\(?(?:file:|node:|\/)[^\s)]*:\d+:\d+|"stack"\s*:|node_modules\/|\.[jt]s:\d+:\d+|QueryFailedError|TypeError|ReferenceError/;
const SUMMARY_KEYS = ['contacted', 'declined', 'hired', 'interested', 'interview', 'no_response', 'proposed', 'withdrawn'];

let world: TestWorld;
let api: RunningApi;
/** Owner of the shared fixtures. */
let a: Keys;
/** Someone else: another employer, merchant and caseworker. */
let b: Keys;
const responses: { request: string; status: number; body: string }[] = [];

// ---------------------------------------------------------------------------------------------------------
// helpers

/** Records every response the API sends (status and body), so that each test can be checked for 500s and leaks. */
function recordResponses(server: Server): void {
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    const keep = (chunk: unknown) => {
      if (typeof chunk === 'string') chunks.push(Buffer.from(chunk));
      else if (chunk instanceof Uint8Array) chunks.push(Buffer.from(chunk));
    };
    const write = res.write.bind(res) as (...args: unknown[]) => boolean;
    const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
    res.write = function (chunk: unknown, ...rest: unknown[]) {
      keep(chunk);
      return write(chunk, ...rest);
    } as typeof res.write;
    res.end = function (chunk?: unknown, ...rest: unknown[]) {
      keep(chunk);
      responses.push({ request: `${req.method} ${req.url}`, status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') });
      return end(chunk, ...rest);
    } as typeof res.end;
  });
}

function keyOf(caller: Caller, keys: Keys = a): string | undefined {
  switch (caller) {
    case 'none':
      return undefined;
    case 'unknown':
      return UNKNOWN_KEY;
    case 'admin':
      return TEST_ADMIN_KEY;
    default:
      return keys[caller];
  }
}

/** A request as a client sends it: a JSON body unless `type` says otherwise. */
function call(method: Method, path: string, caller: Caller | { key: string }, body?: unknown, type?: string): Test {
  let test = api.http[method](path);
  const key = typeof caller === 'object' ? caller.key : keyOf(caller);
  if (key !== undefined) test = test.set(bearer(key));
  if (type !== undefined) test = test.set('Content-Type', type);
  if (body !== undefined) test = test.send(body as object);
  return test;
}

/** Asserts the status, showing the body when it differs. */
async function expectStatus(test: Test | Promise<Response>, status: number): Promise<Response> {
  const res = await test;
  expect({ status: res.status, body: res.body }).toMatchObject({ status });
  return res;
}

interface ApiError {
  statusCode: number;
  error: string;
  message: string;
  details?: { field: string; message: string }[];
}

/** The one error shape: `{statusCode, error, message, details?}`, JSON, nothing else. */
function expectApiError(res: Response, status: number): ApiError {
  expect({ status: res.status, body: res.body }).toMatchObject({ status });
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const body = res.body as ApiError;
  expect(typeof body).toBe('object');
  for (const key of Object.keys(body)) expect(['statusCode', 'error', 'message', 'details']).toContain(key);
  expect(body).toMatchObject({ statusCode: status, error: STATUS_CODES[status], message: expect.any(String) });
  expect(body.message.length).toBeGreaterThan(0);
  if (body.details !== undefined) {
    expect(Array.isArray(body.details)).toBe(true);
    for (const detail of body.details) {
      expect(Object.keys(detail).sort()).toEqual(['field', 'message']);
      expect(detail).toEqual({ field: expect.any(String), message: expect.any(String) });
    }
  }
  return body;
}

/** A 400 whose details name exactly these fields (and, where given, with this message). */
function expectInvalidFields(res: Response, expected: readonly (readonly [string, string?])[]): ApiError {
  const body = expectApiError(res, 400);
  expect(body.details).toBeDefined();
  const named = [...new Set((body.details ?? []).map((detail) => detail.field))].sort();
  expect(named).toEqual([...new Set(expected.map(([field]) => field))].sort());
  for (const [field, message] of expected) {
    if (message !== undefined) expect(body.details).toContainEqual({ field, message });
  }
  return body;
}

async function newCandidate(keys: Keys, overrides: Record<string, unknown> = {}): Promise<string> {
  const res = await expectStatus(call('post', '/v1/candidates', { key: keys.caseworker }, aCandidate(overrides)), 201);
  return res.body.id;
}

async function newOpening(keys: Keys, overrides: Record<string, unknown> = {}): Promise<string> {
  const res = await expectStatus(call('post', '/v1/openings', { key: keys.employer }, anOpening(overrides)), 201);
  return res.body.id;
}

async function newSlot(keys: Keys, overrides: Record<string, unknown> = {}): Promise<string> {
  const res = await expectStatus(call('post', '/v1/slots', { key: keys.merchant }, aSlot(overrides)), 201);
  return res.body.id;
}

let codeCounter = 0;
/** A fresh single-use redemption code, as the matcher would issue (upper case). */
const newCode = () => `HG${Date.now().toString(36).toUpperCase()}${(codeCounter++).toString().padStart(3, '0')}`;

interface MatchRow {
  candidateId: string;
  caseworkerId: string;
  openingId?: string;
  slotId?: string;
  score?: number;
  status?: string;
  reasons?: unknown[];
  code?: string;
  createdAt?: Date;
}

/** Inserts a match as the (not yet built) matcher would. */
async function insertMatch(row: MatchRow): Promise<string> {
  const id = randomUUID();
  await world.db.query(
    `INSERT INTO matches (id, offer_kind, opening_id, slot_id, candidate_id, caseworker_id, score, reasons, status, redemption_code, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)`,
    [
      id,
      row.openingId !== undefined ? 'opening' : 'slot',
      row.openingId ?? null,
      row.slotId ?? null,
      row.candidateId,
      row.caseworkerId,
      row.score ?? 0.5,
      JSON.stringify(row.reasons ?? [{ code: 'distance', km: 0.4 }]),
      row.status ?? 'proposed',
      row.slotId !== undefined ? (row.code ?? newCode()) : null,
      row.createdAt ?? new Date(),
    ],
  );
  return id;
}

async function insertNotification(row: {
  recipientKind: 'organization' | 'caseworker' | 'candidate';
  recipientId: string;
  type: 'candidate_list' | 'offer' | 'match_summary';
  payload: Record<string, unknown>;
  candidateIds?: string[];
  createdAt: Date;
}): Promise<string> {
  const id = randomUUID();
  await world.db.query(
    `INSERT INTO notifications (id, recipient_kind, recipient_id, type, dedupe_key, payload, candidate_ids, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [id, row.recipientKind, row.recipientId, row.type, `test:${id}`, JSON.stringify(row.payload), row.candidateIds ?? [], row.createdAt],
  );
  return id;
}

async function matchStatus(id: string): Promise<string> {
  const { rows } = await world.db.query(`SELECT status FROM matches WHERE id = $1`, [id]);
  return rows[0].status;
}

const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000);

// ---------------------------------------------------------------------------------------------------------

const teardown = new Teardown();

beforeAll(async () => {
  world = teardown.add(await createTestWorld(), (started) => started.destroy());
  api = teardown.add(await startApi(world), (started) => started.close());
  recordResponses(api.app.getHttpServer());
  a = await createParties(api, 'A');
  b = await createParties(api, 'B');
});

afterAll(() => teardown.run());

afterEach(() => {
  const leaks = responses.splice(0).filter((response) => response.status >= 500 || LEAK.test(response.body));
  // No response may be a 500 or carry a stack trace or other internals.
  expect(leaks).toEqual([]);
});

// =========================================================================================================

describe('organizations and caseworkers (admin)', () => {
  it('POST /v1/organizations creates an employer: 201 with id, name, kind and an API key that works', async () => {
    const res = await expectStatus(call('post', '/v1/organizations', 'admin', { name: 'Yangpu Electronics', kind: 'employer' }), 201);
    expect(res.body).toMatchObject({ id: expect.stringMatching(UUID), name: 'Yangpu Electronics', kind: 'employer', apiKey: expect.any(String) });
    expect(res.body.apiKey.length).toBeGreaterThanOrEqual(32);
    expect(res.body).not.toHaveProperty('webhookSecret');
    await expectStatus(call('post', '/v1/openings', { key: res.body.apiKey }, anOpening()), 201);
  });

  it('POST /v1/organizations creates a merchant with a webhook: 201 with a whsec_ secret, shown once', async () => {
    const res = await expectStatus(
      call('post', '/v1/organizations', 'admin', { name: 'Dinghai Noodles', kind: 'merchant', webhookUrl: 'https://hooks.example.org/x' }),
      201,
    );
    expect(res.body).toMatchObject({ id: expect.stringMatching(UUID), name: 'Dinghai Noodles', kind: 'merchant', apiKey: expect.any(String) });
    expect(res.body.webhookSecret).toMatch(/^whsec_[A-Za-z0-9+/=_-]{20,}$/);
    await expectStatus(call('post', '/v1/slots', { key: res.body.apiKey }, aSlot()), 201);
    // Each organization gets its own key and secret.
    const other = await expectStatus(
      call('post', '/v1/organizations', 'admin', { name: 'Dinghai Barber', kind: 'merchant', webhookUrl: 'https://hooks.example.org/y' }),
      201,
    );
    expect(other.body.apiKey).not.toBe(res.body.apiKey);
    expect(other.body.webhookSecret).not.toBe(res.body.webhookSecret);
  });

  it('POST /v1/caseworkers: 201 with id, name, an API key that works, and a whsec_ secret when a webhook is set', async () => {
    const plain = await expectStatus(call('post', '/v1/caseworkers', 'admin', { name: 'Li Na' }), 201);
    expect(plain.body).toMatchObject({ id: expect.stringMatching(UUID), name: 'Li Na', apiKey: expect.any(String) });
    expect(plain.body).not.toHaveProperty('webhookSecret');
    const list = await expectStatus(call('get', '/v1/candidate-lists', { key: plain.body.apiKey }), 200);
    expect(list.body).toEqual([]);

    const hooked = await expectStatus(call('post', '/v1/caseworkers', 'admin', { name: 'Wang Fang', webhookUrl: 'https://hooks.example.org/x' }), 201);
    expect(hooked.body.webhookSecret).toMatch(/^whsec_/);
    expect(hooked.body.apiKey).not.toBe(plain.body.apiKey);
  });
});

describe('candidates (caseworker)', () => {
  it('POST /v1/candidates: 201 with an id and the profile as sent', async () => {
    const body = aCandidate({ displayName: 'Chen Jie', groups: ['rider', 'union_member'], accessibilityNeeds: ['quiet'] });
    const res = await expectStatus(call('post', '/v1/candidates', 'caseworker', body), 201);
    expect(res.body).toMatchObject({
      id: expect.stringMatching(UUID),
      displayName: 'Chen Jie',
      externalRef: 'YP-0001',
      phone: '+86 138 0013 8000',
      groups: ['rider', 'union_member'],
      skills: ['delivery'],
      location: { lat: 31.2712, lng: 121.5481 },
      maxTravelKm: 5,
      availability: weekdays('08:00', '12:00'),
      breaks: weekdays('13:00', '14:00'),
      accessibilityNeeds: ['quiet'],
      consent: { contact: true },
    });
  });

  it('GET /v1/candidates/:id: 200 with the profile', async () => {
    const id = await newCandidate(a, { displayName: 'Liu Yang', skills: ['cooking'] });
    const res = await expectStatus(call('get', `/v1/candidates/${id}`, 'caseworker'), 200);
    expect(res.body).toMatchObject({ id, displayName: 'Liu Yang', skills: ['cooking'], groups: ['rider'], consent: { contact: true } });
  });

  it('PATCH /v1/candidates/:id: 200, changes only the fields sent, null clears an optional field', async () => {
    const id = await newCandidate(a, { displayName: 'Zhao Lei' });
    const res = await expectStatus(
      call('patch', `/v1/candidates/${id}`, 'caseworker', { displayName: 'Zhao Lei (veteran)', groups: ['veteran'], maxTravelKm: null, phone: null }),
      200,
    );
    expect(res.body).toMatchObject({ id, displayName: 'Zhao Lei (veteran)', groups: ['veteran'], maxTravelKm: null, phone: null, skills: ['delivery'] });
    const again = await expectStatus(call('get', `/v1/candidates/${id}`, 'caseworker'), 200);
    expect(again.body).toMatchObject({ displayName: 'Zhao Lei (veteran)', groups: ['veteran'], maxTravelKm: null, externalRef: 'YP-0001' });
  });

  it('DELETE /v1/candidates/:id: 204 with no body, then GET, PATCH, explain and DELETE are 404', async () => {
    const id = await newCandidate(a);
    const opening = await newOpening(a);
    const res = await expectStatus(call('delete', `/v1/candidates/${id}`, 'caseworker'), 204);
    expect(res.text).toBe('');
    expectApiError(await call('get', `/v1/candidates/${id}`, 'caseworker'), 404);
    expectApiError(await call('patch', `/v1/candidates/${id}`, 'caseworker', { displayName: 'Back again' }), 404);
    expectApiError(await call('get', `/v1/candidates/${id}/explain?openingId=${opening}`, 'caseworker'), 404);
    expectApiError(await call('delete', `/v1/candidates/${id}`, 'caseworker'), 404);
  });

  it('DELETE /v1/candidates/:id removes the person from candidate lists', async () => {
    const parties = await createParties(api, 'erasure');
    const staying = await newCandidate(parties, { displayName: 'Stays' });
    const leaving = await newCandidate(parties, { displayName: 'Leaves' });
    const opening = await newOpening(parties);
    await insertMatch({ openingId: opening, candidateId: staying, caseworkerId: parties.caseworkerId, score: 0.5 });
    await insertMatch({ openingId: opening, candidateId: leaving, caseworkerId: parties.caseworkerId, score: 0.9 });
    const before = await expectStatus(call('get', '/v1/candidate-lists', { key: parties.caseworker }), 200);
    expect(before.body.flatMap((list: Body) => list.matches.map((m: Body) => m.candidateId))).toEqual([leaving, staying]);

    await expectStatus(call('delete', `/v1/candidates/${leaving}`, { key: parties.caseworker }), 204);
    const after = await expectStatus(call('get', '/v1/candidate-lists', { key: parties.caseworker }), 200);
    const shown = after.body.flatMap((list: Body) => list.matches.map((m: Body) => m.candidateId));
    expect(shown).toEqual([staying]);
    expect(JSON.stringify(after.body)).not.toContain('Leaves');
  });
});

describe('GET /v1/candidates/:id/explain', () => {
  const rule = (res: Response, name: string) => (res.body.rules as Body[]).find((check) => check.rule === name);

  it('?openingId= of an opening the person fits: every rule passes, with its figures', async () => {
    const candidate = await newCandidate(a);
    const opening = await newOpening(a, { targetGroups: ['rider'], shifts: weekdays('08:00', '12:00'), accessibilityFeatures: [] });
    const res = await expectStatus(call('get', `/v1/candidates/${candidate}/explain?openingId=${opening}`, 'caseworker'), 200);
    expect(res.body).toMatchObject({ candidateId: candidate, offerId: opening, eligible: true });
    expect(Array.isArray(res.body.rules)).toBe(true);
    expect(res.body.rules.length).toBeGreaterThanOrEqual(5);
    for (const check of res.body.rules) expect(check).toMatchObject({ rule: expect.any(String), pass: true });
    expect(rule(res, 'target_group')).toMatchObject({ pass: true, common: ['rider'] });
    expect(rule(res, 'distance')).toMatchObject({ pass: true, radiusKm: 10, maxTravelKm: 5 });
    expect(rule(res, 'distance')?.km).toBeLessThan(0.5);
    expect(rule(res, 'schedule')).toMatchObject({ pass: true, coveredMinutes: 1200, shiftMinutes: 1200, coverage: 1 });
  });

  it('?openingId= of an opening the person does not fit: the failing rules say why, with figures', async () => {
    // Without consent to sensitive use the need would not be used at all (issue 11): this person allows it.
    const candidate = await newCandidate(a, {
      consent: { contact: false, sensitive: true },
      accessibilityNeeds: ['wheelchair'],
      location: { lat: 31.0, lng: 121.2 },
      maxTravelKm: 50,
    });
    const opening = await newOpening(a, { targetGroups: ['rider'], accessibilityFeatures: [] });
    const res = await expectStatus(call('get', `/v1/candidates/${candidate}/explain?openingId=${opening}`, 'caseworker'), 200);
    expect(res.body).toMatchObject({ candidateId: candidate, offerId: opening, eligible: false });
    const failing = (res.body.rules as Body[])
      .filter((check) => check.pass === false)
      .map((check) => check.rule)
      .sort();
    expect(failing).toEqual(['accessibility', 'consent', 'distance']);
    expect(rule(res, 'distance')?.km).toBeGreaterThan(10);
    expect(rule(res, 'accessibility')).toMatchObject({ pass: false, unmetNeeds: ['wheelchair'] });
    // 08:00-12:00 covers half of the 08:00-16:00 shifts: exactly the 50% required.
    expect(rule(res, 'schedule')).toMatchObject({ pass: true, coverage: 0.5, coveredMinutes: 1200, shiftMinutes: 2400 });
  });

  it("?slotId= of a slot during the person's break: passes, with the minutes of overlap", async () => {
    const candidate = await newCandidate(a);
    const slot = await newSlot(a);
    const res = await expectStatus(call('get', `/v1/candidates/${candidate}/explain?slotId=${slot}`, 'caseworker'), 200);
    expect(res.body).toMatchObject({ candidateId: candidate, offerId: slot, eligible: true });
    for (const check of res.body.rules) expect(check.pass).toBe(true);
    expect(rule(res, 'break_overlap')).toMatchObject({ pass: true, bestOverlapMinutes: 60 });
  });

  it("?slotId= of a slot outside the person's breaks: fails on the overlap only", async () => {
    const candidate = await newCandidate(a, { breaks: weekdays('15:00', '16:00') });
    const slot = await newSlot(a);
    const res = await expectStatus(call('get', `/v1/candidates/${candidate}/explain?slotId=${slot}`, 'caseworker'), 200);
    expect(res.body.eligible).toBe(false);
    expect((res.body.rules as Body[]).filter((check) => !check.pass).map((check) => check.rule)).toEqual(['break_overlap']);
    expect(rule(res, 'break_overlap')).toMatchObject({ pass: false, bestOverlapMinutes: 0 });
  });

  it('an opening or slot that does not exist: 404', async () => {
    const candidate = await newCandidate(a);
    expectApiError(await call('get', `/v1/candidates/${candidate}/explain?openingId=${randomUUID()}`, 'caseworker'), 404);
    expectApiError(await call('get', `/v1/candidates/${candidate}/explain?slotId=${randomUUID()}`, 'caseworker'), 404);
  });
});

describe('openings (employer)', () => {
  it('POST /v1/openings: 201 with status "open", the opening as sent, the default radius and an empty matchSummary', async () => {
    const body = without(anOpening({ title: 'Warehouse picker', validUntil: FUTURE }), 'radiusKm');
    const res = await expectStatus(call('post', '/v1/openings', 'employer', body), 201);
    expect(res.body).toMatchObject({
      id: expect.stringMatching(UUID),
      status: 'open',
      title: 'Warehouse picker',
      skills: ['assembly'],
      targetGroups: ['veteran', 'disabled'],
      location: DINGHAI_ROAD,
      radiusKm: 10,
      shifts: weekdays('08:00', '16:00'),
      accessibilityFeatures: ['wheelchair'],
      positions: 20,
    });
    expect(new Date(res.body.validUntil).toISOString()).toBe(FUTURE);
  });

  it('GET /v1/openings/:id: 200 with matchSummary holding all eight counts', async () => {
    const id = await newOpening(a, { title: 'Packer' });
    const res = await expectStatus(call('get', `/v1/openings/${id}`, 'employer'), 200);
    expect(res.body).toMatchObject({ id, status: 'open', title: 'Packer' });
    expect(res.body.matchSummary).toEqual(Object.fromEntries(SUMMARY_KEYS.map((key) => [key, 0])));
  });

  it('PATCH /v1/openings/:id: 200 with the change, the rest untouched; null clears validUntil', async () => {
    const id = await newOpening(a, { validUntil: FUTURE });
    const res = await expectStatus(call('patch', `/v1/openings/${id}`, 'employer', { title: 'Senior operator', positions: 5, validUntil: null }), 200);
    expect(res.body).toMatchObject({ id, status: 'open', title: 'Senior operator', positions: 5, validUntil: null, skills: ['assembly'] });
    const again = await expectStatus(call('get', `/v1/openings/${id}`, 'employer'), 200);
    expect(again.body).toMatchObject({ title: 'Senior operator', positions: 5, validUntil: null, radiusKm: 10 });
  });

  it('POST /v1/openings/:id/close: 200 with status "closed" and matchSummary', async () => {
    const id = await newOpening(a);
    const res = await expectStatus(call('post', `/v1/openings/${id}/close`, 'employer'), 200);
    expect(res.body).toMatchObject({ id, status: 'closed' });
    expect(Object.keys(res.body.matchSummary).sort()).toEqual(SUMMARY_KEYS);
    const again = await expectStatus(call('get', `/v1/openings/${id}`, 'employer'), 200);
    expect(again.body.status).toBe('closed');
  });

  it('matchSummary counts the matches of this opening by status, and names no one', async () => {
    const parties = await createParties(api, 'summary');
    const opening = await newOpening(parties);
    const otherOpening = await newOpening(parties);
    const statuses = [
      'proposed',
      'proposed',
      'proposed',
      'contacted',
      'interested',
      'interested',
      'interview',
      'hired',
      'declined',
      'no_response',
      'withdrawn',
    ];
    const people: string[] = [];
    for (const [index, status] of statuses.entries()) {
      const candidate = await newCandidate(parties, { displayName: `Summary person ${index}`, phone: `+86 139 0000 00${10 + index}` });
      people.push(candidate);
      await insertMatch({ openingId: opening, candidateId: candidate, caseworkerId: parties.caseworkerId, status });
    }
    await insertMatch({ openingId: otherOpening, candidateId: people[0], caseworkerId: parties.caseworkerId, status: 'hired' });

    const res = await expectStatus(call('get', `/v1/openings/${opening}`, { key: parties.employer }), 200);
    expect(res.body.matchSummary).toEqual({
      proposed: 3,
      contacted: 1,
      interested: 2,
      interview: 1,
      hired: 1,
      declined: 1,
      no_response: 1,
      withdrawn: 1,
    });
    const text = JSON.stringify(res.body);
    for (const person of people) expect(text).not.toContain(person);
    expect(text).not.toContain('Summary person');
    expect(text).not.toContain('+86');

    const closed = await expectStatus(call('post', `/v1/openings/${opening}/close`, { key: parties.employer }), 200);
    expect(closed.body.status).toBe('closed');
    const summary = closed.body.matchSummary as Record<string, number>;
    expect(Object.keys(summary).sort()).toEqual(SUMMARY_KEYS);
    expect(Object.values(summary).reduce((sum, count) => sum + count, 0)).toBe(statuses.length);
    // Closing withdraws open matches only: finished ones keep their status.
    expect(summary).toMatchObject({ hired: 1, declined: 1, no_response: 1 });
  });
});

describe('slots (merchant)', () => {
  it('POST /v1/slots: 201 with status "active", the slot as sent, the default radius and offerSummary', async () => {
    const body = without(aSlot({ title: 'Haircut for riders', kind: 'haircut', capacity: 3, offer: { price: 15, description: 'Cut 15 yuan' } }), 'radiusKm');
    const res = await expectStatus(call('post', '/v1/slots', 'merchant', body), 201);
    expect(res.body).toMatchObject({
      id: expect.stringMatching(UUID),
      status: 'active',
      title: 'Haircut for riders',
      kind: 'haircut',
      eligibleGroups: ['rider', 'security_guard', 'sanitation'],
      windows: weekdays('13:00', '14:00'),
      capacity: 3,
      offer: { price: 15, description: 'Cut 15 yuan' },
      location: DINGHAI_ROAD,
      radiusKm: 3,
      offerSummary: { offered: 0, redeemed: 0 },
    });
  });

  it('GET /v1/slots/:id: 200 with the slot and offerSummary', async () => {
    const id = await newSlot(a, { title: 'Evening repair' });
    const res = await expectStatus(call('get', `/v1/slots/${id}`, 'merchant'), 200);
    expect(res.body).toMatchObject({ id, status: 'active', title: 'Evening repair', offerSummary: { offered: 0, redeemed: 0 } });
  });

  it('PATCH /v1/slots/:id: 200 with the change, the rest untouched', async () => {
    const id = await newSlot(a);
    const res = await expectStatus(call('patch', `/v1/slots/${id}`, 'merchant', { capacity: 12, offer: { discountPercent: 50 } }), 200);
    expect(res.body).toMatchObject({ id, status: 'active', capacity: 12, offer: { discountPercent: 50 }, title: 'Rider special lunch' });
    const again = await expectStatus(call('get', `/v1/slots/${id}`, 'merchant'), 200);
    expect(again.body).toMatchObject({ capacity: 12, offer: { discountPercent: 50 }, kind: 'meal' });
  });

  it('POST /v1/slots/:id/withdraw: 200 with status "withdrawn"', async () => {
    const id = await newSlot(a);
    const res = await expectStatus(call('post', `/v1/slots/${id}/withdraw`, 'merchant'), 200);
    expect(res.body).toMatchObject({ id, status: 'withdrawn' });
    const again = await expectStatus(call('get', `/v1/slots/${id}`, 'merchant'), 200);
    expect(again.body.status).toBe('withdrawn');
  });

  it('POST /v1/slots/:id/redemptions: 201 for the code the worker shows; the offer counts as redeemed; no personal data back', async () => {
    const slot = await newSlot(a);
    const candidate = await newCandidate(a, { displayName: 'Sun Hao', phone: '+86 137 1111 2222' });
    const code = newCode();
    const match = await insertMatch({ slotId: slot, candidateId: candidate, caseworkerId: a.caseworkerId, code });
    const res = await expectStatus(call('post', `/v1/slots/${slot}/redemptions`, 'merchant', { code }), 201);
    expect(res.body).toMatchObject({ matchId: match, slotId: slot, status: 'redeemed' });
    const text = JSON.stringify(res.body);
    expect(text).not.toContain('Sun Hao');
    expect(text).not.toContain('137 1111');
    expect(await matchStatus(match)).toBe('redeemed');
    const after = await expectStatus(call('get', `/v1/slots/${slot}`, 'merchant'), 200);
    expect(after.body.offerSummary).toEqual({ offered: 1, redeemed: 1 });
  });
});

describe('PATCH /v1/matches/:id (caseworker owning the candidate)', () => {
  it('walks a job match proposed -> contacted -> interested -> interview -> hired, 200 each time', async () => {
    const candidate = await newCandidate(a);
    const opening = await newOpening(a);
    const match = await insertMatch({ openingId: opening, candidateId: candidate, caseworkerId: a.caseworkerId });
    for (const status of ['contacted', 'interested', 'interview', 'hired']) {
      const res = await expectStatus(call('patch', `/v1/matches/${match}`, 'caseworker', { status, note: `now ${status}` }), 200);
      expect(res.body).toMatchObject({ status });
      expect(await matchStatus(match)).toBe(status);
    }
    const summary = await expectStatus(call('get', `/v1/openings/${opening}`, 'employer'), 200);
    expect(summary.body.matchSummary).toMatchObject({ hired: 1, proposed: 0 });
  });

  it('records declined with a reason, and no_response, from an open status', async () => {
    const opening = await newOpening(a);
    const first = await insertMatch({ openingId: opening, candidateId: await newCandidate(a), caseworkerId: a.caseworkerId, status: 'interested' });
    const second = await insertMatch({ openingId: opening, candidateId: await newCandidate(a), caseworkerId: a.caseworkerId });
    const declined = await expectStatus(call('patch', `/v1/matches/${first}`, 'caseworker', { status: 'declined', reason: 'Shift too early' }), 200);
    expect(declined.body).toMatchObject({ status: 'declined', reason: 'Shift too early' });
    const silent = await expectStatus(call('patch', `/v1/matches/${second}`, 'caseworker', { status: 'no_response' }), 200);
    expect(silent.body).toMatchObject({ status: 'no_response' });
  });
});

describe('GET /v1/candidate-lists (caseworker)', () => {
  it("shows per offer only the caller's own candidates, best score first, with the documented fields", async () => {
    const mine = await createParties(api, 'lists-mine');
    const theirs = await createParties(api, 'lists-theirs');
    const low = await newCandidate(mine, { displayName: 'Low score' });
    const high = await newCandidate(mine, { displayName: 'High score' });
    const middle = await newCandidate(mine, { displayName: 'Middle score' });
    const foreign = await newCandidate(theirs, { displayName: 'Someone else' });
    const opening = await newOpening(mine, { title: 'Night security' });
    const slot = await newSlot(mine, { title: 'Lunch 30% off' });
    const reasons = [
      { code: 'distance', km: 1.2 },
      { code: 'skills', covered: 1 },
    ];
    // Inserted out of order: the list must sort them.
    const lowMatch = await insertMatch({ openingId: opening, candidateId: low, caseworkerId: mine.caseworkerId, score: 0.21, reasons });
    const highMatch = await insertMatch({ openingId: opening, candidateId: high, caseworkerId: mine.caseworkerId, score: 0.93, reasons });
    const foreignMatch = await insertMatch({ openingId: opening, candidateId: foreign, caseworkerId: theirs.caseworkerId, score: 0.99 });
    const middleMatch = await insertMatch({
      openingId: opening,
      candidateId: middle,
      caseworkerId: mine.caseworkerId,
      score: 0.5,
      reasons,
      status: 'contacted',
    });
    const slotMatch = await insertMatch({ slotId: slot, candidateId: low, caseworkerId: mine.caseworkerId, score: 0.66, reasons });

    const res = await expectStatus(call('get', '/v1/candidate-lists', { key: mine.caseworker }), 200);
    expect(res.body).toHaveLength(2);
    const openingList = res.body.find((list: Body) => list.offerId === opening);
    expect(openingList).toMatchObject({ kind: 'opening', offerId: opening, title: 'Night security' });
    expect(openingList.matches).toEqual(
      [
        { matchId: highMatch, candidateId: high, displayName: 'High score', score: 0.93, reasons, status: 'proposed' },
        { matchId: middleMatch, candidateId: middle, displayName: 'Middle score', score: 0.5, reasons, status: 'contacted' },
        { matchId: lowMatch, candidateId: low, displayName: 'Low score', score: 0.21, reasons, status: 'proposed' },
      ].map((expected) => expect.objectContaining(expected)),
    );
    const slotList = res.body.find((list: Body) => list.offerId === slot);
    expect(slotList).toMatchObject({ kind: 'slot', offerId: slot, title: 'Lunch 30% off' });
    expect(slotList.matches).toEqual([expect.objectContaining({ matchId: slotMatch, candidateId: low, score: 0.66, status: 'proposed' })]);
    expect(JSON.stringify(res.body)).not.toContain(foreign);
    expect(JSON.stringify(res.body)).not.toContain('Someone else');

    const other = await expectStatus(call('get', '/v1/candidate-lists', { key: theirs.caseworker }), 200);
    expect(other.body).toEqual([
      expect.objectContaining({
        kind: 'opening',
        offerId: opening,
        matches: [expect.objectContaining({ matchId: foreignMatch, candidateId: foreign, score: 0.99 })],
      }),
    ]);
  });
});

describe('GET /v1/inbox (employer, merchant, caseworker)', () => {
  it("shows the caller's own notifications, newest first, as {id, type, createdAt, payload}", async () => {
    const mine = await createParties(api, 'inbox-mine');
    const theirs = await createParties(api, 'inbox-theirs');
    const forCaseworker = (minutes: number, batch: number) =>
      insertNotification({
        recipientKind: 'caseworker',
        recipientId: mine.caseworkerId,
        type: 'candidate_list',
        payload: { batch, offer: { kind: 'opening', title: 'Packer' }, matches: [] },
        createdAt: minutesAgo(minutes),
      });
    // Inserted out of order: the inbox must sort them.
    const middle = await forCaseworker(20, 2);
    const oldest = await forCaseworker(30, 1);
    const newest = await forCaseworker(10, 3);
    await insertNotification({
      recipientKind: 'caseworker',
      recipientId: theirs.caseworkerId,
      type: 'candidate_list',
      payload: { batch: 99 },
      createdAt: minutesAgo(1),
    });
    const employerNote = await insertNotification({
      recipientKind: 'organization',
      recipientId: mine.employerId,
      type: 'match_summary',
      payload: { proposed: 4 },
      createdAt: minutesAgo(5),
    });
    const merchantNote = await insertNotification({
      recipientKind: 'organization',
      recipientId: mine.merchantId,
      type: 'match_summary',
      payload: { offered: 2 },
      createdAt: minutesAgo(5),
    });
    await insertNotification({
      recipientKind: 'organization',
      recipientId: theirs.employerId,
      type: 'match_summary',
      payload: { proposed: 9 },
      createdAt: minutesAgo(1),
    });

    const caseworker = await expectStatus(call('get', '/v1/inbox', { key: mine.caseworker }), 200);
    expect(caseworker.body.map((entry: Body) => entry.id)).toEqual([newest, middle, oldest]);
    expect(caseworker.body[0]).toEqual({
      id: newest,
      type: 'candidate_list',
      createdAt: expect.stringMatching(ISO_INSTANT),
      payload: { batch: 3, offer: { kind: 'opening', title: 'Packer' }, matches: [] },
    });
    const times = caseworker.body.map((entry: Body) => Date.parse(entry.createdAt));
    expect(times).toEqual([...times].sort((x, y) => y - x));

    const employer = await expectStatus(call('get', '/v1/inbox', { key: mine.employer }), 200);
    expect(employer.body).toEqual([{ id: employerNote, type: 'match_summary', createdAt: expect.stringMatching(ISO_INSTANT), payload: { proposed: 4 } }]);
    const merchant = await expectStatus(call('get', '/v1/inbox', { key: mine.merchant }), 200);
    expect(merchant.body).toEqual([{ id: merchantNote, type: 'match_summary', createdAt: expect.stringMatching(ISO_INSTANT), payload: { offered: 2 } }]);
  });
});

describe('Idempotency-Key on POST', () => {
  it('the same key and body return the first response and create nothing new; another body is 409', async () => {
    const key = `contract-${randomUUID()}`;
    const body = anOpening({ title: `Idempotent ${key}` });
    const first = await expectStatus(call('post', '/v1/openings', 'employer', body).set('Idempotency-Key', key), 201);
    const second = await expectStatus(call('post', '/v1/openings', 'employer', body).set('Idempotency-Key', key), 201);
    expect(second.body).toEqual(first.body);
    const { rows } = await world.db.query(`SELECT count(*)::int AS n FROM openings WHERE title = $1`, [body.title]);
    expect(rows[0].n).toBe(1);
    expectApiError(await call('post', '/v1/openings', 'employer', { ...body, positions: 3 }).set('Idempotency-Key', key), 409);
  });
});

describe('POST /v1/candidates/bulk (caseworker)', () => {
  const candidatesOf = async (caseworkerId: string) =>
    (await world.db.query(`SELECT display_name FROM candidates WHERE caseworker_id = $1 ORDER BY display_name`, [caseworkerId])).rows.map(
      (row) => row.display_name,
    );

  it('NDJSON: 200, valid lines kept, bad lines reported by line number with the bad fields', async () => {
    const parties = await createParties(api, 'bulk-ndjson');
    const lines = [
      JSON.stringify(aCandidate({ displayName: 'Bulk one' })),
      JSON.stringify(aCandidate({ displayName: 'Bulk two', groups: ['courier'] })),
      JSON.stringify(aCandidate({ displayName: 'Bulk bad', location: { lat: 91, lng: 121.5 } })),
      '{"displayName": "broken",',
      JSON.stringify(aCandidate({ displayName: 'Bulk unknown field', shoeSize: 42 })),
    ];
    const res = await expectStatus(call('post', '/v1/candidates/bulk', { key: parties.caseworker }, `${lines.join('\n')}\n`, 'application/x-ndjson'), 200);
    expect(res.body.accepted).toBe(2);
    expect(res.body.rejected.map((entry: Body) => entry.line)).toEqual([3, 4, 5]);
    expect(res.body.rejected[0].details).toContainEqual({ field: 'location.lat', message: 'must be between -90 and 90' });
    expect(res.body.rejected[2].details).toContainEqual({ field: 'shoeSize', message: 'is not allowed' });
    expect(await candidatesOf(parties.caseworkerId)).toEqual(['Bulk one', 'Bulk two']);
  });

  it('CSV: 200, valid rows kept, bad rows reported', async () => {
    const parties = await createParties(api, 'bulk-csv');
    const csv = [
      'displayName,groups,lat,lng,breaks,consentContact',
      'Csv one,rider;courier,31.2712,121.5481,1 13:00-14:00;2 13:00-14:00,true',
      'Csv bad,pilot,31.2712,121.5481,,true',
    ].join('\n');
    const res = await expectStatus(call('post', '/v1/candidates/bulk', { key: parties.caseworker }, csv, 'text/csv'), 200);
    expect(res.body.accepted).toBe(1);
    expect(res.body.rejected).toEqual([{ line: 3, details: [expect.objectContaining({ field: 'groups' })] }]);
    expect(await candidatesOf(parties.caseworkerId)).toEqual(['Csv one']);
  });

  it.each([
    ['without a location', () => without(aCandidate({ displayName: 'No location' }), 'location')],
    ['without consent', () => without(aCandidate({ displayName: 'No consent' }), 'consent')],
    ['with a NUL character in the name', () => aCandidate({ displayName: 'Nul\u0000name' })],
  ])('a line %s is reported as rejected and the valid lines are kept (not a 500)', async (_label, bad) => {
    const parties = await createParties(api, 'bulk-bad');
    const lines = [JSON.stringify(aCandidate({ displayName: 'Good line' })), JSON.stringify(bad())];
    const res = await expectStatus(call('post', '/v1/candidates/bulk', { key: parties.caseworker }, lines.join('\n'), 'application/x-ndjson'), 200);
    expect(res.body).toEqual({
      accepted: 1,
      rejected: [{ line: 2, details: expect.arrayContaining([expect.objectContaining({ field: expect.any(String) })]) }],
    });
    expect(await candidatesOf(parties.caseworkerId)).toEqual(['Good line']);
  });

  it('a text/plain body on the bulk route: 415', async () => {
    expectApiError(await call('post', '/v1/candidates/bulk', 'caseworker', JSON.stringify(aCandidate()), 'text/plain'), 415);
  });
});

// =========================================================================================================

describe('400: bad values, each bad field named in details', () => {
  const without = (body: Record<string, unknown>, ...keys: string[]) => Object.fromEntries(Object.entries(body).filter(([key]) => !keys.includes(key)));
  type BadRow = [string, Caller, Method, string, unknown, (readonly [string, string?])[]];
  const rows: BadRow[] = [
    // candidates
    [
      'a candidate latitude out of range',
      'caseworker',
      'post',
      '/v1/candidates',
      aCandidate({ location: { lat: 91, lng: 121.5 } }),
      [['location.lat', 'must be between -90 and 90']],
    ],
    ['a candidate longitude given as text', 'caseworker', 'post', '/v1/candidates', aCandidate({ location: { lat: 31.2, lng: '121.5' } }), [['location.lng']]],
    ['an unknown target group', 'caseworker', 'post', '/v1/candidates', aCandidate({ groups: ['pilot'] }), [['groups']]],
    ['no target group', 'caseworker', 'post', '/v1/candidates', aCandidate({ groups: [] }), [['groups']]],
    ['a missing displayName', 'caseworker', 'post', '/v1/candidates', without(aCandidate(), 'displayName'), [['displayName', 'is required']]],
    ['a missing candidate location', 'caseworker', 'post', '/v1/candidates', without(aCandidate(), 'location'), [['location']]],
    ['a missing consent', 'caseworker', 'post', '/v1/candidates', without(aCandidate(), 'consent'), [['consent']]],
    ['consent.contact that is not a boolean', 'caseworker', 'post', '/v1/candidates', aCandidate({ consent: { contact: 'yes' } }), [['consent.contact']]],
    ['a break ending at 24:00', 'caseworker', 'post', '/v1/candidates', aCandidate({ breaks: [{ day: 1, start: '13:00', end: '24:00' }] }), [['breaks.0.end']]],
    ['an unknown accessibility need', 'caseworker', 'post', '/v1/candidates', aCandidate({ accessibilityNeeds: ['ramp'] }), [['accessibilityNeeds']]],
    [
      'several bad candidate fields at once',
      'caseworker',
      'post',
      '/v1/candidates',
      aCandidate({ location: { lat: -100, lng: 200 }, groups: ['pilot'], maxTravelKm: 0, availability: [{ day: 0, start: '8:00', end: '12:00' }] }),
      [
        ['location.lat', 'must be between -90 and 90'],
        ['location.lng', 'must be between -180 and 180'],
        ['groups'],
        ['maxTravelKm'],
        ['availability.0.day'],
        ['availability.0.start'],
      ],
    ],
    ['an unknown candidate field', 'caseworker', 'post', '/v1/candidates', aCandidate({ favouriteColour: 'red' }), [['favouriteColour', 'is not allowed']]],
    [
      'an unknown nested field',
      'caseworker',
      'post',
      '/v1/candidates',
      aCandidate({ location: { lat: 31.27, lng: 121.54, alt: 12 } }),
      [['location.alt', 'is not allowed']],
    ],
    ['a body that is a JSON array', 'caseworker', 'post', '/v1/candidates', [aCandidate()], [['(body)']]],
    // openings
    ['a shift starting at 25:00', 'employer', 'post', '/v1/openings', anOpening({ shifts: [{ day: 1, start: '25:00', end: '16:00' }] }), [['shifts.0.start']]],
    ['a shift on day 8', 'employer', 'post', '/v1/openings', anOpening({ shifts: [{ day: 8, start: '08:00', end: '16:00' }] }), [['shifts.0.day']]],
    ['no shifts', 'employer', 'post', '/v1/openings', anOpening({ shifts: [] }), [['shifts']]],
    ['0 positions', 'employer', 'post', '/v1/openings', anOpening({ positions: 0 }), [['positions']]],
    ['10001 positions', 'employer', 'post', '/v1/openings', anOpening({ positions: 10001 }), [['positions']]],
    ['a fractional number of positions', 'employer', 'post', '/v1/openings', anOpening({ positions: 1.5 }), [['positions']]],
    ['an opening validUntil in the past', 'employer', 'post', '/v1/openings', anOpening({ validUntil: PAST }), [['validUntil', 'must be in the future']]],
    ['an opening validUntil that is not a date', 'employer', 'post', '/v1/openings', anOpening({ validUntil: 'next week' }), [['validUntil']]],
    ['an unknown opening target group', 'employer', 'post', '/v1/openings', anOpening({ targetGroups: ['astronaut'] }), [['targetGroups']]],
    ['a missing opening title', 'employer', 'post', '/v1/openings', without(anOpening(), 'title'), [['title', 'is required']]],
    ['a missing opening location', 'employer', 'post', '/v1/openings', without(anOpening(), 'location'), [['location']]],
    // slots
    ['an unknown slot kind', 'merchant', 'post', '/v1/slots', aSlot({ kind: 'spa' }), [['kind']]],
    ['capacity 0', 'merchant', 'post', '/v1/slots', aSlot({ capacity: 0 }), [['capacity']]],
    ['a discount of 101%', 'merchant', 'post', '/v1/slots', aSlot({ offer: { discountPercent: 101 } }), [['offer.discountPercent']]],
    ['a slot window on day 0', 'merchant', 'post', '/v1/slots', aSlot({ windows: [{ day: 0, start: '13:00', end: '14:00' }] }), [['windows.0.day']]],
    ['no eligible group', 'merchant', 'post', '/v1/slots', aSlot({ eligibleGroups: [] }), [['eligibleGroups']]],
    ['a slot validUntil in the past', 'merchant', 'post', '/v1/slots', aSlot({ validUntil: PAST }), [['validUntil', 'must be in the future']]],
    ['a missing slot offer', 'merchant', 'post', '/v1/slots', without(aSlot(), 'offer'), [['offer']]],
    ['a missing slot location', 'merchant', 'post', '/v1/slots', without(aSlot(), 'location'), [['location']]],
    // organizations and caseworkers
    ['an unknown organization kind', 'admin', 'post', '/v1/organizations', { name: 'Bank', kind: 'bank' }, [['kind']]],
    ['an empty organization name', 'admin', 'post', '/v1/organizations', { name: '', kind: 'employer' }, [['name']]],
    [
      'a webhook URL that is not http(s)',
      'admin',
      'post',
      '/v1/organizations',
      { name: 'X', kind: 'merchant', webhookUrl: 'ftp://hooks.example.org/x' },
      [['webhookUrl']],
    ],
    [
      'a webhook URL on a private address',
      'admin',
      'post',
      '/v1/organizations',
      { name: 'X', kind: 'merchant', webhookUrl: 'http://10.0.0.1/hook' },
      [['webhookUrl']],
    ],
    ['a caseworker without a name', 'admin', 'post', '/v1/caseworkers', {}, [['name', 'is required']]],
    // PATCH: null for a field the resource must have, values out of range, unknown fields
    ['PATCH an opening with title null', 'employer', 'patch', '/v1/openings/{opening}', { title: null }, [['title']]],
    ['PATCH an opening with shifts null', 'employer', 'patch', '/v1/openings/{opening}', { shifts: null }, [['shifts']]],
    ['PATCH an opening with location null', 'employer', 'patch', '/v1/openings/{opening}', { location: null }, [['location']]],
    ['PATCH an opening with positions null', 'employer', 'patch', '/v1/openings/{opening}', { positions: null }, [['positions']]],
    [
      'PATCH an opening with validUntil in the past',
      'employer',
      'patch',
      '/v1/openings/{opening}',
      { validUntil: PAST },
      [['validUntil', 'must be in the future']],
    ],
    ['PATCH an opening with an unknown field', 'employer', 'patch', '/v1/openings/{opening}', { salary: 9000 }, [['salary', 'is not allowed']]],
    ['PATCH a candidate with displayName null', 'caseworker', 'patch', '/v1/candidates/{candidate}', { displayName: null }, [['displayName']]],
    ['PATCH a candidate with groups null', 'caseworker', 'patch', '/v1/candidates/{candidate}', { groups: null }, [['groups']]],
    ['PATCH a candidate with consent null', 'caseworker', 'patch', '/v1/candidates/{candidate}', { consent: null }, [['consent']]],
    ['PATCH a candidate with location null', 'caseworker', 'patch', '/v1/candidates/{candidate}', { location: null }, [['location']]],
    ['PATCH a candidate with an unknown field', 'caseworker', 'patch', '/v1/candidates/{candidate}', { nickname: 'Wei' }, [['nickname', 'is not allowed']]],
    ['PATCH a slot with capacity null', 'merchant', 'patch', '/v1/slots/{slot}', { capacity: null }, [['capacity']]],
    ['PATCH a slot with kind null', 'merchant', 'patch', '/v1/slots/{slot}', { kind: null }, [['kind']]],
    ['PATCH a slot with offer null', 'merchant', 'patch', '/v1/slots/{slot}', { offer: null }, [['offer']]],
    ['PATCH a slot with validUntil in the past', 'merchant', 'patch', '/v1/slots/{slot}', { validUntil: PAST }, [['validUntil', 'must be in the future']]],
    ['PATCH a match to declined without a reason', 'caseworker', 'patch', '/v1/matches/{match}', { status: 'declined' }, [['reason']]],
    ['PATCH a match to an unknown status', 'caseworker', 'patch', '/v1/matches/{match}', { status: 'married' }, [['status']]],
    ['PATCH a match without a status', 'caseworker', 'patch', '/v1/matches/{match}', { note: 'called twice' }, [['status', 'is required']]],
    [
      'PATCH a match with an unknown field',
      'caseworker',
      'patch',
      '/v1/matches/{match}',
      { status: 'contacted', channel: 'phone' },
      [['channel', 'is not allowed']],
    ],
    ['a redemption without a code', 'merchant', 'post', '/v1/slots/{slot}/redemptions', {}, [['code', 'is required']]],
    ['explain with an openingId that is not a UUID', 'caseworker', 'get', '/v1/candidates/{candidate}/explain?openingId=42', undefined, [['openingId']]],
    ['explain with a slotId that is not a UUID', 'caseworker', 'get', '/v1/candidates/{candidate}/explain?slotId=lunch', undefined, [['slotId']]],
  ];

  const ids: Record<string, string> = {};
  let snapshot: { opening: Body; candidate: Body; slot: Body };
  beforeAll(async () => {
    ids.candidate = await newCandidate(a);
    ids.opening = await newOpening(a);
    ids.slot = await newSlot(a);
    ids.match = await insertMatch({ openingId: ids.opening, candidateId: ids.candidate, caseworkerId: a.caseworkerId });
    snapshot = {
      opening: (await call('get', `/v1/openings/${ids.opening}`, 'employer')).body,
      candidate: (await call('get', `/v1/candidates/${ids.candidate}`, 'caseworker')).body,
      slot: (await call('get', `/v1/slots/${ids.slot}`, 'merchant')).body,
    };
    responses.splice(0);
  });
  const resolve = (path: string) => path.replace(/\{(\w+)\}/g, (_, name: string) => ids[name]);

  it.each(rows)('%s: 400 naming the field', async (_label, caller, method, path, body, expected) => {
    expectInvalidFields(await call(method, resolve(path), caller, body), expected);
  });

  it('refused PATCHes changed nothing', async () => {
    const opening = await expectStatus(call('get', `/v1/openings/${ids.opening}`, 'employer'), 200);
    expect(opening.body).toEqual(snapshot.opening);
    const candidate = await expectStatus(call('get', `/v1/candidates/${ids.candidate}`, 'caseworker'), 200);
    expect(candidate.body).toEqual(snapshot.candidate);
    const slot = await expectStatus(call('get', `/v1/slots/${ids.slot}`, 'merchant'), 200);
    expect(slot.body).toEqual(snapshot.slot);
    expect(await matchStatus(ids.match)).toBe('proposed');
  });

  it('explain with neither openingId nor slotId: 400 with details', async () => {
    const body = expectApiError(await call('get', `/v1/candidates/${ids.candidate}/explain`, 'caseworker'), 400);
    expect(body.details?.length).toBeGreaterThan(0);
  });

  it('PATCH a match to "withdrawn" (set by the system only) is refused and changes nothing', async () => {
    const res = await call('patch', `/v1/matches/${ids.match}`, 'caseworker', { status: 'withdrawn' });
    expect([400, 409]).toContain(res.status);
    expectApiError(res, res.status);
    expect(await matchStatus(ids.match)).toBe('proposed');
  });

  it.each([
    ['a candidate displayName (text)', 'caseworker', '/v1/candidates', aCandidate({ displayName: 'Zhang\u0000Wei' })],
    ['a candidate skill (text[])', 'caseworker', '/v1/candidates', aCandidate({ skills: ['cook\u0000ing'] })],
    ['a slot offer description (jsonb)', 'merchant', '/v1/slots', aSlot({ offer: { description: 'half\u0000price' } })],
  ] as [string, Caller, string, unknown][])('text with a NUL character in %s is a bad value (400), not a server error', async (_label, caller, path, body) => {
    expectApiError(await call('post', path, caller, body), 400);
  });

  it('explain with both openingId and slotId: 400 with details', async () => {
    const opening = await newOpening(a);
    const slot = await newSlot(a);
    const body = expectApiError(await call('get', `/v1/candidates/${ids.candidate}/explain?openingId=${opening}&slotId=${slot}`, 'caseworker'), 400);
    expect(body.details?.length).toBeGreaterThan(0);
  });

  it.each([['null'], ['"Zhang Wei"'], ['42'], ['[]'], ['true']])('a JSON body that is not an object (%s): 400', async (text) => {
    expectApiError(await call('post', '/v1/candidates', 'caseworker', text, 'application/json'), 400);
  });

  it('a POST with no body at all: 400', async () => {
    expectApiError(await call('post', '/v1/openings', 'employer'), 400);
  });

  it.each([
    ['a truncated object', '{"displayName": "Zhang Wei", "groups": ['],
    ['a trailing comma', '{"displayName": "Zhang Wei",}'],
    ['single quotes', "{'displayName': 'Zhang Wei'}"],
  ])('malformed JSON (%s): 400', async (_label, text) => {
    expectApiError(await call('post', '/v1/candidates', 'caseworker', text, 'application/json'), 400);
    expectApiError(await call('patch', `/v1/candidates/${ids.candidate}`, 'caseworker', text, 'application/json'), 400);
  });

  it.each([
    ['get', '/v1/candidates/abc', 'caseworker', undefined],
    ['patch', '/v1/candidates/123', 'caseworker', { displayName: 'X' }],
    ['delete', '/v1/candidates/not-a-uuid', 'caseworker', undefined],
    ['get', '/v1/candidates/00000000-0000-0000-0000-00000000000g/explain?openingId=' + randomUUID(), 'caseworker', undefined],
    ['get', '/v1/openings/abc', 'employer', undefined],
    ['patch', '/v1/openings/abc', 'employer', { title: 'X' }],
    ['post', '/v1/openings/abc/close', 'employer', undefined],
    ['get', '/v1/slots/abc', 'merchant', undefined],
    ['patch', '/v1/slots/abc', 'merchant', { capacity: 2 }],
    ['post', '/v1/slots/abc/withdraw', 'merchant', undefined],
    ['post', '/v1/slots/abc/redemptions', 'merchant', { code: 'ABCD1234' }],
    ['patch', '/v1/matches/abc', 'caseworker', { status: 'contacted' }],
  ] as [Method, string, Caller, unknown][])('%s %s with an id that is not a UUID: 400 naming "id"', async (method, path, caller, body) => {
    const error = expectApiError(await call(method, path, caller, body), 400);
    expect(error.details).toEqual([{ field: 'id', message: expect.any(String) }]);
  });
});

describe('401: no key, unknown key, malformed header', () => {
  it.each([
    ['no Authorization header', undefined],
    ['an unknown key', `Bearer ${UNKNOWN_KEY}`],
    ['the admin key with a typo', `Bearer ${TEST_ADMIN_KEY}x`],
    ['Bearer without a key', 'Bearer'],
    ['Bearer and only spaces', 'Bearer    '],
    ['Basic credentials', 'Basic dXNlcjpwYXNz'],
    ['a known key without the Bearer scheme', '<caseworker>'],
    ['a known key under another scheme', 'Token <caseworker>'],
    ['a known key followed by junk', 'Bearer <caseworker> extra'],
  ])('%s: 401 in the error shape', async (_label, header) => {
    for (const [method, path] of [
      ['get', '/v1/candidate-lists'],
      ['get', '/v1/inbox'],
      ['post', '/v1/candidates'],
    ] as [Method, string][]) {
      let test = api.http[method](path);
      if (header !== undefined) test = test.set('Authorization', header.replace('<caseworker>', a.caseworker));
      if (method === 'post') test = test.send(aCandidate());
      expectApiError(await test, 401);
    }
  });

  it('a revoked key: 401, and a key that works again once it is no longer revoked', async () => {
    const key = (await api.http.post('/v1/caseworkers').set(bearer(TEST_ADMIN_KEY)).send({ name: 'Desk about to leave' }).expect(201)).body.apiKey as string;
    await api.http.get('/v1/candidate-lists').set(bearer(key)).expect(200);
    await world.db.query(`UPDATE api_keys SET revoked_at = now() WHERE key_hash = $1`, [hashApiKey(key)]);
    expectApiError(await api.http.get('/v1/candidate-lists').set(bearer(key)), 401);
    await world.db.query(`UPDATE api_keys SET revoked_at = NULL WHERE key_hash = $1`, [hashApiKey(key)]);
    await api.http.get('/v1/candidate-lists').set(bearer(key)).expect(200);
  });

  it('a request without a key creates nothing', async () => {
    const title = `Unauthenticated ${randomUUID()}`;
    expectApiError(await call('post', '/v1/openings', 'none', anOpening({ title })), 401);
    const { rows } = await world.db.query(`SELECT count(*)::int AS n FROM openings WHERE title = $1`, [title]);
    expect(rows[0].n).toBe(0);
  });
});

describe('403: a known key of the wrong role', () => {
  it.each([
    ['admin', 'get', '/v1/candidate-lists'],
    ['employer', 'post', '/v1/slots'],
    ['merchant', 'post', '/v1/openings'],
    ['caseworker', 'post', '/v1/organizations'],
  ] as [Caller, Method, string][])('a %s key on %s %s: 403 in the error shape, nothing created', async (caller, method, path) => {
    const before = await world.db.query(`SELECT (SELECT count(*) FROM openings) + (SELECT count(*) FROM slots) + (SELECT count(*) FROM organizations) AS n`);
    const body =
      path === '/v1/slots' ? aSlot() : path === '/v1/openings' ? anOpening() : path === '/v1/organizations' ? { name: 'X', kind: 'employer' } : undefined;
    expectApiError(await call(method, path, caller, body), 403);
    const after = await world.db.query(`SELECT (SELECT count(*) FROM openings) + (SELECT count(*) FROM slots) + (SELECT count(*) FROM organizations) AS n`);
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });
});

describe("404: someone else's resource looks exactly like one that does not exist", () => {
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    ids.candidate = await newCandidate(a, { displayName: 'Owned by A' });
    ids.opening = await newOpening(a);
    ids.slot = await newSlot(a);
    ids.code = newCode();
    ids.slotMatch = await insertMatch({ slotId: ids.slot, candidateId: ids.candidate, caseworkerId: a.caseworkerId, code: ids.code });
    ids.match = await insertMatch({ openingId: ids.opening, candidateId: ids.candidate, caseworkerId: a.caseworkerId });
    responses.splice(0);
  });

  // [label, caller of party B, method, path, body]
  const rows: [string, Caller, Method, string, unknown][] = [
    ["GET another caseworker's candidate", 'caseworker', 'get', '/v1/candidates/{candidate}', undefined],
    ["PATCH another caseworker's candidate", 'caseworker', 'patch', '/v1/candidates/{candidate}', { displayName: 'Taken over' }],
    ["DELETE another caseworker's candidate", 'caseworker', 'delete', '/v1/candidates/{candidate}', undefined],
    ["explain another caseworker's candidate", 'caseworker', 'get', '/v1/candidates/{candidate}/explain?openingId={opening}', undefined],
    ["GET another employer's opening", 'employer', 'get', '/v1/openings/{opening}', undefined],
    ["PATCH another employer's opening", 'employer', 'patch', '/v1/openings/{opening}', { title: 'Taken over' }],
    ["close another employer's opening", 'employer', 'post', '/v1/openings/{opening}/close', undefined],
    ["GET another merchant's slot", 'merchant', 'get', '/v1/slots/{slot}', undefined],
    ["PATCH another merchant's slot", 'merchant', 'patch', '/v1/slots/{slot}', { title: 'Taken over' }],
    ["withdraw another merchant's slot", 'merchant', 'post', '/v1/slots/{slot}/withdraw', undefined],
    ["redeem a valid code at another merchant's slot", 'merchant', 'post', '/v1/slots/{slot}/redemptions', { code: '{code}' }],
    ["PATCH a match of another caseworker's candidate", 'caseworker', 'patch', '/v1/matches/{match}', { status: 'contacted' }],
  ];

  it.each(rows)('%s: 404, same answer as for an unknown id', async (_label, caller, method, path, body) => {
    const fill = (text: string, id?: string) =>
      text.replace(/\{(\w+)\}/g, (_, name: string) => (id !== undefined && name !== 'opening' && name !== 'code' ? id : ids[name]));
    const bodyFor = (id?: string) => (body === undefined ? undefined : JSON.parse(fill(JSON.stringify(body), id)));
    const someoneElses = await call(method, fill(path), { key: keyOf(caller, b) as string }, bodyFor());
    const missingId = randomUUID();
    const missing = await call(method, fill(path, missingId), { key: keyOf(caller, b) as string }, bodyFor(missingId));
    const found = expectApiError(someoneElses, 404);
    const notFound = expectApiError(missing, 404);
    const anonymise = (error: ApiError) => ({ ...error, message: error.message.replace(UUID_ANYWHERE, '<id>') });
    expect(anonymise(found)).toEqual(anonymise(notFound));
  });

  it('and none of those calls changed anything', async () => {
    const candidate = await expectStatus(call('get', `/v1/candidates/${ids.candidate}`, 'caseworker'), 200);
    expect(candidate.body.displayName).toBe('Owned by A');
    const opening = await expectStatus(call('get', `/v1/openings/${ids.opening}`, 'employer'), 200);
    expect(opening.body).toMatchObject({ status: 'open', title: 'Assembly line operator' });
    const slot = await expectStatus(call('get', `/v1/slots/${ids.slot}`, 'merchant'), 200);
    expect(slot.body).toMatchObject({ status: 'active', title: 'Rider special lunch' });
    expect(await matchStatus(ids.match)).toBe('proposed');
    expect(await matchStatus(ids.slotMatch)).toBe('proposed');
  });

  it("an unknown redemption code at one's own slot: 404", async () => {
    expectApiError(await call('post', `/v1/slots/${ids.slot}/redemptions`, 'merchant', { code: 'NOSUCHCODE' }), 404);
  });

  it('an unknown route: 404 in the error shape', async () => {
    expectApiError(await call('get', '/v1/nothing-here', 'caseworker'), 404);
  });
});

describe('409: conflicts', () => {
  it('PATCH a closed opening: 409, and it stays as it was', async () => {
    const id = await newOpening(a, { title: 'Closed soon' });
    await expectStatus(call('post', `/v1/openings/${id}/close`, 'employer'), 200);
    expectApiError(await call('patch', `/v1/openings/${id}`, 'employer', { title: 'Reopened?' }), 409);
    const res = await expectStatus(call('get', `/v1/openings/${id}`, 'employer'), 200);
    expect(res.body).toMatchObject({ status: 'closed', title: 'Closed soon' });
  });

  it('PATCH a withdrawn slot: 409, and it stays as it was', async () => {
    const id = await newSlot(a, { capacity: 4 });
    await expectStatus(call('post', `/v1/slots/${id}/withdraw`, 'merchant'), 200);
    expectApiError(await call('patch', `/v1/slots/${id}`, 'merchant', { capacity: 40 }), 409);
    const res = await expectStatus(call('get', `/v1/slots/${id}`, 'merchant'), 200);
    expect(res.body).toMatchObject({ status: 'withdrawn', capacity: 4 });
  });

  it.each([
    ['proposed', 'hired'],
    ['proposed', 'interview'],
    ['contacted', 'contacted'],
    ['hired', 'declined'],
    ['declined', 'contacted'],
    ['withdrawn', 'contacted'],
  ])('a match that is %s cannot become %s: 409, status unchanged', async (from, to) => {
    const match = await insertMatch({ openingId: await newOpening(a), candidateId: await newCandidate(a), caseworkerId: a.caseworkerId, status: from });
    expectApiError(await call('patch', `/v1/matches/${match}`, 'caseworker', { status: to, reason: 'because' }), 409);
    expect(await matchStatus(match)).toBe(from);
  });

  it('a redemption code already used: 409, and the second use counts nothing', async () => {
    const slot = await newSlot(a);
    const code = newCode();
    const match = await insertMatch({ slotId: slot, candidateId: await newCandidate(a), caseworkerId: a.caseworkerId, code });
    await expectStatus(call('post', `/v1/slots/${slot}/redemptions`, 'merchant', { code }), 201);
    expectApiError(await call('post', `/v1/slots/${slot}/redemptions`, 'merchant', { code }), 409);
    expect(await matchStatus(match)).toBe('redeemed');
    const after = await expectStatus(call('get', `/v1/slots/${slot}`, 'merchant'), 200);
    expect(after.body.offerSummary).toEqual({ offered: 1, redeemed: 1 });
  });
});

describe('413 and 415: body size and content type', () => {
  it('a JSON body over 1 MiB: 413', async () => {
    const body = JSON.stringify(aCandidate({ displayName: 'x'.repeat(1024 * 1024 + 10) }));
    expectApiError(await call('post', '/v1/candidates', 'caseworker', body, 'application/json'), 413);
  });

  it('a JSON body just under 1 MiB is read (400 for the too-long name, not 413)', async () => {
    const body = JSON.stringify(aCandidate({ displayName: 'x'.repeat(1000 * 1000) }));
    expect(body.length).toBeLessThan(1024 * 1024);
    expectInvalidFields(await call('post', '/v1/candidates', 'caseworker', body, 'application/json'), [['displayName']]);
  });

  it.each([
    ['post', '/v1/candidates', 'caseworker', 'text/plain'],
    ['patch', '/v1/candidates/{candidate}', 'caseworker', 'text/plain'],
    ['post', '/v1/openings', 'employer', 'text/plain'],
    ['post', '/v1/slots', 'merchant', 'application/x-www-form-urlencoded'],
    ['post', '/v1/organizations', 'admin', 'application/xml'],
  ] as [Method, string, Caller, string][])('%s %s with Content-Type %s: 415', async (method, path, caller, type) => {
    const candidate = path.includes('{candidate}') ? await newCandidate(a) : '';
    const title = `Wrong type ${randomUUID()}`;
    const res = await call(method, path.replace('{candidate}', candidate), caller, JSON.stringify({ title, displayName: title }), type);
    expectApiError(res, 415);
  });
});

// =========================================================================================================

describe('role x endpoint matrix', () => {
  const CALLERS: Caller[] = ['none', 'unknown', 'admin', 'employer', 'merchant', 'caseworker'];
  // prettier-ignore
  const MATRIX: [string, number, number, number, number, number, number][] = [
    // endpoint                                                     none  unknown admin employer merchant caseworker
    ['POST /v1/organizations',                                       401, 401,    201,  403,     403,     403],
    ['POST /v1/caseworkers',                                         401, 401,    201,  403,     403,     403],
    ['POST /v1/candidates',                                          401, 401,    403,  403,     403,     201],
    ['POST /v1/candidates/bulk',                                     401, 401,    403,  403,     403,     200],
    ['GET /v1/candidates/{candidate}',                               401, 401,    403,  403,     403,     200],
    ['PATCH /v1/candidates/{candidate}',                             401, 401,    403,  403,     403,     200],
    ['DELETE /v1/candidates/{candidateToErase}',                     401, 401,    403,  403,     403,     204],
    ['GET /v1/candidates/{candidate}/explain?openingId={opening}',   401, 401,    403,  403,     403,     200],
    ['GET /v1/candidates/{candidate}/explain?slotId={slot}',         401, 401,    403,  403,     403,     200],
    ['POST /v1/openings',                                            401, 401,    403,  201,     403,     403],
    ['GET /v1/openings/{opening}',                                   401, 401,    403,  200,     403,     403],
    ['PATCH /v1/openings/{opening}',                                 401, 401,    403,  200,     403,     403],
    ['POST /v1/openings/{openingToClose}/close',                     401, 401,    403,  200,     403,     403],
    ['POST /v1/slots',                                               401, 401,    403,  403,     201,     403],
    ['GET /v1/slots/{slot}',                                         401, 401,    403,  403,     200,     403],
    ['PATCH /v1/slots/{slot}',                                       401, 401,    403,  403,     200,     403],
    ['POST /v1/slots/{slotToWithdraw}/withdraw',                     401, 401,    403,  403,     200,     403],
    ['POST /v1/slots/{slot}/redemptions',                            401, 401,    403,  403,     201,     403],
    ['PATCH /v1/matches/{match}',                                    401, 401,    403,  403,     403,     200],
    ['GET /v1/candidate-lists',                                      401, 401,    403,  403,     403,     200],
    ['GET /v1/inbox',                                                401, 401,    403,  200,     200,     200],
  ];

  // Only the endpoints that take a body have one here.
  const BODIES: Partial<Record<string, () => { body: unknown; type?: string }>> = {
    'POST /v1/organizations': () => ({ body: { name: 'Matrix Org', kind: 'employer' } }),
    'POST /v1/caseworkers': () => ({ body: { name: 'Matrix Caseworker' } }),
    'POST /v1/candidates': () => ({ body: aCandidate({ displayName: 'Matrix person' }) }),
    'POST /v1/candidates/bulk': () => ({ body: `${JSON.stringify(aCandidate({ displayName: 'Bulk person' }))}\n`, type: 'application/x-ndjson' }),
    'PATCH /v1/candidates/{candidate}': () => ({ body: { skills: ['delivery', 'cooking'] } }),
    'POST /v1/openings': () => ({ body: anOpening({ title: 'Matrix opening' }) }),
    'PATCH /v1/openings/{opening}': () => ({ body: { positions: 7 } }),
    'POST /v1/slots': () => ({ body: aSlot({ title: 'Matrix slot' }) }),
    'PATCH /v1/slots/{slot}': () => ({ body: { capacity: 9 } }),
    'POST /v1/slots/{slot}/redemptions': () => ({ body: { code: ids.code } }),
    'PATCH /v1/matches/{match}': () => ({ body: { status: 'contacted' } }),
  };

  const ids: Record<string, string> = {};
  beforeAll(async () => {
    ids.candidate = await newCandidate(a);
    ids.candidateToErase = await newCandidate(a);
    ids.opening = await newOpening(a);
    ids.openingToClose = await newOpening(a);
    ids.slot = await newSlot(a);
    ids.slotToWithdraw = await newSlot(a);
    ids.match = await insertMatch({ openingId: ids.opening, candidateId: ids.candidate, caseworkerId: a.caseworkerId });
    ids.code = newCode();
    await insertMatch({ slotId: ids.slot, candidateId: ids.candidate, caseworkerId: a.caseworkerId, code: ids.code });
    responses.splice(0);
  });

  const cells = MATRIX.flatMap(([endpoint, ...expected]) => CALLERS.map((caller, column) => [endpoint, caller, expected[column]] as const));

  it.each(cells)('%s as %s: %i', async (endpoint, caller, expected) => {
    const [verb, template] = endpoint.split(' ');
    const path = template.replace(/\{(\w+)\}/g, (_, name: string) => ids[name]);
    const { body, type } = BODIES[endpoint]?.() ?? { body: undefined };
    const res = await call(verb.toLowerCase() as Method, path, caller, body, type);
    if (expected === 401 || expected === 403) {
      expectApiError(res, expected);
    } else {
      expect({ status: res.status, body: res.body }).toMatchObject({ status: expected });
      expect([401, 403]).not.toContain(res.status);
    }
  });
});
