/**
 * Loads the scenarios through the public API, as the union's staff and its partners would: the admin
 * creates caseworkers, employers and merchants; merchants publish slots, employers post openings, and
 * caseworkers import their people in NDJSON chunks with `POST /v1/candidates/bulk`.
 */
import type { WeeklyWindow } from '@huigong/domain';
import { IMPORTED_PER_EVENT } from '@huigong/messaging';
import { type ApiClient, inParallel } from './api-client';
import { Progress, count, seconds } from './progress';
import type { Scenario } from './scenarios';

export interface LoadedCaseworker {
  scenario: Scenario['key'];
  name: string;
  id: string;
  apiKey: string;
  accepted: number;
}

export interface LoadedSlot {
  scenario: Scenario['key'];
  merchant: string;
  merchantKey: string;
  id: string;
  title: string;
  windows: WeeklyWindow[];
  capacity: number;
}

export interface LoadedOpening {
  scenario: Scenario['key'];
  employer: string;
  employerId: string;
  employerKey: string;
  id: string;
  title: string;
  positions: number;
}

export interface LoadedWorld {
  caseworkers: LoadedCaseworker[];
  slots: LoadedSlot[];
  openings: LoadedOpening[];
  merchants: number;
  /** Service points registered (the benefit map's places). */
  servicePoints: number;
  employers: number;
  /** Candidates the API accepted, and the lines it refused (none, unless the demo's data is wrong). */
  accepted: number;
  rejected: number;
  /** Domain events the load caused: one per slot, opening and accepted candidate. */
  events: number;
  msPerScenario: Map<Scenario['key'], number>;
}

const CHUNK = 1_000;

interface Created {
  id: string;
  apiKey: string;
}

