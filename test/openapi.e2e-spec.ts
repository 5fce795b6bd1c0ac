/**
 * The OpenAPI document the intake API serves at /docs-json (Swagger UI at /docs): a valid OpenAPI 3.0 document
 * by a stock validator, listing every endpoint of the contract (shared/API-v1.md) with its statuses and its
 * auth, and one that real answers conform to. Every request below, success or error, is checked against the
 * schema the document gives for that operation and status, with additional properties refused, so a field
 * the document does not describe (or a `null` it does not allow) fails here with the path of the field.
 *
 * Matches, notifications and deliveries are made by the real matcher and notifier, against real PostgreSQL
 * and Redis, and a local webhook receiver.
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { existsSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import request, { type Response } from 'supertest';
import { createApiApp } from '../apps/api/src/create-api-app';
import { DINGHAI_ROAD, aCandidate, aSlot, anOpening, bearer, weekdays, without } from './support/builders';
import { type RunningApi, TEST_ADMIN_KEY, Teardown, type TestWorld, createTestWorld, eventually, startApi, startWorker } from './support/test-environment';
import { documentSchemas, toJsonSchema } from './support/openapi-schema';
import { WebhookSink } from './support/webhook-sink';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the document and the answers as parsed JSON (supertest's body is `any`, see eslint.config.mjs for tests): what is read is asserted, and every answer is held to its schema
type Json = Record<string, any>;

/**
 * The resources table of API v1: method, path, success status, and the error statuses the table names in
 * its row. Checked against ../shared/API-v1.md when that file is at hand.
 */
const CONTRACT: { method: Method; path: string; success: number; named: number[] }[] = [
  { method: 'post', path: '/v1/organizations', success: 201, named: [] },
  { method: 'post', path: '/v1/caseworkers', success: 201, named: [] },
  { method: 'post', path: '/v1/candidates', success: 201, named: [] },
  { method: 'post', path: '/v1/candidates/bulk', success: 200, named: [] },
  { method: 'get', path: '/v1/candidates/:id', success: 200, named: [] },
  { method: 'patch', path: '/v1/candidates/:id', success: 200, named: [] },
  { method: 'delete', path: '/v1/candidates/:id', success: 204, named: [404] },
  { method: 'get', path: '/v1/candidates/:id/explain', success: 200, named: [] },
  { method: 'post', path: '/v1/openings', success: 201, named: [] },
  { method: 'get', path: '/v1/openings/:id', success: 200, named: [] },
  { method: 'patch', path: '/v1/openings/:id', success: 200, named: [] },
  { method: 'post', path: '/v1/openings/:id/close', success: 200, named: [] },
  { method: 'post', path: '/v1/slots', success: 201, named: [] },
  { method: 'get', path: '/v1/slots/:id', success: 200, named: [] },
  { method: 'patch', path: '/v1/slots/:id', success: 200, named: [] },
  { method: 'post', path: '/v1/slots/:id/withdraw', success: 200, named: [] },
  { method: 'post', path: '/v1/slots/:id/redemptions', success: 201, named: [404, 409] },
  { method: 'get', path: '/v1/candidate-lists', success: 200, named: [] },
  { method: 'patch', path: '/v1/matches/:id', success: 200, named: [409] },
  { method: 'get', path: '/v1/inbox', success: 200, named: [] },
];

/**
 * The statuses the contract's conventions give an endpoint: 401 and 403 (every endpoint needs a key of some
 * role), 429 (rate limited), 404 for a resource by id (someone else's is 404), 400 for anything the client
 * shapes (a body, an id, a query), 409 for every POST (Idempotency-Key reused with another body), 413 and 415
 * for every request that may carry a body; plus the ones its row names.
 */
function expectedStatuses(row: (typeof CONTRACT)[number]): number[] {
  const statuses = new Set<number>([row.success, 401, 403, 429, ...row.named]);
  const hasId = row.path.includes(':id');
  const hasBody = row.method === 'post' || row.method === 'patch';
  if (hasId) statuses.add(404);
  if (hasId || hasBody || row.path.endsWith('/explain')) statuses.add(400);
  if (row.method === 'post') statuses.add(409);
  if (hasBody) {
    statuses.add(413);
    statuses.add(415);
  }
  return [...statuses].sort();
}

const toTemplate = (path: string) => path.replace(/:(\w+)/g, '{$1}');
const CONTRACT_FILE = resolve(process.cwd(), '../shared/API-v1.md');

