/**
 * The measured phases of bench:e2e, each driven over HTTP as a client would, each timed and its CPU
 * counted from its first request until the pipeline has done all the work the phase gave it.
 */
import { type ApiClient, inParallel } from '../../demo/api-client';
import { type Progress, count } from '../../demo/progress';
import { summarise } from '../stats';
import type { CpuMeter, CpuReport } from './cpu';
import { type Answer, type HttpDriver, closedLoop, idOf, openLoop } from './load';
import type { E2eOptions } from './options';
import type { Pipeline } from './pipeline';
import { type CaseworkerSink, openingAnswers } from './sinks';
import type { World } from './world';

export interface Key {
  id: string;
  apiKey: string;
}

export interface BenchContext {
  options: E2eOptions;
  world: World;
  api: ApiClient;
  driver: HttpDriver;
  pipeline: Pipeline;
  cpu: CpuMeter;
  sink: CaseworkerSink;
  progress: Progress;
  adminKey: string;
  desks: Key[];
  employers: Key[];
  merchants: Key[];
  /** The open slots and their merchant's key (the soak redeems offers of them). */
  slots: Map<string, string>;
}

/** A deadline that grows with the work: `floorMs` plus `msPerItem` for each item. */
export const budget = (items: number, msPerItem: number, floorMs = 60_000): number => floorMs + items * msPerItem;

/** Waits for the pipeline to finish, showing the backlog; false if the deadline came first. */
export async function settle(context: BenchContext, what: string, deadlineMs: number): Promise<boolean> {
  const idle = await context.pipeline.idle(deadlineMs, (backlog, elapsed) => {
    context.progress.update(
      `${what}: ${count(backlog.outbox)} events in the outbox, ${count(backlog.jobs)} jobs in the queues · ${(elapsed / 1000).toFixed(1)} s`,
    );
  });
  if (!idle) context.progress.say(`${what}: the pipeline had not finished after ${(deadlineMs / 1000).toFixed(0)} s (did not keep up); going on.`);
  return idle;
}

interface Created {
  id: string;
  apiKey: string;
}

/** The admin creates the desks (each with a webhook at the sink), the employers and the merchants. */
export async function createAccounts(context: BenchContext): Promise<void> {
  const { api, adminKey, options, sink } = context;
  const run = Date.now().toString(36);
  context.desks.push(
    ...(await inParallel(
      Array.from({ length: options.desks }, (_, i) => i),
      4,
      (i) => api.post<Created>('/v1/caseworkers', adminKey, { name: `Desk ${i}`, webhookUrl: sink.urlFor(i) }, `bench-${run}-desk-${i}`),
    )),
  );
  context.employers.push(
    ...(await inParallel(
      Array.from({ length: options.employers }, (_, i) => i),
      4,
      (i) => api.post<Created>('/v1/organizations', adminKey, { name: `Employer ${i}`, kind: 'employer' }, `bench-${run}-employer-${i}`),
    )),
  );
  const merchants = Math.max(1, Math.ceil(options.slots / 5));
  context.merchants.push(
    ...(await inParallel(
      Array.from({ length: merchants }, (_, i) => i),
      4,
      (i) => api.post<Created>('/v1/organizations', adminKey, { name: `Merchant ${i}`, kind: 'merchant' }, `bench-${run}-merchant-${i}`),
    )),
  );
}

export interface BulkOutcome {
  people: number;
  accepted: number;
  rejected: number;
  requests: number;
  /** From the first chunk sent to the last one answered. */
  acceptedMs: number;
  /** From the last chunk answered to the pipeline idle; undefined if it did not finish by its deadline. */
  matchedMs: number | undefined;
  cpu: CpuReport;
}

/**
 * `people` through `POST /v1/candidates/bulk`, each desk sending its own people in chunks of `chunk` lines,
 * `bulkConcurrency` requests at once; then the wait until everything they caused is done.
 */
