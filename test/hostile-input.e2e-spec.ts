/**
 * Odd but well-formed JSON from a hostile (or careless) client, sent to the real API: every such request is a
 * 400 in the one error shape naming the bad field, never a 500 and never a silent change, and nothing is
 * written (rows counted before and after, and the entity a PATCH aimed at read back unchanged).
 *
 * Bodies are sent as raw text, because what is tested is exactly what a JavaScript object cannot say: a lone
 * UTF-16 surrogate (`"\ud800"`), a key named `__proto__`, 100,000 levels of nesting, `1e-7`; and as raw bytes
 * where they are not UTF-8. The later cases are the classes the contract fuzz test (fuzz.e2e-spec.ts) found
 * after these (F1-F10 of its findings).
 */
import type { Response } from 'supertest';
import { ADMIN, type Keys, aCandidate, aSlot, anOpening, bearer, createParties, without } from './support/builders';
import { type RunningApi, Teardown, type TestWorld, createTestWorld, startApi } from './support/test-environment';

type Method = 'post' | 'patch';
type Role = 'caseworker' | 'employer' | 'merchant';
interface FieldError {
  field: string;
  message: string | RegExp;
}

const teardown = new Teardown();
let world: TestWorld;
let api: RunningApi;
let keys: Keys;
/** Entities of `keys` that the PATCH cases aim at. */
const target = { candidate: '', opening: '', slot: '' };

const TOO_DEEP = /nested too deeply/;
const NOT_UNICODE = /well-formed Unicode/;
const NOT_ALLOWED = 'is not allowed';
const NOT_AN_OBJECT = 'must be an object';

/** `[[[...]]]`, `levels` deep, as JSON text. */
const nestedArrays = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;
/** A body as JSON text, with `raw` (JSON text) spliced in as the value of `field`. */
const withRaw = (body: Record<string, unknown>, field: string, raw: string) =>
  `${JSON.stringify(without(body, field)).slice(0, -1)},${JSON.stringify(field)}:${raw}}`;
/** A body as JSON text with `extra` (JSON text of members) added at the end of the object at the top. */
const withMembers = (body: Record<string, unknown>, extra: string) => `${JSON.stringify(body).slice(0, -1)},${extra}}`;

function send(method: Method, path: string, role: Role | 'admin', text: string | Buffer, headers: Record<string, string> = {}) {
  const key = role === 'admin' ? ADMIN : bearer(keys[role]);
  const sent = api.http[method](path).set(key).set('Content-Type', 'application/json').set(headers);
  // Bytes go as they are (superagent would write a Buffer sent as JSON as {"type":"Buffer","data":[...]}).
  return Buffer.isBuffer(text) ? sent.serialize((bytes: Buffer) => bytes as unknown as string).send(text) : sent.send(text);
}

/** Everything a refused request must leave as it was: row counts, and the PATCH targets row by row. */
async function snapshot(): Promise<unknown> {
  const { rows } = await world.db.query(
    `SELECT (SELECT count(*) FROM candidates) AS candidates, (SELECT count(*) FROM openings) AS openings,
            (SELECT count(*) FROM slots) AS slots, (SELECT count(*) FROM outbox_events) AS events,
            (SELECT count(*) FROM organizations) AS organizations, (SELECT count(*) FROM caseworkers) AS caseworkers,
            (SELECT count(*) FROM idempotency_records) AS idempotency_records,
            (SELECT to_jsonb(c) FROM candidates c WHERE id = $1) AS candidate,
            (SELECT to_jsonb(o) FROM openings o WHERE id = $2) AS opening,
            (SELECT to_jsonb(s) FROM slots s WHERE id = $3) AS slot`,
    [target.candidate, target.opening, target.slot],
  );
  return rows[0];
}

function expectRefused(response: Response, expected: FieldError[]): void {
  const context = `${response.status} ${JSON.stringify(response.body).slice(0, 500)}`;
  expect({ status: response.status, context }).toEqual({ status: 400, context });
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  expect(response.body).toEqual({ statusCode: 400, error: 'Bad Request', message: expect.any(String), details: expect.any(Array) });
  for (const detail of response.body.details) expect(detail).toEqual({ field: expect.any(String), message: expect.any(String) });
  for (const { field, message } of expected) {
    expect(response.body.details).toContainEqual({ field, message: typeof message === 'string' ? message : expect.stringMatching(message) });
  }
}

/** Sends a hostile request and checks it is refused as `expected` with nothing written. */
async function refused(
  method: Method,
  path: string,
  role: Role | 'admin',
  text: string | Buffer,
  expected: FieldError[],
  headers: Record<string, string> = {},
): Promise<Response> {
  const before = await snapshot();
  const response = await send(method, path, role, text, headers);
  expectRefused(response, expected);
  expect(await snapshot()).toEqual(before);
  return response;
}

