/**
 * Fuzzing from the contract: requests generated from the OpenAPI document the API serves, for every operation
 * with a body (and, cheaply, every read with its query and id), sent over real sockets to the real API on real
 * PostgreSQL and Redis. Bodies the document accepts, and bodies it refuses in every way a hostile or careless
 * client finds: wrong types, out of range, too long, missing and unknown fields (`__proto__`, `constructor`),
 * arrays for objects, numbers typed as `1e-7` or `-0`, JSON nested 10,000 deep, lone UTF-16 surrogates, NUL,
 * bytes that are not UTF-8, bodies that are not JSON, wrong content types, empty and oversized bodies.
 *
 * Every answer: below 500, a status the document declares, every 4xx in the one error shape; a refused body
 * gets 400 (413, 415) naming the bad field; an accepted one gets a 2xx the document describes, echoing what was
 * sent, or a 404/409 the document gives for the state of things. And no row changes while refused requests
 * are answered: the database's fingerprint is taken before and after every batch of them.
 *
 * FUZZ_SEED (default below, printed) and FUZZ_RUNS (requests in all, default 10,000) change the run; on a
 * failure fast-check shrinks the batch to the one request at fault and prints it, method, path, body and all.
 * FUZZ_COLLECT=<file> goes on past failures and writes every distinct one to that file instead.
 */
import type { NestExpressApplication } from '@nestjs/platform-express';
import fc from 'fast-check';
import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { createApiApp } from '../apps/api/src/create-api-app';
import { DINGHAI_ROAD, aCandidate, aSlot, anOpening, bearer, createParties, weekdays } from './support/builders';
import {
  AnswerChecks,
  type Answer,
  FuzzRequest,
  HttpClient,
  type Operation,
  RequestFactory,
  type Targets,
  fingerprint,
  fingerprintChanges,
  isEventStream,
  operationsOf,
} from './support/contract-fuzzer';
import { ContractModel, type Json, type MutationKind, mutate } from './support/openapi-arbitraries';
import { type RunningApi, TEST_ADMIN_KEY, type TestWorld, createTestWorld, eventually, matcherCaughtUp, startWorker } from './support/test-environment';

const SEED = Number(process.env.FUZZ_SEED ?? 20_261_124);
const TOTAL = Number(process.env.FUZZ_RUNS ?? 10_000);
const COLLECT = process.env.FUZZ_COLLECT;
/** Requests in flight at once, and the most in one batch between two fingerprints. */
const CONNECTIONS = 8;
const BATCH = 16;
/** Shares of the run: refused bodies, reads, accepted bodies. */
const SHARES = { refused: 0.55, reads: 0.12, accepted: 0.33 };
const MINUTES = 60_000;