export async function bulkImport(context: BenchContext, people: number, label: string, matchedDeadlineMs: number): Promise<BulkOutcome> {
  const { options, world, api, progress } = context;
  const pending = Array.from({ length: context.desks.length }, (): unknown[] => []);
  let made = 0;
  /** The next full chunk of some desk, or what is left once all people are made. */
  const nextChunk = (): { desk: number; lines: unknown[] } | undefined => {
    while (made < people) {
      const person = world.person();
      made += 1;
      const lines = pending[person.desk];
      lines.push(person.body);
      if (lines.length >= options.chunk) {
        pending[person.desk] = [];
        return { desk: person.desk, lines };
      }
    }
    const desk = pending.findIndex((lines) => lines.length > 0);
    if (desk < 0) return undefined;
    const lines = pending[desk];
    pending[desk] = [];
    return { desk, lines };
  };
  let accepted = 0;
  let rejected = 0;
  let requests = 0;
  const phase = await context.cpu.begin();
  const started = performance.now();
  const tag = Date.now().toString(36);
  await Promise.all(
    Array.from({ length: options.bulkConcurrency }, async () => {
      for (let chunk = nextChunk(); chunk !== undefined; chunk = nextChunk()) {
        const desk = context.desks[chunk.desk];
        // Numbered before sending: two requests in flight never share an Idempotency-Key.
        const number = requests++;
        const answer = await api.postNdjson<{ accepted: number; rejected: unknown[] }>(
          '/v1/candidates/bulk',
          desk.apiKey,
          chunk.lines,
          `bench-${tag}-bulk-${number}`,
        );
        accepted += answer.accepted;
        rejected += answer.rejected.length;
        progress.update(`${label}: ${count(accepted)}/${count(people)} people accepted · ${((performance.now() - started) / 1000).toFixed(1)} s`);
      }
    }),
  );
  const acceptedAt = performance.now();
  progress.done(
    `${label}: ${count(accepted)} people accepted (${count(rejected)} lines refused) in ${count(requests)} requests, ${((acceptedAt - started) / 1000).toFixed(1)} s`,
  );
  const idle = await settle(context, `${label}: matching`, matchedDeadlineMs);
  const matchedMs = idle ? performance.now() - acceptedAt : undefined;
  const cpu = await phase.end();
  if (matchedMs !== undefined) progress.done(`${label}: matched and notified ${(matchedMs / 1000).toFixed(1)} s after the last chunk was accepted`);
  return { people, accepted, rejected, requests, acceptedMs: acceptedAt - started, matchedMs, cpu };
}

/** Openings and slots left open for the phases, posted one by one as employers and merchants would. */
export async function postOffers(context: BenchContext): Promise<{ openings: number; slots: number }> {
  const { api, options, world } = context;
  const tag = Date.now().toString(36);
  const openings = await inParallel(
    Array.from({ length: options.openings }, (_, i) => i),
    8,
    (i) => api.post<{ id: string }>('/v1/openings', context.employers[i % context.employers.length].apiKey, world.opening(), `bench-${tag}-opening-${i}`),
  );
  const slots = await inParallel(
    Array.from({ length: options.slots }, (_, i) => i),
    8,
    async (i) => {
      const merchant = context.merchants[i % context.merchants.length].apiKey;
      const slot = await api.post<{ id: string }>('/v1/slots', merchant, world.slot(), `bench-${tag}-slot-${i}`);
      context.slots.set(slot.id, merchant);
      return slot;
    },
  );
  return { openings: openings.length, slots: slots.length };
}

export interface IntakeOutcome {
  concurrency: number;
  registrations: number;
  errors: number;
  /** Registrations answered 201 per second over the run. */
  perSecond: number;
  p50: number;
  p95: number;
  p99: number;
  /** The pipeline finished the registrations' matching and notifications within its deadline. */
  settled: boolean;
  cpu: CpuReport;
}