beforeAll(async () => {
  world = teardown.add(await createTestWorld(), (started) => started.destroy());
  api = teardown.add(await startApi(world), (started) => started.close());
  keys = await createParties(api, 'hostile');
  target.candidate = (await api.http.post('/v1/candidates').set(bearer(keys.caseworker)).send(aCandidate()).expect(201)).body.id;
  target.opening = (await api.http.post('/v1/openings').set(bearer(keys.employer)).send(anOpening()).expect(201)).body.id;
  target.slot = (await api.http.post('/v1/slots').set(bearer(keys.merchant)).send(aSlot()).expect(201)).body.id;
});

afterAll(() => teardown.run());

describe('very deeply nested JSON', () => {
  // The container at level 33 of `{"skills": [[[...` is reached through `skills` and 31 array indexes.
  const deepSkills = { field: `skills${'.0'.repeat(31)}`, message: TOO_DEEP };

  it('is a 400 naming where it went too deep, at 100,000 levels, on every write route, with or without an Idempotency-Key', async () => {
    const deep = nestedArrays(100_000);
    await refused('post', '/v1/candidates', 'caseworker', withRaw(aCandidate(), 'skills', deep), [deepSkills]);
    await refused('post', '/v1/candidates', 'caseworker', withRaw(aCandidate(), 'skills', deep), [deepSkills], { 'Idempotency-Key': 'deep-candidate' });
    await refused('post', '/v1/openings', 'employer', withRaw(anOpening(), 'skills', deep), [deepSkills], { 'Idempotency-Key': 'deep-opening' });
    await refused('post', '/v1/slots', 'merchant', withRaw(aSlot(), 'offer', `{"description":${deep}}`), [
      { field: `offer.description${'.0'.repeat(30)}`, message: TOO_DEEP },
    ]);
    await refused('patch', `/v1/candidates/${target.candidate}`, 'caseworker', `{"skills":${deep}}`, [deepSkills]);
    await refused('patch', `/v1/openings/${target.opening}`, 'employer', `{"location":${'{"lat":'.repeat(50_000)}1${'}'.repeat(50_000)}}`, [
      { field: `location${'.lat'.repeat(31)}`, message: TOO_DEEP },
    ]);
    await refused('patch', `/v1/slots/${target.slot}`, 'merchant', `{"windows":${deep}}`, [{ field: `windows${'.0'.repeat(31)}`, message: TOO_DEEP }]);
    await refused('post', '/v1/caseworkers', 'admin', `{"name":"Deep","webhookUrl":${deep}}`, [{ field: `webhookUrl${'.0'.repeat(31)}`, message: TOO_DEEP }]);
  });

  it('is refused just past the limit (33 levels), and 32 levels are merely the wrong type', async () => {
    await refused('post', '/v1/openings', 'employer', withRaw(anOpening(), 'skills', nestedArrays(32)), [deepSkills]);
    const fine = await send('post', '/v1/openings', 'employer', withRaw(anOpening(), 'skills', nestedArrays(31)));
    // 32 levels is not too deep, merely wrong: a list of lists is not a list of skills.
    expectRefused(fine, [{ field: 'skills', message: 'must contain only text' }]);
    expect(JSON.stringify(fine.body)).not.toMatch(TOO_DEEP);
  });

  it('is a 413 when it is larger than the body limit (1,000,000 levels: 2 MB)', async () => {
    const before = await snapshot();
    const response = await send('post', '/v1/candidates', 'caseworker', withRaw(aCandidate(), 'skills', nestedArrays(1_000_000)));
    expect(response.status).toBe(413);
    expect(response.body).toEqual({ statusCode: 413, error: 'Payload Too Large', message: expect.any(String) });
    expect(await snapshot()).toEqual(before);
  });

  it('in one bulk NDJSON line: that line is rejected by name, the others kept', async () => {
    const good = JSON.stringify(aCandidate({ externalRef: 'bulk-deep-good' }));
    const deepLine = withRaw(aCandidate({ externalRef: 'bulk-deep-bad' }), 'skills', nestedArrays(100_000));
    const response = await api.http
      .post('/v1/candidates/bulk')
      .set(bearer(keys.caseworker))
      .set('Content-Type', 'application/x-ndjson')
      .set('Idempotency-Key', 'bulk-deep')
      .send(`${good}\n${deepLine}\n`);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ accepted: 1, rejected: [{ line: 2, details: [{ field: deepSkills.field, message: expect.stringMatching(TOO_DEEP) }] }] });
    const { rows } = await world.db.query(`SELECT external_ref FROM candidates WHERE external_ref LIKE 'bulk-deep-%'`);
    expect(rows).toEqual([{ external_ref: 'bulk-deep-good' }]);
  });
});