describe('fuzzing from the contract', () => {
  let world: TestWorld;
  let app: NestExpressApplication;
  let client: HttpClient;
  let model: ContractModel;
  let checks: AnswerChecks;
  let operations: Operation[];
  let factory: RequestFactory;
  let targets: Targets;
  const findings = new Map<string, { count: number; example: string }>();
  /** Properties that ran their whole budget. */
  let finished = 0;
  /** Where the time goes (ms): answering batches, fingerprinting the tables, the checks after a write. */
  const timings = { send: 0, fingerprint: 0, stored: 0 };

  beforeAll(async () => {
    console.log(`fuzz: FUZZ_SEED=${SEED} FUZZ_RUNS=${TOTAL}${COLLECT ? ` FUZZ_COLLECT=${COLLECT}` : ''}`);
    world = await createTestWorld({ env: { RATE_LIMIT_PER_MINUTE: 'off' } });
    app = await createApiApp(world.config, process.env.TEST_LOGS ? {} : { logger: false });
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as AddressInfo;
    client = new HttpClient(`http://127.0.0.1:${port}`, CONNECTIONS);
    const doc = JSON.parse((await request(app.getHttpServer()).get('/docs-json').expect(200)).text);
    model = new ContractModel(doc);
    checks = new AnswerChecks(model);
    // An event stream (a fair's live board) never ends: it is held to the document by the OpenAPI and job-fair tests.
    operations = operationsOf(model).filter((op) => op.template.startsWith('/v1/') && !isEventStream(op));
    const seeded = await seed();
    targets = seeded.targets;
    factory = new RequestFactory(model, seeded.keys, targets);
  }, 5 * MINUTES);

  afterAll(async () => {
    // Each is unset when beforeAll failed before making it.
    await (client as HttpClient | undefined)?.close();
    await (app as NestExpressApplication | undefined)?.close();
    await (world as TestWorld | undefined)?.destroy();
    if (COLLECT !== undefined) writeFindings(COLLECT);
  });

  /**
   * Two of each party; the first one's rows are what requests point at: a candidate, an erased one, an open and
   * a closed opening, an active and a withdrawn slot, and the matches the real matcher made between them (then
   * stopped, so nothing but the API writes while the fuzzer watches the tables).
   */
  async function seed(): Promise<{ keys: Record<string, string>; targets: Targets }> {
    const api = { http: request(app.getHttpServer()) } as RunningApi;
    const matcher = await startWorker(world, 'matcher');
    try {
      const mine = await createParties(api, 'A');
      const theirs = await createParties(api, 'B');
      const post = async (path: string, key: string, body: object): Promise<Json> => (await api.http.post(path).set(bearer(key)).send(body).expect(201)).body;
      const rider = await post('/v1/candidates', mine.caseworker, aCandidate({ externalRef: 'FZ-1' }));
      const erased = await post('/v1/candidates', mine.caseworker, aCandidate({ externalRef: 'FZ-2', consent: { contact: false } }));
      await api.http.delete(`/v1/candidates/${erased.id}`).set(bearer(mine.caseworker)).expect(204);
      const otherRider = await post('/v1/candidates', theirs.caseworker, aCandidate({ externalRef: 'FZ-3' }));
      const opening = await post(
        '/v1/openings',
        mine.employer,
        anOpening({ targetGroups: ['rider'], shifts: weekdays('08:00', '12:00'), accessibilityFeatures: [] }),
      );
      const closed = await post('/v1/openings', mine.employer, anOpening({ title: 'Closed' }));
      await api.http.post(`/v1/openings/${closed.id}/close`).set(bearer(mine.employer)).expect(200);
      const otherOpening = await post('/v1/openings', theirs.employer, anOpening({ location: DINGHAI_ROAD }));
      const slot = await post('/v1/slots', mine.merchant, aSlot());
      const withdrawn = await post('/v1/slots', mine.merchant, aSlot({ title: 'Withdrawn' }));
      await api.http.post(`/v1/slots/${withdrawn.id}/withdraw`).set(bearer(mine.merchant)).expect(200);
      const otherSlot = await post('/v1/slots', theirs.merchant, aSlot());
      const servicePoint = { name: 'Fuzz canteen', kind: 'canteen', location: DINGHAI_ROAD };
      const point = await post('/v1/service-points', mine.merchant, servicePoint);
      const otherPoint = await post('/v1/service-points', theirs.merchant, servicePoint);
      // A course topic at each station, each with a demand made by one order (threshold 1).
      const topic = await post('/v1/course-topics', mine.merchant, { servicePointId: point.id, title: 'Fuzz course', threshold: 1 });
      const otherTopic = await post('/v1/course-topics', theirs.merchant, { servicePointId: otherPoint.id, title: 'Their course', threshold: 1 });
      const freeWindows = weekdays('19:00', '21:00');
      const demand = await post(`/v1/course-topics/${topic.id}/orders`, mine.caseworker, { candidateId: rider.id, freeWindows });
      const otherDemand = await post(`/v1/course-topics/${otherTopic.id}/orders`, theirs.caseworker, { candidateId: otherRider.id, freeWindows });
      // A fair the first employer takes part in, with its opening, and one it does not; the partner's key.
      const partner = (await post('/v1/organizations', TEST_ADMIN_KEY, { name: 'Fuzz stream', kind: 'partner' })).apiKey as string;
      const fairBody = {
        name: 'Fuzz fair',
        startsAt: new Date(Date.now() - 3_600_000).toISOString(),
        endsAt: new Date(Date.now() + 24 * 3_600_000).toISOString(),
        location: DINGHAI_ROAD,
        defaultCaseworkerId: mine.caseworkerId,
      };
      const fair = await post('/v1/fairs', TEST_ADMIN_KEY, { ...fairBody, employerIds: [mine.employerId] });
      const otherFair = await post('/v1/fairs', TEST_ADMIN_KEY, { ...fairBody, name: 'Their fair', employerIds: [] });
      await api.http
        .post(`/v1/fairs/${fair.id}/openings`)
        .set(bearer(mine.employer))
        .send({ openingIds: [opening.id] })
        .expect(200);
      // The matcher pairs both riders with the opening and the slot.
      const matches = await eventually(
        async () => {
          const { rows } = await world.db.query<{ id: string; candidate_id: string; offer_kind: string }>(`SELECT id, candidate_id, offer_kind FROM matches`);
          return rows.length >= 4 ? rows : undefined;
        },
        60_000,
        'the matcher to pair both riders with the opening and the slot',
      );
      await matcherCaughtUp(world, 60_000);
      // A code to redeem (once) and codes of the other merchant's slot.
      return {
        keys: { admin: TEST_ADMIN_KEY, caseworker: mine.caseworker, employer: mine.employer, merchant: mine.merchant, partner },
        targets: {
          candidates: { live: [rider.id], gone: [erased.id], foreign: [otherRider.id] },
          openings: { live: [opening.id], gone: [closed.id], foreign: [otherOpening.id] },
          slots: { live: [slot.id], gone: [withdrawn.id], foreign: [otherSlot.id] },
          'service-points': { live: [point.id], gone: [], foreign: [otherPoint.id] },
          'course-topics': { live: [topic.id], gone: [], foreign: [otherTopic.id] },
          'course-demands': { live: [demand.demandId], gone: [], foreign: [otherDemand.demandId] },
          fairs: { live: [fair.id], gone: [], foreign: [otherFair.id] },
          matches: {
            live: matches.filter((match) => match.candidate_id === rider.id).map((match) => match.id),
            gone: [],
            foreign: matches.filter((match) => match.candidate_id === otherRider.id).map((match) => match.id),
          },
        },
      };
    } finally {
      await matcher.close();
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // Running batches.

  /** Sends a batch at once and holds every answer to the checks; for refused ones, also the tables. */
  async function runBatch(batch: FuzzRequest[], refused: boolean): Promise<void> {
    let started = performance.now();
    const before = refused ? await fingerprint(world.db) : undefined;
    timings.fingerprint += performance.now() - started;
    started = performance.now();
    const answers = await Promise.all(batch.map((r) => client.send(r)));
    timings.send += performance.now() - started;
    started = performance.now();
    const failures: { request: FuzzRequest; answer?: Answer; problems: string[] }[] = [];
    batch.forEach((r, index) => {
      const problems = checks.problems(r, answers[index]);
      if (problems.length > 0) failures.push({ request: r, answer: answers[index], problems });
    });
    if (!refused) failures.push(...(await storedAsAnswered(batch, answers)));
    timings.stored += performance.now() - started;
    if (before !== undefined) {
      started = performance.now();
      const after = await fingerprint(world.db);
      timings.fingerprint += performance.now() - started;
      const changes = fingerprintChanges(before, after);
      if (changes.length > 0) failures.push(...(await whoWrote(batch, changes)));
    }
    if (failures.length === 0) return;
    if (COLLECT !== undefined) {
      for (const failure of failures) record(failure);
      return;
    }
    throw new Error(failures.map((failure) => describeFailure(failure)).join('\n\n'));
  }

  /** A resource made by an accepted POST is stored as sent: its GET gives back every field of the body. */
  async function storedAsAnswered(batch: FuzzRequest[], answers: Answer[]): Promise<{ request: FuzzRequest; answer?: Answer; problems: string[] }[]> {
    const failures: { request: FuzzRequest; answer?: Answer; problems: string[] }[] = [];
    for (const [index, r] of batch.entries()) {
      const answer = answers[index];
      const op = r.operation;
      const read = `${op.template}/{id}`;
      if (
        r.value === undefined ||
        op.json === undefined ||
        op.method !== 'POST' ||
        answer.status !== 201 ||
        typeof answer.json?.id !== 'string' ||
        model.doc.paths[read]?.get === undefined
      ) {
        continue;
      }
      const stored = await client.send({ method: 'GET', path: `${op.template}/${answer.json.id}`, headers: { authorization: r.headers.authorization } });
      const problems =
        stored.status === 200
          ? checks.echoes(op.json, r.value, stored.json, 'the stored resource (GET)')
          : [`GET ${op.template}/${answer.json.id} answered ${stored.status} after a 201`];
      if (problems.length > 0) failures.push({ request: r, answer: stored, problems });
    }
    return failures;
  }

  /** Rows changed during a batch of refused requests: find the request(s) at fault by sending each alone. */
  async function whoWrote(batch: FuzzRequest[], changes: string[]): Promise<{ request: FuzzRequest; answer?: Answer; problems: string[] }[]> {
    if (batch.length === 1 || COLLECT === undefined) {
      // fast-check shrinks the batch to the one request at fault.
      return [
        {
          request: batch[0],
          problems: [
            `rows changed while ${batch.length === 1 ? 'this refused request was' : `these ${batch.length} refused requests were`} answered: ${changes.join('; ')}`,
          ],
        },
      ];
    }
    const culprits: { request: FuzzRequest; answer?: Answer; problems: string[] }[] = [];
    for (const r of batch) {
      const before = await fingerprint(world.db);
      // Sent again with a fresh Idempotency-Key: the same one would only replay the first answer.
      const key = r.headers['idempotency-key'] as string | undefined;
      const answer = await client.send(
        key === undefined ? r : { method: r.method, path: r.path, body: r.body, headers: { ...r.headers, 'idempotency-key': `${key}-again` } },
      );
      const alone = fingerprintChanges(before, await fingerprint(world.db));
      if (alone.length > 0)
        culprits.push({ request: r, answer, problems: [`rows changed by a refused request (answered ${answer.status}): ${alone.join('; ')}`] });
    }
    return culprits.length > 0
      ? culprits
      : [{ request: batch[0], problems: [`rows changed during a batch of refused requests, by none alone: ${changes.join('; ')}`] }];
  }

  function describeFailure({ request: r, answer, problems }: { request: FuzzRequest; answer?: Answer; problems: string[] }): string {
    const got = answer === undefined ? '' : `\n    answer: ${answer.status} ${answer.text.slice(0, 600)}`;
    return `${r.describe()}${got}\n    ${problems.map((problem) => `- ${problem}`).join('\n    ')}`;
  }

  function record(failure: { request: FuzzRequest; answer?: Answer; problems: string[] }): void {
    for (const problem of failure.problems) {
      const shape = problem
        .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<id>')
        .replace(/transaction \d+/g, 'transaction N')
        .replace(/\d+ rows/g, 'N rows')
        .replace(/\(details: .*$/, '')
        .replace(/ as .*$/, '')
        .replace(/: answer\/[^ ]*/, ': answer/…')
        .replace(/"[^"]*"/g, '"…"')
        .slice(0, 160);
      const key = `${failure.request.operation.label} | ${failure.request.kind} | ${shape}`;
      const entry = findings.get(key);
      if (entry !== undefined) entry.count++;
      else findings.set(key, { count: 1, example: describeFailure({ ...failure, problems: [problem] }) });
    }
  }

  function writeFindings(file: string): void {
    const lines = [...findings.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([key, { count, example }]) => `## ${key}  (x${count})\n${example}\n`);
    writeFileSync(file, `# fuzz findings, FUZZ_SEED=${SEED} FUZZ_RUNS=${TOTAL}\n\n${lines.join('\n')}`);
  }

  /** Runs the property over batches until `budget` requests (and the checks they cause) have been sent. */
  async function fuzz(name: string, arbitrary: fc.Arbitrary<FuzzRequest>, budget: number, refused: boolean, examples: FuzzRequest[][] = []): Promise<void> {
    const start = client.sent;
    const began = performance.now();
    Object.assign(timings, { send: 0, fingerprint: 0, stored: 0 });
    const inExamples = examples.reduce((sum, batch) => sum + batch.length, 0);
    for (let round = 0; client.sent - start < budget; round++) {
      const remaining = budget - (client.sent - start) - (round === 0 ? inExamples : 0);
      await fc.assert(
        fc.asyncProperty(fc.array(arbitrary, { minLength: 1, maxLength: BATCH, size: 'max' }), (batch) => runBatch(batch, refused)),
        {
          // Another seed for each property and round, all derived from FUZZ_SEED; fast-check prints the one that failed.
          seed: SEED + round * 7919 + name.length,
          // The examples count among the runs: they come first, then the random batches.
          numRuns: (round === 0 ? examples.length : 0) + Math.max(1, Math.ceil(remaining / ((BATCH + 1) / 2))),
          examples: round === 0 ? examples.map((batch): [FuzzRequest[]] => [batch]) : [],
          endOnFailure: process.env.FUZZ_SHRINK === '0',
        },
      );
    }
    finished++;
    const s = (value: number) => `${(value / 1000).toFixed(1)} s`;
    console.log(
      `fuzz: ${name}: ${client.sent - start} requests in ${s(performance.now() - began)} ` +
        `(waiting for answers ${s(timings.send)}, fingerprints ${s(timings.fingerprint)}, reading back ${s(timings.stored)}; the rest generating and checking)`,
    );
  }

  /**
   * The defects issue 9 names, sent to every operation with a JSON body on every run, whatever the seed: JSON
   * 1,000 and 10,000 deep, lone surrogates, `1e-7`, arrays where objects are expected, `__proto__` and its kin.
   */
  function knownDefectExamples(): FuzzRequest[][] {
    const requests: FuzzRequest[] = [];
    // For each kind, its variants ([pick, extra]: 1,000 or 10,000 deep, in place or under a new key; two surrogates;
    // 1e-7; []; each of the three keys) at a few places of one full body.
    const plans: { kind: MutationKind; variants: [number, number][]; places: number }[] = [
      {
        kind: 'deepNesting',
        variants: [
          [1, 0],
          [2, 0],
          [1, 1],
          [2, 1],
        ],
        places: 1,
      },
      {
        kind: 'loneSurrogate',
        variants: [
          [0, 1],
          [2, 1],
        ],
        places: 2,
      },
      { kind: 'rawNumber', variants: [[0, 0]], places: 3 },
      { kind: 'swapObjectArray', variants: [[0, 0]], places: 4 },
      {
        kind: 'protoKey',
        variants: [
          [0, 0],
          [1, 6],
          [2, 0],
        ],
        places: 2,
      },
    ];
    for (const op of operations) {
      const schema = op.json;
      if (schema === undefined) continue;
      const bodies = fc.sample(model.valid(schema), { seed: SEED, numRuns: 30 }) as Json[];
      const body = bodies.sort((a, b) => JSON.stringify(b).length - JSON.stringify(a).length)[0];
      for (const plan of plans) {
        plan.variants.forEach(([pick, extra], variant) => {
          const seen = new Set<string>();
          for (let site = variant; site < variant + 12 && seen.size < plan.places; site++) {
            const change = mutate(model, schema, body, { kind: plan.kind, site, pick, extra });
            if (change === undefined || seen.has(change.why)) continue;
            seen.add(change.why);
            const r = factory.fromKnownDefect(op, change, plan.kind);
            if (r.verdict === 'invalid') requests.push(r);
          }
        });
      }
    }
    // And defects found by this test and fixed since, on every run.
    const decline = operations.find((op) => op.label === 'PATCH /v1/matches/{id}');
    if (decline !== undefined) {
      // `reason: null` reached reason.trim() in the handler: a 500.
      requests.push(
        factory.fromKnownDefect(decline, { value: { status: 'declined', reason: null }, why: 'reason = null while declining', field: 'reason' }, 'nullValue'),
      );
    }
    const batches: FuzzRequest[][] = [];
    for (let i = 0; i < requests.length; i += BATCH) batches.push(requests.slice(i, i + BATCH));
    return batches;
  }

  // ---------------------------------------------------------------------------------------------------------

  it('finds every operation of the document with a body, who may call it, and rows for its ids', () => {
    const withBody = operations.filter((op) => op.json !== undefined || op.text !== undefined);
    expect(withBody.map((op) => op.label).sort()).toEqual(
      expect.arrayContaining([
        'POST /v1/candidates',
        'POST /v1/candidates/bulk',
        'PATCH /v1/candidates/{id}',
        'POST /v1/openings',
        'PATCH /v1/matches/{id}',
        'POST /v1/slots/{id}/redemptions',
      ]),
    );
    const gaps: string[] = [];
    for (const op of [...withBody, ...operations.filter((o) => o.method === 'GET')]) {
      if (op.roles.length === 0) gaps.push(`${op.label}: no role in its 403`);
      if (op.template.includes('{id}') && (targets[op.template.split('/')[2]]?.live.length ?? 0) === 0) gaps.push(`${op.label}: no seeded row for its id`);
    }
    expect(gaps).toEqual([]);
  });

  it(
    'refused requests: a 4xx in the error shape naming the field, never a 5xx, and no row changed',
    async () => {
      const bodies = operations.filter((op) => op.json !== undefined).map((op) => factory.jsonBody(op).refused);
      const bulk = operations.filter((op) => op.text !== undefined).map((op) => factory.textBody(op).refused);
      const arbitrary = fc.oneof(...[...bodies, ...bulk].map((arb) => ({ weight: 1, arbitrary: arb })));
      await fuzz('refused bodies', arbitrary, Math.round(TOTAL * SHARES.refused), true, knownDefectExamples());
    },
    30 * MINUTES,
  );

  it(
    'reads with odd ids and queries: answered as documented, never a 5xx, and no row changed',
    async () => {
      const reads = operations.filter((op) => op.method === 'GET').map((op) => factory.reads(op));
      await fuzz('reads', fc.oneof(...reads), Math.round(TOTAL * SHARES.reads), true);
    },
    30 * MINUTES,
  );

  it(
    'accepted requests: a documented 2xx that gives back what was sent and stored, or a documented 404/409',
    async () => {
      const bodies = operations.filter((op) => op.json !== undefined).map((op) => factory.jsonBody(op).accepted);
      const bulk = operations.filter((op) => op.text !== undefined).map((op) => ({ weight: 1, arbitrary: factory.textBody(op).accepted }));
      const arbitrary = fc.oneof(...bodies.map((arb) => ({ weight: 2, arbitrary: arb })), ...bulk);
      await fuzz('accepted bodies', arbitrary, Math.round(TOTAL * SHARES.accepted), false);
    },
    30 * MINUTES,
  );

  it(`sent at least FUZZ_RUNS (${TOTAL}) requests${COLLECT ? ', and found nothing' : ''}`, () => {
    // A property that failed stopped early and said why; the count is only news when all three ran to the end.
    if (finished === 3) expect(client.sent).toBeGreaterThanOrEqual(TOTAL);
    if (COLLECT !== undefined) expect([...findings.keys()]).toEqual([]);
  });
});