/** `concurrency` clients registering people one by one (`POST /v1/candidates`) for `intakeSeconds`. */
export async function intake(context: BenchContext, concurrency: number): Promise<IntakeOutcome> {
  const { options, world, driver, progress } = context;
  const phase = await context.cpu.begin();
  const label = `intake at concurrency ${concurrency}`;
  progress.update(`${label}: ${options.intakeSeconds} s of registrations...`, true);
  const { sent, wallMs } = await closedLoop(concurrency, options.intakeSeconds * 1000, () => {
    const person = world.person();
    return driver.post('/v1/candidates', context.desks[person.desk].apiKey, person.body);
  });
  const created = sent.filter((request) => request.answer.status === 201);
  const settled = await settle(context, `${label}: matching`, budget(sent.length, 20));
  const cpu = await phase.end();
  const summary = summarise(created.map((request) => request.answer.at - request.at));
  const outcome: IntakeOutcome = {
    concurrency,
    registrations: created.length,
    errors: sent.length - created.length,
    perSecond: (created.length / wallMs) * 1000,
    p50: summary.p50,
    p95: summary.p95,
    p99: summary.p99,
    settled,
    cpu,
  };
  progress.done(
    `${label}: ${count(created.length)} registered, ${Math.round(outcome.perSecond)}/s, p50 ${summary.p50.toFixed(0)} ms, p99 ${summary.p99.toFixed(0)} ms` +
      (outcome.errors > 0 ? `, ${count(outcome.errors)} not 201 (${describeErrors(sent.map((request) => request.answer))})` : ''),
  );
  return outcome;
}

function describeErrors(answers: readonly (Answer | undefined)[]): string {
  const byKind = new Map<string, number>();
  for (const answer of answers) {
    const kind = answer === undefined ? 'no answer' : answer.error !== undefined ? answer.error : String(answer.status);
    if (answer?.status === 201) continue;
    byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
  }
  return [...byKind].map(([kind, n]) => `${count(n)} ${kind}`).join(', ');
}

export interface OpeningsOutcome {
  rate: number;
  seconds: number;
  /** Openings the bench was to send, and those answered 201. */
  scheduled: number;
  posted: number;
  errors: string;
  /** POST latency from the scheduled send time. */
  post: { p50: number; p99: number };
  /** The openings' answers: one list per desk in an opening's first batch; latency from its scheduled send to the webhook. */
  lists: number;
  list: { p50: number; p95: number; p99: number; max: number };
  /** Openings that matched no one (no list is due), and lists due (desks with matches) that never came. */
  unmatched: number;
  missingLists: number;
  peoplePerList: number;
  /** Median list latency of the last quarter of the sends over that of the first quarter. */
  drift: { first: number; last: number };
  /** The last list arrived this long after the last opening was due. */
  lagMs: number;
  settled: boolean;
  /** No backlog growth: every POST answered 201, the pipeline finished in time, the latency did not drift. */
  keptUp: boolean;
  people: number;
  cpu: CpuReport;
}

/**
 * Openings at `rate` per second for `seconds`, open loop, spread over the employers; then the wait for
 * the pipeline, the latencies of the lists the sink received, and the openings closed again (not
 * measured) so that the next step starts with every person's places free.
 */
