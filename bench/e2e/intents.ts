/**
 * The intents phase of bench:e2e: a live-streamed job fair (issue 13). A partner sends viewers' intents at a
 * fixed rate (open loop), a fifth of them repeats of a viewer already counted; each is timed from its
 * scheduled send to its answer, then the wait until every intent is a lead and the caseworkers are told.
 */
import { count } from '../../demo/progress';
import { summarise } from '../stats';
import type { CpuReport } from './cpu';
import { openLoop } from './load';
import { type BenchContext, budget, formatRate, settle } from './phases';

export interface IntentsOutcome {
  rate: number;
  seconds: number;
  scheduled: number;
  /** Answered 201. */
  taken: number;
  errors: string;
  /** From the scheduled send to the answer. */
  latency: { p50: number; p95: number; p99: number; max: number };
  /** Distinct intents recorded (viewers per opening), and the leads made of them. */
  intents: number;
  leads: number;
  /** From the last intent answered to the pipeline idle (leads made, lists sent); undefined past its deadline. */
  leadsMs: number | undefined;
  cpu: CpuReport;
}

/** One fair with every employer's opening attached, and a partner's key. */
async function aFair(context: BenchContext): Promise<{ fairId: string; openingIds: string[]; partnerKey: string }> {
  const { api, adminKey, world } = context;
  const run = Date.now().toString(36);
  const partner = await api.post<{ apiKey: string }>('/v1/organizations', adminKey, { name: 'Fair stream', kind: 'partner' }, `bench-${run}-partner`);
  const startsAt = new Date(Date.now() - 600_000).toISOString();
  const endsAt = new Date(Date.now() + 6 * 3_600_000).toISOString();
  const fair = await api.post<{ id: string }>(
    '/v1/fairs',
    adminKey,
    {
      name: 'Bench fair',
      startsAt,
      endsAt,
      location: world.opening().location,
      employerIds: context.employers.map((employer) => employer.id),
      defaultCaseworkerId: context.desks[0].id,
    },
    `bench-${run}-fair`,
  );
  const openingIds: string[] = [];
  for (const [index, employer] of context.employers.entries()) {
    const opening = await api.post<{ id: string }>('/v1/openings', employer.apiKey, world.opening(), `bench-${run}-fair-opening-${index}`);
    await api.post(`/v1/fairs/${fair.id}/openings`, employer.apiKey, { openingIds: [opening.id] }, `bench-${run}-attach-${index}`);
    openingIds.push(opening.id);
  }
  return { fairId: fair.id, openingIds, partnerKey: partner.apiKey };
}

export interface BenchFair {
  fairId: string;
  openingIds: string[];
  partnerKey: string;
  /** Viewers numbered so far: each step's are new. */
  viewers: number;
}

/** A fair for the intents phase: every employer's opening attached, and a partner's key. */
export async function benchFair(context: BenchContext): Promise<BenchFair> {
  context.progress.update(`intents: setting up a fair with ${count(context.employers.length)} employers' openings...`, true);
  return { ...(await aFair(context)), viewers: 0 };
}

/** One step of the intents phase: `rate` intents a second for `seconds`, then the wait for their leads. */
export async function fairIntents(context: BenchContext, fair: BenchFair, rate: number, seconds: number): Promise<IntentsOutcome> {
  const { driver, progress, pipeline, world } = context;
  const scheduled = Math.max(1, Math.round(rate * seconds));
  const label = `intents at ${formatRate(rate)}`;
  const { fairId, openingIds, partnerKey } = fair;
  const intentsBefore =
    (await pipeline.client.query<{ n: number }>(`SELECT count(*)::int AS n FROM fair_intents WHERE fair_id = $1`, [fairId])).rows[0]?.n ?? 0;
  // Four viewers in five are new; the fifth taps again an opening a viewer of this step tapped before.
  const viewers = Math.max(1, Math.round(scheduled * 0.8));
  const first = fair.viewers;
  fair.viewers += viewers;
  const places = Array.from({ length: 64 }, () => world.person().body.location);
  const body = (index: number) => {
    const viewer = first + (index < viewers ? index : (index * 7919) % viewers);
    return {
      openingId: openingIds[viewer % openingIds.length],
      viewer: {
        displayName: `Viewer ${viewer}`,
        phone: `+86 137 ${String(viewer).padStart(8, '0')}`,
        location: places[viewer % places.length],
        consentJobs: true,
      },
    };
  };
  progress.update(`${label}: ${count(scheduled)} intents over ${seconds} s, ${count(scheduled - viewers)} of them repeats...`, true);
  const phase = await context.cpu.begin();
  const { sent } = await openLoop(
    rate,
    scheduled,
    (index) => driver.post(`/v1/fairs/${fairId}/intents`, partnerKey, body(index)),
    budget(scheduled, 20, 30_000),
  );
  const answeredAt = Math.max(...sent.map((request) => request.answer?.at ?? 0));
  const idle = await settle(context, `${label}: leads`, budget(scheduled, 20));
  const leadsMs = idle ? performance.now() - answeredAt : undefined;
  const cpu = await phase.end();

  const taken = sent.filter((request) => request.answer?.status === 201);
  const latency = taken.length === 0 ? { p50: NaN, p95: NaN, p99: NaN, max: NaN } : summarise(taken.map((request) => (request.answer?.at ?? 0) - request.at));
  const kinds = new Map<string, number>();
  for (const request of sent) {
    if (request.answer?.status === 201) continue;
    const kind = request.answer === undefined ? 'no answer' : (request.answer.error ?? String(request.answer.status));
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }
  const { rows } = await pipeline.client.query<{ intents: number; leads: number }>(
    `SELECT count(*)::int - $2 AS intents, count(match_id)::int - $2 AS leads FROM fair_intents WHERE fair_id = $1`,
    [fairId, intentsBefore],
  );
  const outcome: IntentsOutcome = {
    rate,
    seconds,
    scheduled,
    taken: taken.length,
    errors: [...kinds].map(([kind, n]) => `${count(n)} ${kind}`).join(', '),
    latency: { p50: latency.p50, p95: latency.p95, p99: latency.p99, max: latency.max },
    intents: rows[0]?.intents ?? 0,
    leads: rows[0]?.leads ?? 0,
    leadsMs,
    cpu,
  };
  progress.done(
    `${label}: ${count(outcome.taken)}/${count(scheduled)} taken, p50 ${latency.p50.toFixed(0)} ms, p99 ${latency.p99.toFixed(0)} ms; ` +
      `${count(outcome.intents)} intents, ${count(outcome.leads)} leads${leadsMs === undefined ? ' (the pipeline did not finish)' : `, made ${(leadsMs / 1000).toFixed(1)} s after the last answer`}` +
      (outcome.errors === '' ? '' : `; not 201: ${outcome.errors}`),
  );
  return outcome;
}