describe('the OpenAPI document', () => {
  let world: TestWorld;
  let api: RunningApi;
  let sink: WebhookSink;
  let doc: Json;
  let ajv: Ajv;
  const validators = new Map<string, ValidateFunction>();
  /** Per operation ("POST /v1/slots"), the statuses real answers were checked for. */
  const covered = new Map<string, Set<number>>();

  const teardown = new Teardown();

  beforeAll(async () => {
    sink = teardown.add(await WebhookSink.start(), (started) => started.close());
    // The caseworker's receiver refuses the first delivery with a 400: it is dead at once, for the replay.
    sink.answer('/caseworker', 400);
    world = teardown.add(await createTestWorld({ webhookAllowedHosts: '127.0.0.1' }), (started) => started.destroy());
    api = teardown.add(await startApi(world), (started) => started.close());
    teardown.add(await startWorker(world, 'matcher'), (started) => started.close());
    teardown.add(await startWorker(world, 'notifier'), (started) => started.close());
    const res = await api.http.get('/docs-json').expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    doc = JSON.parse(res.text);
    ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    ajv.addSchema(documentSchemas(doc));
  });

  afterAll(() => teardown.run());

  function validatorFor(label: string, schema: unknown): ValidateFunction {
    let validate = validators.get(label);
    if (validate === undefined) {
      validate = ajv.compile(toJsonSchema(schema) as object);
      validators.set(label, validate);
    }
    return validate;
  }

  // -------------------------------------------------------------------------------------------------------
  // Requests, each held to the document.

  function operationFor(method: Method, path: string): { template: string; operation: Json } | undefined {
    const candidates = Object.entries(doc.paths as Record<string, Json>)
      .filter(([, item]) => item[method] !== undefined)
      .map(([template, item]) => ({ template, operation: item[method] as Json, params: (template.match(/\{/g) ?? []).length }))
      .filter(({ template }) => new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(path))
      .sort((a, b) => a.params - b.params);
    return candidates[0];
  }

  interface Call {
    key?: string;
    body?: unknown;
    /** A body sent as is, with `type`. */
    raw?: string;
    type?: string;
    headers?: Record<string, string>;
  }

  async function call(method: Method, url: string, options: Call = {}): Promise<Response> {
    let test = api.http[method](url);
    if (options.key !== undefined) test = test.set(bearer(options.key));
    for (const [name, value] of Object.entries(options.headers ?? {})) test = test.set(name, value);
    if (options.type !== undefined) test = test.set('Content-Type', options.type);
    if (options.raw !== undefined) test = test.send(options.raw);
    else if (options.body !== undefined) test = test.send(options.body as object);
    const res = await test;
    conforms(method, url, res, options);
    return res;
  }

  /** Fails, naming the operation, the status and each bad field, unless the answer is what the document says. */
  function conforms(method: Method, url: string, res: Response, options: Call): void {
    const METHOD = method.toUpperCase();
    const found = operationFor(method, url.split('?')[0]);
    if (found === undefined) throw new Error(`${METHOD} ${url} is not in the OpenAPI document`);
    const label = `${METHOD} ${found.template}`;
    const declared = found.operation.responses?.[String(res.status)];
    if (declared === undefined) {
      throw new Error(
        `${METHOD} ${url} answered ${res.status}, a status the document does not declare for ${label} ` +
          `(it declares ${Object.keys(found.operation.responses ?? {}).join(', ')}). Body: ${res.text.slice(0, 500)}`,
      );
    }
    if (!covered.has(label)) covered.set(label, new Set());
    covered.get(label)?.add(res.status);
    const json = declared.content?.['application/json'];
    if (json === undefined) {
      if (res.text !== '') throw new Error(`${METHOD} ${url} answered ${res.status} with a body; the document declares none for ${label}`);
      return;
    }
    // Typed as always there, but an answer without a body has no content type.
    const contentType = res.headers['content-type'] as string | undefined;
    if (contentType === undefined || !/^application\/json\b/.test(contentType)) {
      throw new Error(`${METHOD} ${url} answered ${res.status} as ${res.headers['content-type']}; the document says application/json`);
    }
    const validate = validatorFor(`${label} -> ${res.status}`, json.schema);
    if (!validate(JSON.parse(res.text))) {
      throw new Error(
        `${METHOD} ${url} answered ${res.status} with a body that does not match the document (${label}, ${res.status}):\n  ` +
          `${ajv.errorsText(validate.errors, { separator: '\n  ', dataVar: 'body' })}\nbody: ${res.text.slice(0, 1500)}`,
      );
    }
    // A JSON body the API accepted must be one the document accepts too.
    if (res.status < 300 && options.body !== undefined && options.raw === undefined) {
      const schema = found.operation.requestBody?.content?.['application/json']?.schema;
      if (schema === undefined) throw new Error(`${label} accepted a JSON body, but the document declares none`);
      const validateRequest = validatorFor(`${label} <- request`, schema);
      if (!validateRequest(options.body)) {
        throw new Error(
          `${METHOD} ${url} accepted a body the document refuses (${label}):\n  ` +
            `${ajv.errorsText(validateRequest.errors, { separator: '\n  ', dataVar: 'request' })}\nrequest: ${JSON.stringify(options.body).slice(0, 1500)}`,
        );
      }
    }
  }

  async function expectStatus(res: Promise<Response>, status: number): Promise<Json> {
    const answer = await res;
    if (answer.status !== status) throw new Error(`expected ${status}, got ${answer.status}: ${answer.text.slice(0, 800)}`);
    return answer.text === '' ? {} : JSON.parse(answer.text);
  }

  // -------------------------------------------------------------------------------------------------------
  // The document itself.

  it('is a valid OpenAPI 3.0 document by a stock validator', async () => {
    const validator = new Validator();
    const result = await validator.validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.0');
  });

  const itWithContract = existsSync(CONTRACT_FILE) ? it : it.skip;
  itWithContract("lists the same endpoints as the contract's resources table", () => {
    const rows = readFileSync(CONTRACT_FILE, 'utf8')
      .split('\n')
      .map((line) => /^\| `(GET|POST|PATCH|DELETE) ([^`?]+)(?:\?[^`]*)?` \|(.*)$/.exec(line))
      .filter((match) => match !== null);
    const parsed = rows.map(([, method, path, rest]) => ({
      method: method.toLowerCase(),
      path,
      success: Number(/\b(2\d\d)\b/.exec(rest)?.[1] ?? 200),
      named: [...rest.matchAll(/\b(4\d\d)\b/g)].map((match) => Number(match[1])),
    }));
    expect(parsed.map(({ method, path, success }) => ({ method, path, success }))).toEqual(
      CONTRACT.map(({ method, path, success }) => ({ method, path, success })),
    );
    for (const row of parsed) {
      const ours = CONTRACT.find((entry) => entry.method === row.method && entry.path === row.path);
      for (const status of row.named)
        expect({ endpoint: `${row.method} ${row.path}`, status, expected: ours && expectedStatuses(ours).includes(status) }).toMatchObject({ expected: true });
    }
  });

  it('describes every endpoint of the contract with its success and error statuses, in the one error shape', () => {
    const missing: string[] = [];
    for (const row of CONTRACT) {
      const operation = doc.paths[toTemplate(row.path)]?.[row.method];
      if (operation === undefined) {
        missing.push(`${row.method.toUpperCase()} ${row.path}: not in the document`);
        continue;
      }
      const declared = Object.keys(operation.responses ?? {}).map(Number);
      for (const status of expectedStatuses(row)) {
        if (!declared.includes(status)) missing.push(`${row.method.toUpperCase()} ${row.path}: no ${status}`);
      }
      if (!operation.summary) missing.push(`${row.method.toUpperCase()} ${row.path}: no summary`);
    }
    expect(missing).toEqual([]);

    // Every error of every operation is the ApiError schema, which is the shape of ApiExceptionFilter.
    for (const [path, item] of Object.entries(doc.paths as Record<string, Json>)) {
      for (const [method, operation] of Object.entries(item)) {
        for (const [status, response] of Object.entries(operation.responses as Json)) {
          if (Number(status) >= 400) {
            expect({ at: `${method} ${path} ${status}`, schema: (response as Json).content?.['application/json']?.schema }).toEqual({
              at: `${method} ${path} ${status}`,
              schema: { $ref: '#/components/schemas/ApiError' },
            });
          }
        }
      }
    }
    expect(doc.components.schemas.ApiError).toMatchObject({
      type: 'object',
      required: ['statusCode', 'error', 'message'],
      properties: {
        statusCode: { type: 'integer' },
        error: { type: 'string' },
        message: { type: 'string' },
        details: { type: 'array', items: { $ref: '#/components/schemas/FieldError' } },
      },
    });
  });

  it('includes the endpoints beyond the contract', () => {
    const present = (method: Method, path: string) => doc.paths[path]?.[method] !== undefined;
    expect(present('get', '/v1/reports/funnel')).toBe(true);
    expect(present('get', '/v1/deliveries')).toBe(true);
    expect(present('post', '/v1/deliveries/{id}/replay')).toBe(true);
    expect(present('get', '/v1/candidates/{id}/explain')).toBe(true);
  });

  it('declares bearer auth on every operation but the public ones, which really answer without a key', async () => {
    expect(doc.components.securitySchemes).toMatchObject({ apiKey: { type: 'http', scheme: 'bearer' } });
    expect(doc.paths['/v1/candidates'].post.responses['429'].headers).toHaveProperty('Retry-After');
    const unauthenticated: string[] = [];
    for (const [path, item] of Object.entries(doc.paths as Record<string, Json>)) {
      for (const [method, operation] of Object.entries(item)) {
        const bearerAuth = ((operation.security ?? doc.security ?? []) as Json[]).some((requirement) => 'apiKey' in requirement);
        if (bearerAuth) {
          expect({ at: `${method} ${path}`, declares401: '401' in operation.responses }).toEqual({ at: `${method} ${path}`, declares401: true });
        } else {
          unauthenticated.push(`${method.toUpperCase()} ${path}`);
        }
      }
    }
    // The contract's endpoints all need a key.
    expect(unauthenticated.filter((operation) => operation.includes(' /v1/'))).toEqual([]);
    // Anything else the document calls public (health, say) must answer without one.
    for (const operation of unauthenticated) {
      const [method, path] = operation.split(' ');
      if (method !== 'GET' || path.includes('{')) continue;
      const res = await api.http.get(path);
      expect({ operation, status: res.status }).not.toMatchObject({ status: 401 });
    }
  });

  it('declares the Idempotency-Key header on every POST, and the bulk import as NDJSON or CSV', () => {
    for (const [path, item] of Object.entries(doc.paths as Record<string, Json>)) {
      if (item.post === undefined) continue;
      const header = (item.post.parameters ?? []).find((parameter: Json) => parameter.in === 'header' && parameter.name === 'Idempotency-Key');
      expect({ path, header }).toEqual({ path, header: expect.objectContaining({ required: false, schema: expect.objectContaining({ type: 'string' }) }) });
    }
    const bulk = doc.paths['/v1/candidates/bulk'].post.requestBody.content;
    expect(Object.keys(bulk)).toEqual(expect.arrayContaining(['application/x-ndjson', 'text/csv']));
    expect(bulk['text/csv'].schema).toMatchObject({ type: 'string' });
    expect(doc.paths['/v1/candidates'].post.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Candidate' });
  });

  it('serves Swagger UI at /docs and the document at /docs-json, without a key', async () => {
    const page = await api.http.get('/docs').expect(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toMatch(/swagger-ui/i);
    // Its script and style sheets load too (swagger-ui.css, swagger-ui-bundle.js, ...).
    const assets = page.text.match(/(?<=(?:src|href)=")[^"]+\.(?:js|css)(?=")/g) ?? [];
    expect(assets.length).toBeGreaterThanOrEqual(3);
    for (const asset of assets) {
      await api.http.get(new URL(asset, 'http://localhost/docs').pathname).expect(200);
    }
    const init = await api.http.get('/docs/swagger-ui-init.js').expect(200);
    expect(init.text).toContain('/v1/candidates/bulk');
    const json = await api.http.get('/docs-json').expect(200);
    expect(JSON.parse(json.text).info.title).toBe('huigong intake API');
  });

  // -------------------------------------------------------------------------------------------------------
  // Real answers, held to the document.

  let employer: Json;
  let merchant: Json;
  let caseworker: Json;
  let otherEmployer: Json;
  let otherMerchant: Json;
  let otherCaseworker: Json;
  let rider: Json;
  let spare: Json;
  let opening: Json;
  let slot: Json;

  it('organizations and caseworkers: created, and every kind of refusal', async () => {
    employer = await expectStatus(call('post', '/v1/organizations', { key: TEST_ADMIN_KEY, body: { name: 'Yangpu Assembly', kind: 'employer' } }), 201);
    merchant = await expectStatus(call('post', '/v1/organizations', { key: TEST_ADMIN_KEY, body: { name: 'Dinghai canteen', kind: 'merchant' } }), 201);
    caseworker = await expectStatus(
      call('post', '/v1/caseworkers', { key: TEST_ADMIN_KEY, body: { name: 'Riders desk', webhookUrl: `${sink.url}/caseworker` } }),
      201,
    );
    expect(caseworker.webhookSecret).toMatch(/^whsec_/);
    otherEmployer = await expectStatus(call('post', '/v1/organizations', { key: TEST_ADMIN_KEY, body: { name: 'Other plant', kind: 'employer' } }), 201);
    otherMerchant = await expectStatus(
      call('post', '/v1/organizations', { key: TEST_ADMIN_KEY, body: { name: 'Other canteen', kind: 'merchant', webhookUrl: `${sink.url}/other-merchant` } }),
      201,
    );
    otherCaseworker = await expectStatus(call('post', '/v1/caseworkers', { key: TEST_ADMIN_KEY, body: { name: 'Other desk' } }), 201);

    const bad = await expectStatus(call('post', '/v1/organizations', { key: TEST_ADMIN_KEY, body: { name: '', kind: 'shop', extra: 1 } }), 400);
    expect(bad.details.map((detail: Json) => detail.field).sort()).toEqual(['extra', 'kind', 'name']);
    await expectStatus(call('post', '/v1/organizations', { key: TEST_ADMIN_KEY, raw: '{"name": ', type: 'application/json' }), 400);
    await expectStatus(call('post', '/v1/organizations', { key: TEST_ADMIN_KEY, raw: 'name=x', type: 'text/plain' }), 415);
    await expectStatus(
      call('post', '/v1/organizations', {
        key: TEST_ADMIN_KEY,
        raw: JSON.stringify({ name: 'x'.repeat(1_100_000), kind: 'employer' }),
        type: 'application/json',
      }),
      413,
    );
    await expectStatus(call('post', '/v1/caseworkers', { body: { name: 'No key' } }), 401);
    await expectStatus(call('post', '/v1/caseworkers', { key: `hg_${'Q'.repeat(43)}`, body: { name: 'Unknown key' } }), 401);
    await expectStatus(call('post', '/v1/caseworkers', { key: employer.apiKey, body: { name: 'Wrong role' } }), 403);
    await expectStatus(call('post', '/v1/caseworkers', { key: TEST_ADMIN_KEY, body: { name: 'Private hook', webhookUrl: 'http://10.0.0.1/hook' } }), 400);

    // The same Idempotency-Key: the same answer again, then 409 with another body.
    const headers = { 'Idempotency-Key': 'openapi-caseworker-1' };
    const first = await expectStatus(call('post', '/v1/caseworkers', { key: TEST_ADMIN_KEY, headers, body: { name: 'Retried desk' } }), 201);
    const again = await expectStatus(call('post', '/v1/caseworkers', { key: TEST_ADMIN_KEY, headers, body: { name: 'Retried desk' } }), 201);
    expect(again.id).toBe(first.id);
    await expectStatus(call('post', '/v1/caseworkers', { key: TEST_ADMIN_KEY, headers, body: { name: 'Another desk' } }), 409);
    await expectStatus(
      call('post', '/v1/caseworkers', { key: TEST_ADMIN_KEY, headers: { 'Idempotency-Key': 'bad key with spaces' }, body: { name: 'x' } }),
      400,
    );
  });

  it('candidates: registered, read, changed, imported in bulk, refused', async () => {
    const key = caseworker.apiKey;
    rider = await expectStatus(call('post', '/v1/candidates', { key, body: aCandidate({ displayName: 'Rider Zhou' }) }), 201);
    // Optional fields left out come back as null.
    spare = await expectStatus(
      call('post', '/v1/candidates', {
        key,
        body: { displayName: 'Veteran Wu', groups: ['veteran'], location: { lat: DINGHAI_ROAD.lat, lng: DINGHAI_ROAD.lng }, consent: { contact: false } },
      }),
      201,
    );
    expect(spare).toMatchObject({ externalRef: null, phone: null, maxTravelKm: null });
    await expectStatus(call('get', `/v1/candidates/${rider.id}`, { key }), 200);
    const changed = await expectStatus(
      call('patch', `/v1/candidates/${spare.id}`, { key, body: { externalRef: 'YP-9', phone: null, skills: ['security'] } }),
      200,
    );
    expect(changed).toMatchObject({ externalRef: 'YP-9', phone: null, skills: ['security'] });

    const bad = await expectStatus(call('post', '/v1/candidates', { key, body: aCandidate({ location: { lat: 91, lng: 0 }, groups: [] }) }), 400);
    expect(bad.details.map((detail: Json) => detail.field).sort()).toEqual(['groups', 'location.lat']);
    await expectStatus(call('patch', `/v1/candidates/${rider.id}`, { key, body: { displayName: null } }), 400);
    await expectStatus(call('patch', `/v1/candidates/${rider.id}`, { key, raw: 'x', type: 'text/csv' }), 415);
    await expectStatus(call('get', '/v1/candidates/not-a-uuid', { key }), 400);
    await expectStatus(call('get', `/v1/candidates/${rider.id}`, { key: otherCaseworker.apiKey }), 404);
    await expectStatus(call('get', `/v1/candidates/${rider.id}`, { key: employer.apiKey }), 403);
    await expectStatus(call('get', `/v1/candidates/${rider.id}`), 401);

    const ndjson = [
      JSON.stringify(aCandidate({ displayName: 'Bulk one', groups: ['courier'] })),
      '{"displayName": "broken"',
      JSON.stringify({ displayName: 'No groups' }),
    ].join('\n');
    const imported = await expectStatus(call('post', '/v1/candidates/bulk', { key, raw: ndjson, type: 'application/x-ndjson' }), 200);
    expect(imported.accepted).toBe(1);
    expect(imported.rejected.map((line: Json) => line.line)).toEqual([2, 3]);
    const csv = [
      'displayName,externalRef,phone,groups,skills,lat,lng,maxTravelKm,availability,breaks,accessibilityNeeds,consentContact',
      'Bulk two,,,sanitation;veteran,,31.27,121.54,,1 08:00-12:00,,,true',
      'Bulk three,,,nobody,,31.27,121.54,,,,,maybe',
    ].join('\n');
    const fromCsv = await expectStatus(call('post', '/v1/candidates/bulk', { key, raw: csv, type: 'text/csv' }), 200);
    expect(fromCsv.accepted).toBe(1);
    await expectStatus(call('post', '/v1/candidates/bulk', { key, raw: ndjson, type: 'application/json' }), 415);
    await expectStatus(call('post', '/v1/candidates/bulk', { key: merchant.apiKey, raw: ndjson, type: 'application/x-ndjson' }), 403);
  });

  it('openings and slots: posted, read, matched by the real engine', async () => {
    opening = await expectStatus(
      call('post', '/v1/openings', {
        key: employer.apiKey,
        body: anOpening({ title: 'Morning couriers', targetGroups: ['rider'], shifts: weekdays('08:00', '12:00'), accessibilityFeatures: [], positions: 2 }),
      }),
      201,
    );
    slot = await expectStatus(
      call('post', '/v1/slots', { key: merchant.apiKey, body: aSlot({ validUntil: new Date(Date.now() + 7 * 86_400_000).toISOString() }) }),
      201,
    );
    await expectStatus(call('post', '/v1/openings', { key: employer.apiKey, body: anOpening({ shifts: [], positions: 0 }) }), 400);
    await expectStatus(call('post', '/v1/slots', { key: employer.apiKey, body: aSlot() }), 403);

    const lists = await eventually(
      async () => {
        const res = await call('get', '/v1/candidate-lists', { key: caseworker.apiKey });
        return res.body.length === 2 ? (res.body as Json[]) : undefined;
      },
      20_000,
      'the rider matched to the opening and the slot',
    );
    expect(lists.map((list) => list.kind).sort()).toEqual(['opening', 'slot']);
    await expectStatus(call('get', '/v1/candidate-lists', { key: employer.apiKey }), 403);
    await expectStatus(call('get', '/v1/candidate-lists'), 401);
    expect(lists.flatMap((list) => list.matches.map((match: Json) => match.candidateId))).toEqual([rider.id, rider.id]);

    const read = await expectStatus(call('get', `/v1/openings/${opening.id}`, { key: employer.apiKey }), 200);
    expect(read.matchSummary.proposed).toBe(1);
    const offered = await expectStatus(call('get', `/v1/slots/${slot.id}`, { key: merchant.apiKey }), 200);
    expect(offered.offerSummary.offered).toBe(1);
    await expectStatus(call('get', `/v1/openings/${opening.id}`, { key: otherEmployer.apiKey }), 404);
    await expectStatus(call('get', `/v1/slots/${slot.id}`, { key: otherMerchant.apiKey }), 404);
  });

  it('follow-up, explain and redemption', async () => {
    const key = caseworker.apiKey;
    const lists: Json[] = (await call('get', '/v1/candidate-lists', { key })).body;
    const jobMatch = lists.find((list) => list.kind === 'opening')?.matches[0];
    const slotMatch = lists.find((list) => list.kind === 'slot')?.matches[0];

    const moved = await expectStatus(call('patch', `/v1/matches/${jobMatch.matchId}`, { key, body: { status: 'contacted', note: 'Called at noon' } }), 200);
    expect(moved).toMatchObject({ status: 'contacted', reason: null, note: 'Called at noon' });
    await expectStatus(call('patch', `/v1/matches/${jobMatch.matchId}`, { key, body: { status: 'hired' } }), 409);
    await expectStatus(call('patch', `/v1/matches/${jobMatch.matchId}`, { key, body: { status: 'declined' } }), 400);
    await expectStatus(call('patch', `/v1/matches/${slotMatch.matchId}`, { key, body: { status: 'contacted' } }), 409);
    await expectStatus(call('patch', `/v1/matches/${jobMatch.matchId}`, { key: otherCaseworker.apiKey, body: { status: 'interested' } }), 404);

    const whyJob = await expectStatus(call('get', `/v1/candidates/${rider.id}/explain?openingId=${opening.id}`, { key }), 200);
    expect(whyJob).toMatchObject({ eligible: true, match: { matchId: jobMatch.matchId } });
    const whyNot = await expectStatus(call('get', `/v1/candidates/${spare.id}/explain?slotId=${slot.id}`, { key }), 200);
    expect(whyNot).toMatchObject({ eligible: false, match: null });
    await expectStatus(call('get', `/v1/candidates/${rider.id}/explain`, { key }), 400);
    await expectStatus(call('get', `/v1/candidates/${rider.id}/explain?openingId=${slot.id}`, { key }), 404);

    const { rows } = await world.db.query(`SELECT redemption_code FROM matches WHERE id = $1`, [slotMatch.matchId]);
    const code = rows[0].redemption_code as string;
    const redeemed = await expectStatus(call('post', `/v1/slots/${slot.id}/redemptions`, { key: merchant.apiKey, body: { code } }), 201);
    expect(redeemed).toMatchObject({ matchId: slotMatch.matchId, status: 'redeemed' });
    await expectStatus(call('post', `/v1/slots/${slot.id}/redemptions`, { key: merchant.apiKey, body: { code } }), 409);
    await expectStatus(call('post', `/v1/slots/${slot.id}/redemptions`, { key: merchant.apiKey, body: { code: 'NOSUCHCODE' } }), 404);

    // A hire (one of two positions) reverted: back to interview. Last: the person is employed meanwhile.
    for (const status of ['interested', 'interview', 'hired'])
      await expectStatus(call('patch', `/v1/matches/${jobMatch.matchId}`, { key, body: { status } }), 200);
    const reverted = await expectStatus(call('post', `/v1/matches/${jobMatch.matchId}/revert-hire`, { key, body: { reason: 'Recorded by mistake' } }), 200);
    expect(reverted).toMatchObject({ status: 'interview', reason: 'Recorded by mistake' });
    await expectStatus(call('post', `/v1/matches/${jobMatch.matchId}/revert-hire`, { key, body: { reason: 'Again' } }), 409);
    await expectStatus(call('post', `/v1/matches/${jobMatch.matchId}/retention`, { key, body: { checkpoint: 30, outcome: 'retained' } }), 409);
    await expectStatus(call('patch', `/v1/matches/${jobMatch.matchId}`, { key, body: { status: 'hired' } }), 200);
    const retained = await expectStatus(call('post', `/v1/matches/${jobMatch.matchId}/retention`, { key, body: { checkpoint: 30, outcome: 'retained' } }), 200);
    expect(retained).toMatchObject({ matchId: jobMatch.matchId, checkpoint: 30, outcome: 'retained' });
    await expectStatus(call('post', `/v1/matches/${jobMatch.matchId}/retention`, { key, body: { checkpoint: 45, outcome: 'retained' } }), 400);

    const seekers = await expectStatus(call('get', '/v1/caseworkers/me/seekers?limit=10', { key }), 200);
    expect(seekers.length).toBeGreaterThan(0);
    await expectStatus(call('get', '/v1/caseworkers/me/seekers?offset=-1', { key }), 400);
    await expectStatus(call('get', '/v1/caseworkers/me/seekers?offset=99999999999999999999999', { key }), 400);
  });

  it('inbox, funnel report and deliveries, with the replay of a dead delivery', async () => {
    const caseworkerInbox = await eventually(
      async () => {
        const res = await call('get', '/v1/inbox', { key: caseworker.apiKey });
        return res.body.length >= 2 ? (res.body as Json[]) : undefined;
      },
      20_000,
      'two candidate lists in the inbox',
    );
    expect(caseworkerInbox.map((entry) => entry.type)).toEqual(['candidate_list', 'candidate_list']);
    await expectStatus(call('get', '/v1/inbox?limit=1', { key: merchant.apiKey }), 200);
    await expectStatus(call('get', '/v1/inbox', { key: employer.apiKey }), 200);
    await expectStatus(call('get', '/v1/inbox?limit=0', { key: employer.apiKey }), 400);
    await expectStatus(call('get', '/v1/inbox', { key: TEST_ADMIN_KEY }), 403);

    const asAdmin = await expectStatus(call('get', '/v1/reports/funnel', { key: TEST_ADMIN_KEY }), 200);
    expect(asAdmin.stillSeeking).toEqual(expect.objectContaining({ after30Days: 0 }));
    const asEmployer = await expectStatus(call('get', `/v1/reports/funnel?openingId=${opening.id}`, { key: employer.apiKey }), 200);
    expect(asEmployer.openings).toEqual([expect.objectContaining({ openingId: opening.id, funnel: expect.objectContaining({ proposed: 1, contacted: 1 }) })]);
    expect(asEmployer.stillSeeking).toBeUndefined();
    await expectStatus(call('get', '/v1/reports/funnel?openingId=x', { key: TEST_ADMIN_KEY }), 400);
    await expectStatus(call('get', '/v1/reports/funnel', { key: merchant.apiKey }), 403);
    const uptake = await expectStatus(call('get', `/v1/reports/slot-uptake?slotId=${slot.id}`, { key: merchant.apiKey }), 200);
    expect(uptake.occurrences[0]).toMatchObject({ slotId: slot.id, offered: 1, redeemed: 1 });
    await expectStatus(call('get', '/v1/reports/slot-uptake?to=tomorrow', { key: TEST_ADMIN_KEY }), 400);
    const exported = await expectStatus(call('get', `/v1/candidates/${rider.id}/export`, { key: caseworker.apiKey }), 200);
    expect(exported.profile.id).toBe(rider.id);
    await expectStatus(call('get', `/v1/candidates/${rider.id}/export`, { key: otherCaseworker.apiKey }), 404);
    const consents = await expectStatus(call('get', `/v1/candidates/${rider.id}/consents`, { key: caseworker.apiKey }), 200);
    expect((consents as unknown as Json[]).map((record) => record.purpose)).toEqual(['jobs', 'benefits', 'sensitive']);
    await expectStatus(call('get', `/v1/candidates/${rider.id}/consents`, { key: otherCaseworker.apiKey }), 404);
    const audited = await eventually(
      async () => {
        const reads = (await call('get', `/v1/audit?candidateId=${rider.id}`, { key: TEST_ADMIN_KEY })).body as Json[];
        return reads.length > 0 ? reads : undefined;
      },
      15_000,
      'reads of the rider audited',
    );
    expect(audited[0].candidateId).toBe(rider.id);
    await expectStatus(call('get', `/v1/audit?candidateId=${rider.id}`, { key: TEST_ADMIN_KEY }), 200);
    await expectStatus(call('get', '/v1/audit?limit=0', { key: TEST_ADMIN_KEY }), 400);

    const dead = await eventually(
      async () => {
        const res = await call('get', '/v1/deliveries', { key: TEST_ADMIN_KEY });
        return res.body.length === 1 ? (res.body as Json[]) : undefined;
      },
      20_000,
      'the delivery refused with a 400 to be dead',
    );
    expect(dead[0]).toMatchObject({ status: 'dead', lastStatusCode: 400, recipientId: caseworker.id });
    await expectStatus(call('get', '/v1/deliveries?status=delivered', { key: TEST_ADMIN_KEY }), 200);
    await expectStatus(call('get', '/v1/deliveries?status=lost', { key: TEST_ADMIN_KEY }), 400);
    await expectStatus(call('get', '/v1/deliveries', { key: caseworker.apiKey }), 403);
    const replayed = await expectStatus(call('post', `/v1/deliveries/${dead[0].deliveryId}/replay`, { key: TEST_ADMIN_KEY }), 200);
    expect(replayed).toEqual({ deliveryId: dead[0].deliveryId, status: 'pending' });
    await expectStatus(call('post', `/v1/deliveries/${slot.id}/replay`, { key: TEST_ADMIN_KEY }), 404);
  });

  it('offers changed, closed and withdrawn; a person erased', async () => {
    const changed = await expectStatus(call('patch', `/v1/openings/${opening.id}`, { key: employer.apiKey, body: { positions: 3, validUntil: null } }), 200);
    expect(changed).toMatchObject({ positions: 3, validUntil: null, closedAt: null });
    const closed = await expectStatus(call('post', `/v1/openings/${opening.id}/close`, { key: employer.apiKey }), 200);
    expect(closed.status).toBe('closed');
    await expectStatus(call('patch', `/v1/openings/${opening.id}`, { key: employer.apiKey, body: { positions: 4 } }), 409);
    await expectStatus(call('post', `/v1/openings/${opening.id}/close`, { key: otherEmployer.apiKey }), 404);

    const updated = await expectStatus(
      call('patch', `/v1/slots/${slot.id}`, { key: merchant.apiKey, body: { capacity: 10, offer: { price: 12.5 }, validUntil: null } }),
      200,
    );
    expect(updated).toMatchObject({ capacity: 10, offer: { price: 12.5 }, validUntil: null, withdrawnAt: null });
    const withdrawn = await expectStatus(call('post', `/v1/slots/${slot.id}/withdraw`, { key: merchant.apiKey }), 200);
    expect(withdrawn.status).toBe('withdrawn');
    await expectStatus(call('patch', `/v1/slots/${slot.id}`, { key: merchant.apiKey, body: { capacity: 5 } }), 409);
    await expectStatus(call('post', `/v1/slots/${slot.id}/withdraw`, { key: employer.apiKey }), 403);

    await expectStatus(call('delete', `/v1/candidates/${spare.id}`, { key: otherCaseworker.apiKey }), 404);
    await expectStatus(call('delete', `/v1/candidates/${spare.id}`, { key: caseworker.apiKey }), 204);
    await expectStatus(call('get', `/v1/candidates/${spare.id}`, { key: caseworker.apiKey }), 404);
    await expectStatus(call('delete', '/v1/candidates/123', { key: caseworker.apiKey }), 400);
  });

  it('service points, their slots and the benefit map', async () => {
    const near = { lat: 31.2712, lng: 121.5497 };
    const point = await expectStatus(
      call('post', '/v1/service-points', {
        key: merchant.apiKey,
        body: {
          name: 'Dinghai canteen No. 3',
          kind: 'canteen',
          location: near,
          openingHours: [{ day: 1, start: '10:30', end: '14:30' }],
          memberBenefit: 'Soup free',
        },
      }),
      201,
    );
    await expectStatus(call('post', '/v1/service-points', { key: merchant.apiKey, body: { name: 'No kind', location: near } }), 400);
    expect(await expectStatus(call('get', '/v1/service-points', { key: merchant.apiKey }), 200)).toEqual([expect.objectContaining({ id: point.id })]);
    await expectStatus(call('get', '/v1/service-points?kind=castle', { key: TEST_ADMIN_KEY }), 400);
    expect(await expectStatus(call('get', `/v1/service-points/${point.id}`, { key: TEST_ADMIN_KEY }), 200)).toMatchObject({ status: 'open' });
    await expectStatus(call('get', `/v1/service-points/${point.id}`, { key: otherEmployer.apiKey }), 403);
    expect(
      await expectStatus(call('patch', `/v1/service-points/${point.id}`, { key: merchant.apiKey, body: { address: '定海路 449 弄' } }), 200),
    ).toMatchObject({
      address: '定海路 449 弄',
    });
    await expectStatus(call('patch', `/v1/service-points/${point.id}`, { key: merchant.apiKey, body: { kind: 'castle' } }), 400);
    const slotBody = without(aSlot(), 'location');
    const atPoint = await expectStatus(call('post', `/v1/service-points/${point.id}/slots`, { key: merchant.apiKey, body: slotBody }), 201);
    expect(atPoint).toMatchObject({ servicePointId: point.id, location: near });
    await expectStatus(call('post', `/v1/service-points/${point.id}/slots`, { key: merchant.apiKey, body: { ...slotBody, capacity: 0 } }), 400);
    const map = await expectStatus(call('get', `/v1/benefits?lat=${near.lat}&lng=${near.lng}&radiusKm=1`, { key: caseworker.apiKey }), 200);
    expect(map.places).toEqual(expect.arrayContaining([expect.objectContaining({ servicePointId: point.id, memberBenefit: 'Soup free' })]));
    await expectStatus(call('get', '/v1/benefits?lat=91&lng=0', { key: caseworker.apiKey }), 400);
    const hsds = await expectStatus(call('get', '/v1/exports/hsds', { key: employer.apiKey }), 200);
    expect(hsds.contents).toEqual(expect.arrayContaining([expect.objectContaining({ id: atPoint.id })]));
    await expectStatus(call('get', '/v1/exports/hsds'), 401);
    expect(await expectStatus(call('post', `/v1/service-points/${point.id}/close`, { key: merchant.apiKey }), 200)).toMatchObject({ status: 'closed' });
    await expectStatus(call('post', `/v1/service-points/${point.id}/close`, { key: employer.apiKey }), 403);
  });

  it('the course menu: topics, orders, a demand and its report', async () => {
    const station = await expectStatus(
      call('post', '/v1/service-points', { key: merchant.apiKey, body: { name: 'Worker station', kind: 'station', location: { lat: 31.28, lng: 121.55 } } }),
      201,
    );
    const topic = await expectStatus(
      call('post', '/v1/course-topics', { key: merchant.apiKey, body: { servicePointId: station.id, title: 'First aid', threshold: 1 } }),
      201,
    );
    await expectStatus(call('post', '/v1/course-topics', { key: merchant.apiKey, body: { servicePointId: station.id, title: '', threshold: 0 } }), 400);
    await expectStatus(call('post', '/v1/course-topics', { key: otherMerchant.apiKey, body: { servicePointId: station.id, title: 'Not mine' } }), 404);
    expect(await expectStatus(call('get', `/v1/course-topics?servicePointId=${station.id}`, { key: caseworker.apiKey }), 200)).toEqual([
      expect.objectContaining({ id: topic.id }),
    ]);
    await expectStatus(call('get', '/v1/course-topics?servicePointId=nope', { key: caseworker.apiKey }), 400);
    const person = await expectStatus(call('post', '/v1/candidates', { key: caseworker.apiKey, body: aCandidate({ externalRef: 'CM-1' }) }), 201);
    const freeWindows = [{ day: 2, start: '19:00', end: '21:00' }];
    const order = await expectStatus(
      call('post', `/v1/course-topics/${topic.id}/orders`, { key: caseworker.apiKey, body: { candidateId: person.id, freeWindows } }),
      201,
    );
    expect(order).toMatchObject({ status: 'in_demand', openOrders: 0 });
    await expectStatus(
      call('post', `/v1/course-topics/${topic.id}/orders`, { key: otherCaseworker.apiKey, body: { candidateId: person.id, freeWindows } }),
      404,
    );
    await expectStatus(
      call('post', `/v1/course-topics/${topic.id}/orders`, { key: caseworker.apiKey, body: { candidateId: person.id, freeWindows: [] } }),
      400,
    );
    const demand = await expectStatus(call('get', `/v1/course-demands/${order.demandId}`, { key: merchant.apiKey }), 200);
    expect(demand).toMatchObject({ orders: 1, bestWindows: [{ window: { day: 2, start: '19:00', end: '20:30' }, suits: 1 }] });
    await expectStatus(call('get', `/v1/course-demands/${order.demandId}`, { key: otherMerchant.apiKey }), 404);
    expect(await expectStatus(call('get', '/v1/reports/course-demand', { key: merchant.apiKey }), 200)).toEqual([
      expect.objectContaining({ topicId: topic.id, awaitingSchedule: 1 }),
    ]);
    await expectStatus(call('get', '/v1/reports/course-demand', { key: caseworker.apiKey }), 403);
    // Advice on idle capacity at the station: counts only.
    expect(await expectStatus(call('get', `/v1/slots/advice?servicePointId=${station.id}`, { key: merchant.apiKey }), 200)).toEqual([
      expect.objectContaining({ servicePointId: station.id, slots: [] }),
    ]);
    await expectStatus(call('get', '/v1/slots/advice?radiusKm=north', { key: merchant.apiKey }), 400);
  });

  it('job fairs: a fair, its openings, intents, the board, the live stream and the report', async () => {
    const partner = await expectStatus(call('post', '/v1/organizations', { key: TEST_ADMIN_KEY, body: { name: 'Live stream', kind: 'partner' } }), 201);
    const fairBody = {
      name: 'Baise fair',
      startsAt: new Date(Date.now() - 3_600_000).toISOString(),
      endsAt: new Date(Date.now() + 3_600_000).toISOString(),
      location: DINGHAI_ROAD,
      employerIds: [employer.id],
      defaultCaseworkerId: caseworker.id,
      areas: [{ caseworkerId: caseworker.id, location: DINGHAI_ROAD, radiusKm: 20 }],
    };
    const fair = await expectStatus(call('post', '/v1/fairs', { key: TEST_ADMIN_KEY, body: fairBody }), 201);
    await expectStatus(call('post', '/v1/fairs', { key: TEST_ADMIN_KEY, body: { ...fairBody, employerIds: ['nope'] } }), 400);
    expect(await expectStatus(call('get', '/v1/fairs', { key: partner.apiKey }), 200)).toEqual([expect.objectContaining({ id: fair.id })]);
    await expectStatus(call('get', '/v1/fairs'), 401);
    expect(await expectStatus(call('get', `/v1/fairs/${fair.id}`, { key: employer.apiKey }), 200)).toMatchObject({ openings: 0 });
    await expectStatus(call('get', `/v1/fairs/${fair.id}`, { key: otherEmployer.apiKey }), 404);
    const opening = await expectStatus(call('post', '/v1/openings', { key: employer.apiKey, body: anOpening({ title: 'Fair job' }) }), 201);
    expect(await expectStatus(call('post', `/v1/fairs/${fair.id}/openings`, { key: employer.apiKey, body: { openingIds: [opening.id] } }), 200)).toEqual({
      attached: 1,
      openings: 1,
    });
    await expectStatus(call('post', `/v1/fairs/${fair.id}/openings`, { key: employer.apiKey, body: { openingIds: [] } }), 400);
    expect(await expectStatus(call('get', `/v1/fairs/${fair.id}/openings`, { key: partner.apiKey }), 200)).toEqual([
      expect.objectContaining({ openingId: opening.id, title: 'Fair job' }),
    ]);
    await expectStatus(call('get', `/v1/fairs/${fair.id}/openings`, { key: caseworker.apiKey }), 403);
    const viewer = { displayName: 'Viewer', phone: '+86 136 0000 0001', consentJobs: true };
    expect(
      await expectStatus(call('post', `/v1/fairs/${fair.id}/intents`, { key: partner.apiKey, body: { openingId: opening.id, viewer } }), 201),
    ).toMatchObject({
      taps: 1,
      registered: true,
    });
    await expectStatus(
      call('post', `/v1/fairs/${fair.id}/intents`, { key: partner.apiKey, body: { openingId: opening.id, viewer: { ...viewer, consentJobs: 'yes' } } }),
      400,
    );
    expect(await expectStatus(call('get', `/v1/fairs/${fair.id}/board`, { key: employer.apiKey }), 200)).toMatchObject({ totals: { intents: 1 } });
    await expectStatus(call('get', '/v1/fairs/nope/board', { key: TEST_ADMIN_KEY }), 400);
    expect(await expectStatus(call('get', `/v1/fairs/${fair.id}/report`, { key: TEST_ADMIN_KEY }), 200)).toMatchObject({ totals: { intents: 1 } });
    await expectStatus(call('get', `/v1/fairs/${fair.id}/report`, { key: employer.apiKey }), 403);

    // The live board: an event stream whose events hold FairBoard documents.
    await expectStatus(call('get', `/v1/fairs/${fair.id}/live`, { key: employer.apiKey }), 403);
    const server = api.app.getHttpServer();
    if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const aborted = new AbortController();
    const stream = await fetch(`http://127.0.0.1:${port}/v1/fairs/${fair.id}/live`, { headers: bearer(TEST_ADMIN_KEY), signal: aborted.signal });
    const declared = operationFor('get', `/v1/fairs/${fair.id}/live`)?.operation.responses?.[String(stream.status)];
    expect(Object.keys(declared?.content ?? {})).toEqual(['text/event-stream']);
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    if (stream.body === null) throw new Error('no event stream');
    const reader = stream.body.getReader();
    let text = '';
    while (!/\ndata: .*\n\n/.test(text)) text += new TextDecoder().decode((await reader.read()).value);
    aborted.abort();
    const board = JSON.parse(/\ndata: (.*)\n\n/.exec(text)?.[1] ?? 'null') as unknown;
    const validate = validatorFor('FairBoard', { $ref: '#/components/schemas/FairBoard' });
    expect(validate(board) ? [] : validate.errors).toEqual([]);
    covered.set('GET /v1/fairs/{id}/live', new Set([...(covered.get('GET /v1/fairs/{id}/live') ?? []), stream.status]));
  });

  it('the standby pool: a person on standby for a service point, listed, and off again', async () => {
    const point = await expectStatus(
      call('post', '/v1/service-points', { key: merchant.apiKey, body: { name: 'Standby canteen', kind: 'canteen', location: { lat: 31.27, lng: 121.55 } } }),
      201,
    );
    const person = await expectStatus(call('post', '/v1/candidates', { key: caseworker.apiKey, body: aCandidate({ externalRef: 'SB-1' }) }), 201);
    const without = await expectStatus(
      call('post', '/v1/candidates', { key: caseworker.apiKey, body: aCandidate({ externalRef: 'SB-2', consent: { contact: true, benefits: false } }) }),
      201,
    );
    const entry = await expectStatus(call('put', `/v1/candidates/${person.id}/standby/${point.id}`, { key: caseworker.apiKey }), 200);
    expect(entry).toMatchObject({ servicePointId: point.id, servicePointName: 'Standby canteen' });
    await expectStatus(call('put', `/v1/candidates/${without.id}/standby/${point.id}`, { key: caseworker.apiKey }), 409);
    await expectStatus(call('put', `/v1/candidates/${person.id}/standby/${point.id}`, { key: otherCaseworker.apiKey }), 404);
    await expectStatus(call('put', `/v1/candidates/${person.id}/standby/nope`, { key: caseworker.apiKey }), 400);
    expect(await expectStatus(call('get', `/v1/candidates/${person.id}/standby`, { key: caseworker.apiKey }), 200)).toEqual([entry]);
    await expectStatus(call('get', `/v1/candidates/${person.id}/standby`, { key: otherCaseworker.apiKey }), 404);
    await expectStatus(call('delete', `/v1/candidates/${person.id}/standby/${point.id}`, { key: caseworker.apiKey }), 204);
    await expectStatus(call('delete', `/v1/candidates/${person.id}/standby/${point.id}`, { key: merchant.apiKey }), 403);
    expect(await expectStatus(call('get', `/v1/candidates/${person.id}/standby`, { key: caseworker.apiKey }), 200)).toEqual([]);
  });

  it('a client past the rate limit gets the documented 429, with Retry-After', async () => {
    // A key of its own: the count is shared, in Redis, with this world's other API, where the admin key was just used.
    const fresh = await expectStatus(call('post', '/v1/organizations', { key: TEST_ADMIN_KEY, body: { name: 'Throttled plant', kind: 'employer' } }), 201);
    const limited = await createApiApp({ ...world.config, rateLimitPerMinute: 2 }, { logger: false });
    await limited.init();
    try {
      const http = request(limited.getHttpServer());
      for (let i = 0; i < 2; i++) {
        const allowed = await http.get('/v1/inbox').set(bearer(fresh.apiKey as string));
        expect(allowed.status).toBe(200);
        conforms('get', '/v1/inbox', allowed, {});
      }
      const refused = await http.get('/v1/inbox').set(bearer(fresh.apiKey as string));
      expect(refused.status).toBe(429);
      conforms('get', '/v1/inbox', refused, {});
      const declared = operationFor('get', '/v1/inbox')?.operation.responses?.['429'];
      expect(Object.keys(declared?.headers ?? {})).toContain('Retry-After');
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      await limited.close();
    }
  });

  it('every operation of the document was held to it, on a success and on an error', () => {
    const gaps: string[] = [];
    for (const [path, item] of Object.entries(doc.paths as Record<string, Json>)) {
      if (!path.startsWith('/v1/')) continue;
      for (const method of Object.keys(item)) {
        const label = `${method.toUpperCase()} ${path}`;
        const statuses = [...(covered.get(label) ?? [])];
        if (!statuses.some((status) => status < 300)) gaps.push(`${label}: no success checked`);
        if (!statuses.some((status) => status >= 400)) gaps.push(`${label}: no error checked`);
      }
    }
    expect(gaps).toEqual([]);
    // Every kind of error the contract names was met at least once.
    const seen = new Set([...covered.values()].flatMap((statuses) => [...statuses]));
    expect([400, 401, 403, 404, 409, 413, 415, 429].filter((status) => !seen.has(status))).toEqual([]);
  });
});