describe('text that is not well-formed Unicode (a lone surrogate)', () => {
  const lone = '"Zhang \\ud800 Wei"';

  it('is a 400 naming the field, in text columns, jsonb columns and idempotent responses alike', async () => {
    await refused('post', '/v1/candidates', 'caseworker', withRaw(aCandidate(), 'displayName', lone), [{ field: 'displayName', message: NOT_UNICODE }]);
    await refused('post', '/v1/candidates', 'caseworker', withRaw(aCandidate(), 'displayName', lone), [{ field: 'displayName', message: NOT_UNICODE }], {
      'Idempotency-Key': 'lone-surrogate',
    });
    await refused('post', '/v1/candidates', 'caseworker', withRaw(aCandidate(), 'skills', '["cooking","\\udfff"]'), [
      { field: 'skills.1', message: NOT_UNICODE },
    ]);
    await refused('post', '/v1/openings', 'employer', withRaw(anOpening(), 'title', lone), [{ field: 'title', message: NOT_UNICODE }]);
    await refused('post', '/v1/slots', 'merchant', withRaw(aSlot(), 'offer', `{"description":${lone}}`), [
      { field: 'offer.description', message: NOT_UNICODE },
    ]);
    await refused('patch', `/v1/slots/${target.slot}`, 'merchant', `{"offer":{"description":${lone}}}`, [{ field: 'offer.description', message: NOT_UNICODE }]);
    await refused('patch', `/v1/candidates/${target.candidate}`, 'caseworker', `{"displayName":${lone}}`, [{ field: 'displayName', message: NOT_UNICODE }]);
    await refused('post', '/v1/organizations', 'admin', `{"name":${lone},"kind":"merchant"}`, [{ field: 'name', message: NOT_UNICODE }]);
  });

  it('in a key is a 400 that names the key readably (never echoing a broken string)', async () => {
    const response = await refused('post', '/v1/candidates', 'caseworker', withMembers(aCandidate(), '"\\udc00x":1'), [
      { field: '\ufffdx', message: NOT_UNICODE },
    ]);
    expect(response.text).not.toMatch(/\\ud[89a-f]/i);
  });

  it('while a pair that makes one character (an emoji) is fine and stored as sent', async () => {
    const response = await send('patch', `/v1/candidates/${target.candidate}`, 'caseworker', '{"displayName":"Zhang \\ud83d\\ude00 Wei"}');
    expect(response.status).toBe(200);
    expect(response.body.displayName).toBe('Zhang 😀 Wei');
    const { rows } = await world.db.query(`SELECT display_name FROM candidates WHERE id = $1`, [target.candidate]);
    expect(rows[0].display_name).toBe('Zhang 😀 Wei');
  });
});

describe('numbers written in exponent form', () => {
  it('a price of 1e-7 (7 decimals) is a 400 naming offer.price, on POST and PATCH', async () => {
    const message = 'must be an amount with at most 2 decimals';
    await refused('post', '/v1/slots', 'merchant', withRaw(aSlot(), 'offer', '{"price":1e-7}'), [{ field: 'offer.price', message }]);
    await refused('post', '/v1/slots', 'merchant', withRaw(aSlot(), 'offer', '{"price":1.5e-7}'), [{ field: 'offer.price', message }]);
    await refused('patch', `/v1/slots/${target.slot}`, 'merchant', '{"offer":{"price":1.234E-1}}', [{ field: 'offer.price', message }]);
  });

  it('an amount that has at most 2 decimals is kept whatever its notation', async () => {
    const response = await send('patch', `/v1/slots/${target.slot}`, 'merchant', '{"offer":{"price":1.25e1},"location":{"lat":3.12705E1,"lng":121.549}}');
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ offer: { price: 12.5 }, location: { lat: 31.2705, lng: 121.549 } });
  });
});

describe('a list where an object is expected', () => {
  it('is a 400 "must be an object" for location, consent and offer, on POST and PATCH', async () => {
    const location = [{ field: 'location', message: NOT_AN_OBJECT }];
    await refused('post', '/v1/candidates', 'caseworker', withRaw(aCandidate(), 'location', '[]'), location);
    await refused('post', '/v1/candidates', 'caseworker', withRaw(aCandidate(), 'location', '[{"lat":31.27,"lng":121.54}]'), location);
    await refused('post', '/v1/candidates', 'caseworker', withRaw(aCandidate(), 'consent', '[]'), [{ field: 'consent', message: NOT_AN_OBJECT }]);
    await refused('post', '/v1/candidates', 'caseworker', withRaw(aCandidate(), 'consent', '[{"contact":true}]'), [
      { field: 'consent', message: NOT_AN_OBJECT },
    ]);
    await refused('post', '/v1/openings', 'employer', withRaw(anOpening(), 'location', '[]'), location);
    await refused('post', '/v1/slots', 'merchant', withRaw(aSlot(), 'offer', '[]'), [{ field: 'offer', message: NOT_AN_OBJECT }]);
    await refused('post', '/v1/slots', 'merchant', withRaw(aSlot(), 'location', '[]'), location);
    await refused('patch', `/v1/candidates/${target.candidate}`, 'caseworker', '{"location":[]}', location);
    await refused('patch', `/v1/candidates/${target.candidate}`, 'caseworker', '{"consent":[]}', [{ field: 'consent', message: NOT_AN_OBJECT }]);
    await refused('patch', `/v1/openings/${target.opening}`, 'employer', '{"location":[]}', location);
    await refused('patch', `/v1/slots/${target.slot}`, 'merchant', '{"offer":[]}', [{ field: 'offer', message: NOT_AN_OBJECT }]);
    await refused('patch', `/v1/slots/${target.slot}`, 'merchant', '{"location":[]}', location);
  });

  it('is a 400 for a window given as a list inside a list of windows (it was stored as `{}`)', async () => {
    const notWindows = (field: string) => [{ field, message: 'must be a list of windows' }];
    await refused('post', '/v1/openings', 'employer', withRaw(anOpening(), 'shifts', '[[{"day":1,"start":"08:00","end":"16:00"}]]'), notWindows('shifts'));
    await refused('patch', `/v1/candidates/${target.candidate}`, 'caseworker', '{"breaks":[[]]}', notWindows('breaks'));
    await refused('patch', `/v1/slots/${target.slot}`, 'merchant', '{"windows":[[]]}', notWindows('windows'));
    // A window that is not an object at all is named by its index.
    await refused('patch', `/v1/openings/${target.opening}`, 'employer', '{"shifts":[{"day":1,"start":"08:00","end":"16:00"},5]}', [
      ...notWindows('shifts'),
      { field: 'shifts.1', message: NOT_AN_OBJECT },
    ]);
  });
});

