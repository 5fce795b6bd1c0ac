/**
 * Odd but well-formed JSON from a hostile (or careless) client, sent to the real API: every such request is a
 * 400 in the one error shape naming the bad field, never a 500 and never a silent change, and nothing is
 * written (rows counted before and after, and the entity a PATCH aimed at read back unchanged).
 *
 * Bodies are sent as raw text, because what is tested is exactly what a JavaScript object cannot say: a lone
 * UTF-16 surrogate (`"\ud800"`), a key named `__proto__`, 100,000 levels of nesting, `1e-7`.
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
const withRaw = (body: Record<string, unknown>, field: string, raw: string) => `${JSON.stringify(without(body, field)).slice(0, -1)},${JSON.stringify(field)}:${raw}}`;
/** A body as JSON text with `extra` (JSON text of members) added at the end of the object at the top. */
const withMembers = (body: Record<string, unknown>, extra: string) => `${JSON.stringify(body).slice(0, -1)},${extra}}`;

function send(method: Method, path: string, role: Role | 'admin', text: string, headers: Record<string, string> = {}) {
  const key = role === 'admin' ? ADMIN : bearer(keys[role]);
  return api.http[method](path).set(key).set('Content-Type', 'application/json').set(headers).send(text);
}

/** Everything a refused request must leave as it was: row counts, and the PATCH targets row by row. */
async function snapshot(): Promise<unknown> {
  const { rows } = await world.db.query(
    `SELECT (SELECT count(*) FROM candidates) AS candidates, (SELECT count(*) FROM openings) AS openings,
            (SELECT count(*) FROM slots) AS slots, (SELECT count(*) FROM outbox_events) AS events,
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
async function refused(method: Method, path: string, role: Role | 'admin', text: string, expected: FieldError[], headers: Record<string, string> = {}): Promise<Response> {
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
    await refused('post', '/v1/slots', 'merchant', withRaw(aSlot(), 'offer', `{"description":${deep}}`), [{ field: `offer.description${'.0'.repeat(30)}`, message: TOO_DEEP }]);
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
    await refused('post', '/v1/candidates', 'caseworker', withRaw(aCandidate(), 'skills', '["cooking","\\udfff"]'), [{ field: 'skills.1', message: NOT_UNICODE }]);
    await refused('post', '/v1/openings', 'employer', withRaw(anOpening(), 'title', lone), [{ field: 'title', message: NOT_UNICODE }]);
    await refused('post', '/v1/slots', 'merchant', withRaw(aSlot(), 'offer', `{"description":${lone}}`), [{ field: 'offer.description', message: NOT_UNICODE }]);
    await refused('patch', `/v1/slots/${target.slot}`, 'merchant', `{"offer":{"description":${lone}}}`, [{ field: 'offer.description', message: NOT_UNICODE }]);
    await refused('patch', `/v1/candidates/${target.candidate}`, 'caseworker', `{"displayName":${lone}}`, [{ field: 'displayName', message: NOT_UNICODE }]);
    await refused('post', '/v1/organizations', 'admin', `{"name":${lone},"kind":"merchant"}`, [{ field: 'name', message: NOT_UNICODE }]);
  });

  it('in a key is a 400 that names the key readably (never echoing a broken string)', async () => {
    const response = await refused('post', '/v1/candidates', 'caseworker', withMembers(aCandidate(), '"\\udc00x":1'), [{ field: '\ufffdx', message: NOT_UNICODE }]);
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
    await refused('post', '/v1/candidates', 'caseworker', withRaw(aCandidate(), 'consent', '[{"contact":true}]'), [{ field: 'consent', message: NOT_AN_OBJECT }]);
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
      await refused('post', '/v1/openings', 'employer', withMembers(anOpening(), `${JSON.stringify(name)}:{"positions":1}`), [{ field: name, message: NOT_ALLOWED }]);
      await refused('post', '/v1/slots', 'merchant', withRaw(aSlot(), 'offer', `{"price":5,${JSON.stringify(name)}:{"price":0}}`), [{ field: `offer.${name}`, message: NOT_ALLOWED }]);
      await refused('patch', `/v1/candidates/${target.candidate}`, 'caseworker', `{${member}}`, [{ field: name, message: NOT_ALLOWED }]);
      await refused('patch', `/v1/openings/${target.opening}`, 'employer', `{"title":"Renamed",${JSON.stringify(name)}:{}}`, [{ field: name, message: NOT_ALLOWED }]);
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
    const ndjson = await api.http.post('/v1/candidates/bulk').set(bearer(keys.caseworker)).set('Content-Type', 'application/x-ndjson').send(`${lines.join('\n')}\n`);
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
