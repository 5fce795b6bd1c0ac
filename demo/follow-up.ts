/**
 * What the union's staff and partners do after the matches, as the demo plays it through the public API:
 * caseworkers follow one opening's shortlist up to as many hires as it has positions (the opening fills),
 * and merchants redeem some of the codes workers show at the counter (the slot uptake report counts them).
 */
import { randomUUID } from 'node:crypto';
import { OPEN_JOB_MATCH_STATUSES } from '@huigong/domain';
import { type ApiClient, ApiError, inParallel, sleep } from './api-client';
import type { LoadedWorld } from './loader';

const OPEN: readonly string[] = OPEN_JOB_MATCH_STATUSES;

export interface FilledOpening {
  title: string;
  employer: string;
  positions: number;
  status: string;
  matchSummary: Record<string, number>;
}

export interface MerchantUptake {
  name: string;
  offered: number;
  delivered: number;
  redeemed: number;
  expired: number;
  uptakeRate: number;
}

interface ListView {
  kind: 'opening' | 'slot';
  offerId: string;
  matches: { matchId: string; status: string }[];
}

/**
 * The opening with the fewest positions that has a match for each: each of its caseworkers records the
 * steps of their people's matches to `hired`, best first, until the positions are taken; then it is read
 * back as its employer sees it. Undefined when no opening has enough matches.
 */
export async function fillOneOpening(api: ApiClient, world: LoadedWorld): Promise<FilledOpening | undefined> {
  const matchesOf = new Map<string, { matchId: string; caseworkerKey: string }[]>();
  await inParallel(world.caseworkers, 3, async (caseworker) => {
    for (const list of await api.get<ListView[]>('/v1/candidate-lists', caseworker.apiKey)) {
      if (list.kind !== 'opening') continue;
      const proposed = list.matches
        .filter((match) => match.status === 'proposed')
        .map((match) => ({ matchId: match.matchId, caseworkerKey: caseworker.apiKey }));
      matchesOf.set(list.offerId, [...(matchesOf.get(list.offerId) ?? []), ...proposed]);
    }
  });
  const opening = [...world.openings]
    .sort((a, b) => a.positions - b.positions)
    .find((candidate) => (matchesOf.get(candidate.id)?.length ?? 0) > candidate.positions);
  if (opening === undefined) return undefined;
  for (const { matchId, caseworkerKey } of (matchesOf.get(opening.id) ?? []).slice(0, opening.positions)) {
    for (const status of ['contacted', 'interested', 'interview', 'hired']) await api.patch(`/v1/matches/${matchId}`, caseworkerKey, { status });
  }
  // The matcher withdraws the rest once it hears the opening filled: read it back once it has (or, on a
  // very slow machine, as it stands after a minute).
  const read = () => api.get<{ status: string; matchSummary: Record<string, number> }>(`/v1/openings/${opening.id}`, opening.employerKey);
  let view = await read();
  for (const deadline = Date.now() + 60_000; OPEN.some((status) => (view.matchSummary[status] ?? 0) > 0) && Date.now() < deadline; view = await read())
    await sleep(250);
  return { title: opening.title, employer: opening.employer, positions: opening.positions, status: view.status, matchSummary: view.matchSummary };
}

/**
 * At each slot, a third of the workers who were sent an offer come and show their code (never more than
 * the seats); the merchant redeems them. Returns how many were redeemed.
 */
export async function redeemSomeOffers(api: ApiClient, world: LoadedWorld, codesPerSlot: ReadonlyMap<string, readonly string[]>): Promise<number> {
  const redeemed = await inParallel(world.slots, 4, async (slot) => {
    const codes = codesPerSlot.get(slot.id) ?? [];
    let taken = 0;
    for (const code of codes.slice(0, Math.min(slot.capacity, Math.floor(codes.length / 3)))) {
      try {
        await api.post(`/v1/slots/${slot.id}/redemptions`, slot.merchantKey, { code }, randomUUID());
        taken += 1;
      } catch (error) {
        // An offer that ended meanwhile (expired, its occurrence full): the worker is turned away, as at a counter.
        if (!(error instanceof ApiError && error.status === 409)) throw error;
      }
    }
    return taken;
  });
  return redeemed.reduce((sum, n) => sum + n, 0);
}

/** The slot uptake report per merchant, as the union admin reads it. */
export async function uptakePerMerchant(api: ApiClient, adminKey: string): Promise<MerchantUptake[]> {
  const report = await api.get<{ merchants: MerchantUptake[] }>('/v1/reports/slot-uptake', adminKey);
  return report.merchants.map(({ name, offered, delivered, redeemed, expired, uptakeRate }) => ({ name, offered, delivered, redeemed, expired, uptakeRate }));
}

/** A place on the benefit map, as the demo prints it. */
export interface MapLine {
  name: string;
  walkingMinutes: number;
  openNow: boolean | null;
  memberBenefit: string | null;
  offers: number;
}

/** What a member standing at `near` finds within a kilometre (GET /v1/benefits), nearest first. */
export async function benefitMapNear(api: ApiClient, key: string, near: { lat: number; lng: number }): Promise<MapLine[]> {
  const map = await api.get<{ places: { name: string; walkingMinutes: number; openNow: boolean | null; memberBenefit: string | null; offers: unknown[] }[] }>(
    `/v1/benefits?lat=${near.lat}&lng=${near.lng}&radiusKm=1`,
    key,
  );
  return map.places.map(({ name, walkingMinutes, openNow, memberBenefit, offers }) => ({
    name,
    walkingMinutes,
    openNow,
    memberBenefit,
    offers: offers.length,
  }));
}