describe('keys named __proto__, constructor or prototype', () => {
  it('are unknown fields: 400 naming them, at the top and inside nested objects', async () => {
    for (const name of ['__proto__', 'constructor', 'prototype']) {
      const member = `${JSON.stringify(name)}:{"displayName":"Someone Else"}`;
      await refused('post', '/v1/candidates', 'caseworker', withMembers(aCandidate(), member), [{ field: name, message: NOT_ALLOWED }]);
      await refused('post', '/v1/candidates', 'caseworker', withRaw(aCandidate(), 'location', `{"lat":31.27,"lng":121.54,${JSON.stringify(name)}:{}}`), [
        { field: `location.${name}`, message: NOT_ALLOWED },
      ]);
      await refused('post', '/v1/candidates', 'caseworker', withRaw(aCandidate(), 'consent', `{"contact":true,${JSON.stringify(name)}:1}`), [
        { field: `consent.${name}`, message: NOT_ALLOWED },
      ]);
      await refused('post', '/v1/openings', 'employer', withMembers(anOpening(), `${JSON.stringify(name)}:{"positions":1}`), [
        { field: name, message: NOT_ALLOWED },
      ]);
      await refused('post', '/v1/slots', 'merchant', withRaw(aSlot(), 'offer', `{"price":5,${JSON.stringify(name)}:{"price":0}}`), [
        { field: `offer.${name}`, message: NOT_ALLOWED },
      ]);
      await refused('patch', `/v1/candidates/${target.candidate}`, 'caseworker', `{${member}}`, [{ field: name, message: NOT_ALLOWED }]);
      await refused('patch', `/v1/openings/${target.opening}`, 'employer', `{"title":"Renamed",${JSON.stringify(name)}:{}}`, [
        { field: name, message: NOT_ALLOWED },
      ]);
      await refused('patch', `/v1/slots/${target.slot}`, 'merchant', `{"windows":[{"day":1,"start":"13:00","end":"14:00",${JSON.stringify(name)}:{}}]}`, [
        { field: `windows.0.${name}`, message: NOT_ALLOWED },
      ]);
      await refused('post', '/v1/organizations', 'admin', `{"name":"Proto Ltd","kind":"merchant",${JSON.stringify(name)}:{"kind":"employer"}}`, [
        { field: name, message: NOT_ALLOWED },
      ]);
    }
  });

  it('in a query string are unknown fields too', async () => {
    for (const name of ['__proto__', 'constructor', 'prototype']) {
      const inbox = await api.http.get(`/v1/inbox?limit=5&${name}=1`).set(bearer(keys.caseworker));
      expectRefused(inbox, [{ field: name, message: NOT_ALLOWED }]);
      const deliveries = await api.http.get(`/v1/deliveries?${name}=dead`).set(ADMIN);
      expectRefused(deliveries, [{ field: name, message: NOT_ALLOWED }]);
    }
  });

  it('in bulk imports (an NDJSON key, a CSV column) reject that line by name and keep the others', async () => {
    const good = JSON.stringify(aCandidate({ externalRef: 'bulk-proto-good' }));
    const lines = [
      good,
      withMembers(aCandidate({ externalRef: 'bulk-proto-1' }), '"__proto__":{"x":1}'),
      withRaw(aCandidate({ externalRef: 'bulk-proto-2' }), 'location', '{"lat":31.27,"lng":121.54,"constructor":{}}'),
      withRaw(aCandidate({ externalRef: 'bulk-proto-3' }), 'displayName', '"\\ud800"'),
      withRaw(aCandidate({ externalRef: 'bulk-proto-4' }), 'location', '[]'),
    ];
    const ndjson = await api.http
      .post('/v1/candidates/bulk')
      .set(bearer(keys.caseworker))
      .set('Content-Type', 'application/x-ndjson')
      .send(`${lines.join('\n')}\n`);
    expect(ndjson.status).toBe(200);
    expect(ndjson.body).toEqual({
      accepted: 1,
      rejected: [
        { line: 2, details: [{ field: '__proto__', message: NOT_ALLOWED }] },
        { line: 3, details: [{ field: 'location.constructor', message: NOT_ALLOWED }] },
        { line: 4, details: [{ field: 'displayName', message: expect.stringMatching(NOT_UNICODE) }] },
        { line: 5, details: [{ field: 'location', message: NOT_AN_OBJECT }] },
      ],
    });

    const csv = ['displayName,externalRef,groups,lat,lng,consentContact,__proto__', 'Wang Fang,bulk-proto-csv-1,rider,31.27,121.54,yes,x', ''].join('\n');
    const fromCsv = await api.http.post('/v1/candidates/bulk').set(bearer(keys.caseworker)).set('Content-Type', 'text/csv').send(csv);
    expect(fromCsv.status).toBe(200);
    expect(fromCsv.body).toEqual({ accepted: 0, rejected: [{ line: 2, details: [{ field: '__proto__', message: NOT_ALLOWED }] }] });
    const withConstructor = ['displayName,constructor,groups,lat,lng,consentContact', 'Wang Fang,x,rider,31.27,121.54,yes', ''].join('\n');
    const fromCsv2 = await api.http.post('/v1/candidates/bulk').set(bearer(keys.caseworker)).set('Content-Type', 'text/csv').send(withConstructor);
    expect(fromCsv2.body).toEqual({ accepted: 0, rejected: [{ line: 2, details: [{ field: 'constructor', message: NOT_ALLOWED }] }] });

    const { rows } = await world.db.query(`SELECT external_ref FROM candidates WHERE external_ref LIKE 'bulk-proto-%' OR display_name = 'Wang Fang'`);
    expect(rows).toEqual([{ external_ref: 'bulk-proto-good' }]);
  });
});