export async function openings(context: BenchContext, rate: number, seconds: number, goalP99Ms: number): Promise<OpeningsOutcome> {
  const { world, driver, progress, pipeline } = context;
  const scheduled = Math.max(1, Math.round(rate * seconds));
  const people = (await pipeline.client.query<{ n: number }>(`SELECT count(*)::int AS n FROM candidates WHERE status = 'active'`)).rows[0]?.n ?? 0;
  const label = `openings at ${formatRate(rate)}`;
  progress.update(`${label}: ${count(scheduled)} openings over ${seconds} s (${count(people)} people loaded)...`, true);
  const owners = new Map<string, { dueAt: number; employer: string }>();
  const listsBefore = context.sink.lists.length;
  const phase = await context.cpu.begin();
  const { sent, lastDueAt, firstDueAt } = await openLoop(
    rate,
    scheduled,
    async (index, dueAt) => {
      const employer = context.employers[index % context.employers.length];
      const answer = await driver.post('/v1/openings', employer.apiKey, world.opening());
      const id = idOf(answer);
      if (answer.status === 201 && id !== undefined) owners.set(id, { dueAt, employer: employer.apiKey });
      return answer;
    },
    budget(scheduled, 20, 30_000),
  );
  const settled = await settle(context, `${label}: lists`, budget(scheduled, 60));
  const cpu = await phase.end();

  // Lists after this point come from closing the openings below: not part of this step.
  const { answers: arrivals } = openingAnswers(context.sink.lists.slice(listsBefore), new Map([...owners].map(([id, owner]) => [id, owner.dueAt])));
  const latencies = arrivals.map((arrival) => arrival.at - arrival.dueAt);
  const list = latencies.length === 0 ? { p50: NaN, p95: NaN, p99: NaN, max: NaN } : summarise(latencies);
  const quarter = (lastDueAt - firstDueAt) / 4;
  const median = (values: number[]) => (values.length === 0 ? NaN : summarise(values).p50);
  const drift = {
    first: median(arrivals.filter((a) => a.dueAt <= firstDueAt + quarter).map((a) => a.at - a.dueAt)),
    last: median(arrivals.filter((a) => a.dueAt >= lastDueAt - quarter).map((a) => a.at - a.dueAt)),
  };
  const lagMs = arrivals.length === 0 ? NaN : Math.max(...arrivals.map((a) => a.at)) - lastDueAt;

  // Lists due: one per desk that holds someone matched to the opening.
  const ids = [...owners.keys()];
  const { rows } = await pipeline.client.query<{ opening_id: string; desks: number }>(
    'SELECT opening_id, count(DISTINCT caseworker_id)::int AS desks FROM matches WHERE opening_id = ANY($1::uuid[]) GROUP BY opening_id',
    [ids],
  );
  const due = rows.reduce((sum, row) => sum + row.desks, 0);
  const unmatched = ids.length - rows.length;

  const answers = sent.map((request) => request.answer);
  const posted = answers.filter((answer) => answer?.status === 201).length;
  const postLatencies = sent.flatMap((request) => (request.answer === undefined ? [] : [request.answer.at - request.at]));
  const post = postLatencies.length === 0 ? { p50: NaN, p99: NaN } : summarise(postLatencies);
  // Backlog grew: requests refused or unanswered, the pipeline not done in time, or the lists of the
  // last quarter waiting more than twice as long as the first quarter's, and by more than the goal.
  const drifted = drift.last > 2 * drift.first && drift.last - drift.first > goalP99Ms;
  const keptUp = posted === scheduled && settled && !drifted;
  const outcome: OpeningsOutcome = {
    rate,
    seconds,
    scheduled,
    posted,
    errors: posted === scheduled ? '' : describeErrors(answers),
    post: { p50: post.p50, p99: post.p99 },
    lists: arrivals.length,
    list: { p50: list.p50, p95: list.p95, p99: list.p99, max: list.max },
    unmatched,
    missingLists: Math.max(0, due - arrivals.length),
    peoplePerList: arrivals.length === 0 ? 0 : arrivals.reduce((sum, a) => sum + a.people, 0) / arrivals.length,
    drift,
    lagMs,
    settled,
    keptUp,
    people,
    cpu,
  };
  progress.done(
    `${label}: ${count(posted)}/${count(scheduled)} posted (POST p99 ${post.p99.toFixed(0)} ms), ${count(arrivals.length)} lists ` +
      `(${outcome.peoplePerList.toFixed(1)} people each; ${count(unmatched)} openings matched no one${outcome.missingLists > 0 ? `; ${count(outcome.missingLists)} lists due never came` : ''}); ` +
      `list p50 ${list.p50.toFixed(0)} ms, p95 ${list.p95.toFixed(0)} ms, p99 ${list.p99.toFixed(0)} ms; last list ${lagMs.toFixed(0)} ms after the last send; ` +
      `${keptUp ? 'kept up' : 'DID NOT KEEP UP'}${outcome.errors === '' ? '' : ` (${outcome.errors})`}`,
  );

  // Closed again, outside the measurement: the next step finds every person's places free.
  let closed = 0;
  await inParallel([...owners], 16, async ([id, owner]) => {
    const answer = await driver.send('POST', `/v1/openings/${id}/close`, owner.employer);
    if (answer.status === 200) closed += 1;
    progress.update(`${label}: closing the openings again (not measured): ${count(closed)}/${count(owners.size)}`);
  });
  await settle(context, `${label}: closing`, budget(owners.size, 30));
  return outcome;
}

export const formatRate = (perSecond: number): string => `${perSecond >= 10 ? Math.round(perSecond) : perSecond.toFixed(1)}/s`;