export async function loadScenarios(api: ApiClient, adminKey: string, scenarios: readonly Scenario[], progress: Progress): Promise<LoadedWorld> {
  const world: LoadedWorld = {
    caseworkers: [],
    slots: [],
    openings: [],
    merchants: 0,
    servicePoints: 0,
    employers: 0,
    accepted: 0,
    rejected: 0,
    events: 0,
    msPerScenario: new Map(),
  };
  for (const scenario of scenarios) {
    const started = performance.now();
    const tag = `[${scenario.key === 'street' ? 'Dinghai Road' : 'Baise job fair'}]`;
    const elapsed = () => seconds(performance.now() - started);

    const caseworkers = await inParallel(scenario.caseworkers, 4, async (plan, i) => {
      const created = await api.post<Created>('/v1/caseworkers', adminKey, { name: plan.name }, `demo-${scenario.key}-caseworker-${i}`);
      const loaded: LoadedCaseworker = { scenario: scenario.key, name: plan.name, id: created.id, apiKey: created.apiKey, accepted: 0 };
      world.caseworkers.push(loaded);
      return loaded;
    });

    let slotsDone = 0;
    const totalSlots = scenario.merchants.reduce((sum, merchant) => sum + merchant.slots.length, 0);
    await inParallel(scenario.merchants, 4, async (merchant, i) => {
      const org = await api.post<Created>('/v1/organizations', adminKey, { name: merchant.name, kind: 'merchant' }, `demo-${scenario.key}-merchant-${i}`);
      world.merchants += 1;
      // Its premises go on the benefit map first; its slots are published there.
      const point =
        merchant.point === undefined ? undefined : await api.post<Created>('/v1/service-points', org.apiKey, merchant.point, `demo-${scenario.key}-point-${i}`);
      if (point !== undefined) world.servicePoints += 1;
      for (const [j, slot] of merchant.slots.entries()) {
        const path = point === undefined ? '/v1/slots' : `/v1/service-points/${point.id}/slots`;
        const created = await api.post<{ id: string }>(path, org.apiKey, slot, `demo-${scenario.key}-slot-${i}-${j}`);
        world.slots.push({
          scenario: scenario.key,
          merchant: merchant.name,
          merchantKey: org.apiKey,
          id: created.id,
          title: slot.title,
          windows: slot.windows,
          capacity: slot.capacity,
        });
        world.events += 1;
        progress.update(`${tag} service points and their slots: ${count(++slotsDone)}/${count(totalSlots)} · ${elapsed()}`);
      }
    });
    if (totalSlots > 0) progress.done(`${tag} ${count(scenario.merchants.length)} service points published ${count(totalSlots)} slots · ${elapsed()}`);

    // Slots, then people, then openings: the street's workers meet slots that exist (a new person is matched
    // to the offers in reach), the job fair's openings meet seekers who exist (a new offer is matched to
    // the people in reach): the engine works in both directions.
    const loadPeople = async () => {
      const total = scenario.caseworkers.reduce((sum, plan) => sum + plan.candidates.length, 0);
      if (total === 0) return;
      const chunks = scenario.caseworkers.flatMap((plan, i) =>
        Array.from({ length: Math.ceil(plan.candidates.length / CHUNK) }, (_, c) => ({
          caseworker: caseworkers[i],
          c,
          lines: plan.candidates.slice(c * CHUNK, (c + 1) * CHUNK),
        })),
      );
      let sent = 0;
      await inParallel(chunks, 2, async ({ caseworker, c, lines }) => {
        const result = await api.postNdjson<{ accepted: number; rejected: { line: number; details: { field: string; message: string }[] }[] }>(
          '/v1/candidates/bulk',
          caseworker.apiKey,
          lines,
          `demo-${scenario.key}-bulk-${caseworker.id}-${c}`,
        );
        caseworker.accepted += result.accepted;
        world.accepted += result.accepted;
        // The matcher hears of an import in chunks: one CandidatesImported per IMPORTED_PER_EVENT people.
        world.events += Math.ceil(result.accepted / IMPORTED_PER_EVENT);
        world.rejected += result.rejected.length;
        if (result.rejected.length > 0) {
          const first = result.rejected[0];
          progress.say(
            `${tag} the API refused ${result.rejected.length} lines; line ${first.line}: ${first.details.map((d) => `${d.field} ${d.message}`).join(', ')}`,
          );
        }
        sent += lines.length;
        const rate = Math.round(sent / ((performance.now() - started) / 1000));
        progress.update(`${tag} people imported (POST /v1/candidates/bulk): ${count(sent)}/${count(total)} · ${count(rate)}/s · ${elapsed()}`);
      });
      progress.done(
        `${tag} ${count(caseworkers.length)} caseworkers imported ${count(total)} people in ${count(chunks.length)} NDJSON requests · ${elapsed()}`,
      );
    };

    await loadPeople();

    const totalOpenings = scenario.employers.reduce((sum, employer) => sum + employer.openings.length, 0);
    let openingsDone = 0;
    await inParallel(scenario.employers, 6, async (employer, i) => {
      const org = await api.post<Created>('/v1/organizations', adminKey, { name: employer.name, kind: 'employer' }, `demo-${scenario.key}-employer-${i}`);
      world.employers += 1;
      for (const [j, opening] of employer.openings.entries()) {
        const created = await api.post<{ id: string }>('/v1/openings', org.apiKey, opening, `demo-${scenario.key}-opening-${i}-${j}`);
        world.openings.push({
          scenario: scenario.key,
          employer: employer.name,
          employerId: org.id,
          employerKey: org.apiKey,
          id: created.id,
          title: opening.title,
          positions: opening.positions,
        });
        world.events += 1;
        progress.update(`${tag} employers and their openings: ${count(++openingsDone)}/${count(totalOpenings)} · ${elapsed()}`);
      }
    });
    if (totalOpenings > 0) {
      const positions = scenario.employers.reduce((sum, employer) => sum + employer.openings.reduce((s, o) => s + o.positions, 0), 0);
      progress.done(
        `${tag} ${count(scenario.employers.length)} employers posted ${count(totalOpenings)} openings with ${count(positions)} positions · ${elapsed()}`,
      );
    }
    world.msPerScenario.set(scenario.key, performance.now() - started);
  }
  return world;
}