/** A bulk import as the caseworker of `keys`. */
function bulk(type: 'application/x-ndjson' | 'text/csv', body: string | Buffer, headers: Record<string, string> = {}) {
  return api.http.post('/v1/candidates/bulk').set(bearer(keys.caseworker)).set('Content-Type', type).set(headers).send(body);
}

/** Candidates stored with these external refs (or display names), in order. */
async function storedRefs(pattern: string): Promise<string[]> {
  const { rows } = await world.db.query<{ ref: string }>(
    `SELECT coalesce(external_ref, display_name) AS ref FROM candidates WHERE external_ref LIKE $1 OR display_name LIKE $1 ORDER BY 1`,
    [pattern],
  );
  return rows.map((row) => row.ref);
}

/** A match id that exists nowhere: validation must speak before the lookup would say 404. */
const NO_MATCH = '/v1/matches/00000000-0000-4000-8000-000000000000';

describe('keys named like any member of Object.prototype (toString, valueOf, hasOwnProperty, ...)', () => {
  it('are unknown fields: 400 naming them, at the top, nested, in PATCHes and in queries', async () => {
    for (const name of ['valueOf', 'toString', 'hasOwnProperty', '__defineGetter__', 'isPrototypeOf', 'toLocaleString']) {
      const key = JSON.stringify(name);
      await refused('post', '/v1/organizations', 'admin', `{"name":"Proto Ltd","kind":"employer",${key}:{}}`, [{ field: name, message: NOT_ALLOWED }]);
      await refused('post', '/v1/candidates', 'caseworker', withRaw(aCandidate(), 'consent', `{"contact":true,${key}:1}`), [
        { field: `consent.${name}`, message: NOT_ALLOWED },
      ]);
      await refused('patch', `/v1/openings/${target.opening}`, 'employer', `{"title":"Renamed",${key}:null}`, [{ field: name, message: NOT_ALLOWED }]);
      await refused('patch', `/v1/slots/${target.slot}`, 'merchant', `{"windows":[{"day":1,"start":"13:00","end":"14:00",${key}:{}}]}`, [
        { field: `windows.0.${name}`, message: NOT_ALLOWED },
      ]);
      expectRefused(await api.http.get(`/v1/inbox?limit=5&${name}=1`).set(bearer(keys.caseworker)), [{ field: name, message: NOT_ALLOWED }]);
    }
  });

  it('in a bulk NDJSON line reject that line by name and keep the others', async () => {
    const lines = [
      JSON.stringify(aCandidate({ externalRef: 'bulk-member-good' })),
      withMembers(aCandidate({ externalRef: 'bulk-member-bad' }), '"valueOf":{}'),
    ];
    const response = await bulk('application/x-ndjson', `${lines.join('\n')}\n`);
    expect(response.body).toEqual({ accepted: 1, rejected: [{ line: 2, details: [{ field: 'valueOf', message: NOT_ALLOWED }] }] });
    expect(await storedRefs('bulk-member-%')).toEqual(['bulk-member-good']);
  });
});

describe('null for a field the document does not make nullable', () => {
  const NOT_NULL = 'must not be null';

  it('is a 400 "must not be null" naming the field, on POST, PATCH and PATCH of a match', async () => {
    await refused('post', '/v1/organizations', 'admin', '{"name":"Null Ltd","kind":"employer","email":null}', [{ field: 'email', message: NOT_NULL }]);
    await refused('post', '/v1/caseworkers', 'admin', '{"name":"Null desk","webhookUrl":null}', [{ field: 'webhookUrl', message: NOT_NULL }]);
    await refused('post', '/v1/slots', 'merchant', JSON.stringify(aSlot({ accessibilityFeatures: null })), [
      { field: 'accessibilityFeatures', message: NOT_NULL },
    ]);
    await refused('post', '/v1/slots', 'merchant', JSON.stringify(aSlot({ radiusKm: null })), [{ field: 'radiusKm', message: NOT_NULL }]);
    await refused('post', '/v1/slots', 'merchant', JSON.stringify(aSlot({ offer: { discountPercent: null, price: 5 } })), [
      { field: 'offer.discountPercent', message: NOT_NULL },
    ]);
    await refused('post', '/v1/openings', 'employer', JSON.stringify(anOpening({ accessibilityFeatures: null, targetGroups: null })), [
      { field: 'targetGroups', message: NOT_NULL },
      { field: 'accessibilityFeatures', message: NOT_NULL },
    ]);
    await refused('patch', `/v1/openings/${target.opening}`, 'employer', '{"radiusKm":null}', [{ field: 'radiusKm', message: NOT_NULL }]);
    await refused('patch', `/v1/candidates/${target.candidate}`, 'caseworker', '{"skills":null,"breaks":null}', [
      { field: 'skills', message: NOT_NULL },
      { field: 'breaks', message: NOT_NULL },
    ]);
    await refused('patch', NO_MATCH, 'caseworker', '{"status":"contacted","reason":null}', [{ field: 'reason', message: NOT_NULL }]);
    await refused('patch', NO_MATCH, 'caseworker', '{"status":"contacted","note":null}', [{ field: 'note', message: NOT_NULL }]);
  });

  it('is rejected in a bulk line, and still clears the fields the document makes nullable', async () => {
    const lines = [
      JSON.stringify(aCandidate({ externalRef: 'bulk-null-good', phone: null })),
      JSON.stringify(aCandidate({ externalRef: 'bulk-null-bad', accessibilityNeeds: null })),
    ];
    const response = await bulk('application/x-ndjson', lines.join('\n'));
    expect(response.body).toEqual({ accepted: 1, rejected: [{ line: 2, details: [{ field: 'accessibilityNeeds', message: NOT_NULL }] }] });
    expect(await storedRefs('bulk-null-%')).toEqual(['bulk-null-good']);
    const cleared = await send('patch', `/v1/candidates/${target.candidate}`, 'caseworker', '{"phone":null,"maxTravelKm":null}');
    expect(cleared.status).toBe(200);
    expect(cleared.body).toMatchObject({ phone: null, maxTravelKm: null });
  });
});

describe('bytes that are not UTF-8 in a body', () => {
  const NOT_UTF8 = [
    { label: 'a truncated 中', bytes: [0xe4, 0xb8] },
    { label: 'an overlong "/"', bytes: [0xc0, 0xaf] },
    { label: 'a lone byte 0xFF', bytes: [0xff] },
    { label: 'a surrogate encoded as UTF-8 (CESU)', bytes: [0xed, 0xa0, 0x80] },
    { label: 'a code point above U+10FFFF', bytes: [0xf4, 0x90, 0x80, 0x80] },
  ];
  /** JSON text with the bytes put where `@@` stands. */
  const withBytes = (text: string, bytes: number[]) =>
    Buffer.concat([Buffer.from(text.split('@@')[0], 'utf8'), Buffer.from(bytes), Buffer.from(text.split('@@')[1], 'utf8')]);

  it('are a 400 "not well-formed UTF-8" naming the field that holds them, never stored as U+FFFD', async () => {
    for (const { bytes } of NOT_UTF8) {
      const response = await refused('post', '/v1/organizations', 'admin', withBytes('{"name":"pr@@oper","kind":"employer"}', bytes), [
        { field: 'name', message: NOT_UNICODE },
      ]);
      expect(response.body.message).toBe('The body is not well-formed UTF-8.');
    }
    await refused('patch', `/v1/candidates/${target.candidate}`, 'caseworker', withBytes('{"skills":["ok","a@@b"]}', [0xe4, 0xb8]), [
      { field: 'skills.1', message: NOT_UNICODE },
    ]);
    await refused('post', '/v1/openings', 'employer', withBytes(withMembers(anOpening(), '"ti@@tle":1'), [0xff]), [
      { field: 'ti\ufffdtle', message: /not well-formed Unicode/ },
    ]);
    await refused('post', '/v1/caseworkers', 'admin', withBytes('{"name":"Desk","email":"a@@@example.org"}', [0xc3, 0x28]), [
      { field: 'email', message: NOT_UNICODE },
    ]);
    // Outside any string there is no field to name: the body as a whole.
    await refused('patch', `/v1/openings/${target.opening}`, 'employer', withBytes('{"positions":3@@}', [0xff]), [
      { field: '(body)', message: 'is not well-formed UTF-8' },
    ]);
    const { rows } = await world.db.query(`SELECT count(*)::int AS n FROM organizations WHERE name LIKE '%\ufffd%'`);
    expect(rows).toEqual([{ n: 0 }]);
  });

  it('in a bulk import reject exactly the NDJSON lines and CSV rows that hold them, and keep the others', async () => {
    const good = JSON.stringify(aCandidate({ externalRef: 'bulk-bytes-good' }));
    const bad = JSON.stringify(aCandidate({ externalRef: 'bulk-bytes-bad', displayName: 'Zhang @@ Wei' }));
    const ndjson = Buffer.concat([Buffer.from(`${good}\n`), withBytes(`${bad}\n`, [0xe4, 0xb8]), withBytes(`{"displayName":@@}\n`, [0xff])]);
    const response = await bulk('application/x-ndjson', ndjson);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      accepted: 1,
      rejected: [
        { line: 2, details: [{ field: 'displayName', message: expect.stringMatching(NOT_UNICODE) }] },
        { line: 3, details: [{ field: '(line)', message: 'is not valid JSON' }] },
      ],
    });
    const csv = withBytes(
      'displayName,externalRef,groups,lat,lng,consentContact\nWang Fang,bulk-bytes-csv-good,rider,31.27,121.54,yes\nLi @@Na,bulk-bytes-csv-bad,rider,31.27,121.54,yes\n',
      [0xc0, 0xaf],
    );
    const fromCsv = await bulk('text/csv', csv);
    expect(fromCsv.body).toEqual({ accepted: 1, rejected: [{ line: 3, details: [{ field: 'displayName', message: expect.stringMatching(NOT_UNICODE) }] }] });
    expect(await storedRefs('bulk-bytes-%')).toEqual(['bulk-bytes-csv-good', 'bulk-bytes-good']);
  });
});

describe('a PATCH without a body', () => {
  it('is a 400 "(body) is required", with Content-Length 0 too (which was read as {} and applied)', async () => {
    const required = [{ field: '(body)', message: 'is required' }];
    const empty = { 'Content-Length': '0' };
    await refused('patch', `/v1/openings/${target.opening}`, 'employer', '', required, empty);
    await refused('patch', `/v1/candidates/${target.candidate}`, 'caseworker', '', required, empty);
    await refused('patch', `/v1/slots/${target.slot}`, 'merchant', '', required, empty);
    await refused('post', `/v1/slots/${target.slot}/redemptions`, 'merchant', '', required, empty);
    await refused('patch', `/v1/openings/${target.opening}`, 'employer', '', required);
    // A POST that takes no body is still fine without one.
    const before = await snapshot();
    await api.http.post(`/v1/openings/${randomId()}/close`).set(bearer(keys.employer)).set('Content-Type', 'application/json').send('').expect(404);
    expect(await snapshot()).toEqual(before);
  });
});

describe('text that is white space only where the document wants some', () => {
  const BLANK = 'must not be blank';

  it('is a 400 "must not be blank" (it was trimmed and stored as "")', async () => {
    await refused('post', '/v1/slots', 'merchant', JSON.stringify(aSlot({ title: '\t' })), [{ field: 'title', message: BLANK }]);
    await refused('post', '/v1/organizations', 'admin', '{"name":" ","kind":"employer"}', [{ field: 'name', message: BLANK }]);
    await refused('post', '/v1/caseworkers', 'admin', '{"name":"\\ufeff"}', [{ field: 'name', message: BLANK }]);
    await refused('post', '/v1/candidates', 'caseworker', JSON.stringify(aCandidate({ displayName: '\u2028\u2029' })), [
      { field: 'displayName', message: BLANK },
    ]);
    await refused('patch', `/v1/openings/${target.opening}`, 'employer', '{"skills":["x"," "]}', [
      { field: 'skills', message: 'must not contain blank skills' },
    ]);
    await refused('patch', `/v1/candidates/${target.candidate}`, 'caseworker', '{"displayName":"\\u3000"}', [{ field: 'displayName', message: BLANK }]);
    await refused('patch', NO_MATCH, 'caseworker', '{"status":"contacted","reason":" \\n "}', [{ field: 'reason', message: BLANK }]);
  });

  it('while text with something in it is kept, trimmed', async () => {
    const response = await send('patch', `/v1/openings/${target.opening}`, 'employer', '{"title":"  Picker \\u200b ","skills":[" x "]}');
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ title: 'Picker \u200b', skills: ['x'] });
  });
});

describe('validUntil that is not an RFC 3339 date-time', () => {
  const NOT_DATE_TIME = /RFC 3339 date-time/;

  it('is a 400 naming validUntil: a date alone, a time without an offset, a day that does not exist', async () => {
    for (const validUntil of ['2030-01-01', '2030-01-01T08:00:00', '2030-02-30T08:00:00Z', '2030-01-01T08:00:00+0800']) {
      await refused('post', '/v1/slots', 'merchant', JSON.stringify(aSlot({ validUntil })), [{ field: 'validUntil', message: NOT_DATE_TIME }]);
      await refused('patch', `/v1/openings/${target.opening}`, 'employer', JSON.stringify({ validUntil }), [{ field: 'validUntil', message: NOT_DATE_TIME }]);
    }
  });

  it('is kept when it is one, whatever its offset', async () => {
    const response = await send('patch', `/v1/slots/${target.slot}`, 'merchant', '{"validUntil":"2030-01-01T08:00:00+08:00"}');
    expect(response.status).toBe(200);
    expect(response.body.validUntil).toBe('2030-01-01T00:00:00.000Z');
  });
});

describe('lengths counted in code points, as the document counts them', () => {
  it('refuses 202 code points where the maximum is 200 (variation selectors count)', async () => {
    await refused('post', '/v1/organizations', 'admin', JSON.stringify({ name: 'a\ufe0f'.repeat(101), kind: 'employer' }), [
      { field: 'name', message: 'must be at most 200 characters' },
    ]);
    await refused('patch', NO_MATCH, 'caseworker', JSON.stringify({ status: 'hired', reason: 'a\ufe0f'.repeat(251) }), [
      { field: 'reason', message: 'must be at most 500 characters' },
    ]);
    await refused('patch', `/v1/slots/${target.slot}`, 'merchant', JSON.stringify({ offer: { description: '\u2764\ufe0f'.repeat(251) } }), [
      { field: 'offer.description', message: 'must be at most 500 characters' },
    ]);
  });

  it('takes a code of 4 code points (a flag emoji) as a code to look up, not as too short', async () => {
    const response = await send('post', `/v1/slots/${target.slot}/redemptions`, 'merchant', JSON.stringify({ code: '🏳️‍🌈' }));
    expect(response.status).toBe(404);
  });
});

describe('a NUL in a key of a bulk import kept for an Idempotency-Key replay', () => {
  it('names the field without the NUL, so that the answer is stored and replayed (it was a 500)', async () => {
    const lines = [
      JSON.stringify(aCandidate({ externalRef: 'bulk-nul-good' })),
      withRaw(aCandidate({ externalRef: 'bulk-nul-bad' }), 'location', '{"lat":1,"lng":1,"a\\u0000b":true}'),
    ];
    const expected = { accepted: 1, rejected: [{ line: 2, details: [{ field: 'location.a\ufffdb', message: 'must not contain the NUL character' }] }] };
    const first = await bulk('application/x-ndjson', lines.join('\n'), { 'Idempotency-Key': 'bulk-nul' });
    expect({ status: first.status, body: first.body }).toEqual({ status: 200, body: expected });
    const again = await bulk('application/x-ndjson', lines.join('\n'), { 'Idempotency-Key': 'bulk-nul' });
    expect({ status: again.status, body: again.body, replayed: again.headers['idempotent-replayed'] }).toEqual({
      status: 200,
      body: expected,
      replayed: 'true',
    });

    const csv = 'displayName,externalRef,groups,lat,lng,consentContact,a\u0000b\nWang Fang,bulk-nul-csv,rider,31.27,121.54,yes,x\n';
    const fromCsv = await bulk('text/csv', csv, { 'Idempotency-Key': 'bulk-nul-csv' });
    expect({ status: fromCsv.status, body: fromCsv.body }).toEqual({
      status: 200,
      body: { accepted: 0, rejected: [{ line: 2, details: [{ field: 'a\ufffdb', message: NOT_ALLOWED }] }] },
    });
    expect(await storedRefs('bulk-nul-%')).toEqual(['bulk-nul-good']);
  });
});

describe('a path id that is not valid percent-encoding', () => {
  it('is a 400 naming id, "must be a UUID", as any other bad id', async () => {
    const badId = [{ field: 'id', message: 'must be a UUID' }];
    for (const id of ['%', '%ED%A0%80', '%E4%B8', '%zz']) {
      expectRefused(await api.http.get(`/v1/candidates/${id}`).set(bearer(keys.caseworker)), badId);
      expectRefused(await api.http.get(`/v1/candidates/${id}/explain?openingId=${target.opening}`).set(bearer(keys.caseworker)), badId);
      await refused('patch', `/v1/openings/${id}`, 'employer', '{"title":"Renamed"}', badId);
      await refused('post', `/v1/slots/${id}/redemptions`, 'merchant', '{"code":"ABCD1234"}', badId);
    }
  });

  it('elsewhere is whatever its route makes of the text (a console file that does not exist: 404)', async () => {
    await api.http.get('/console/%').expect(404);
  });
});

function randomId(): string {
  return crypto.randomUUID();
}
