import { type GeoPoint, KM_PER_DEGREE, type WeekInterval, distanceKm, distanceKmBetween, overlapMinutes, totalMinutes, weekIntervals } from '@huigong/domain';
import { CandidateIndex, PROPOSE_JOBS, PROPOSE_SLOTS, groupMask, groupsOfMask, needMask } from './candidate-index';
import { OfferIndex } from './offer-index';
import { DEFAULT_MATCHING_POLICY, type MatchingPolicy, shortlistSize, slotOfferLimit } from './policy';
import type { OfferMatch, OpeningState, PeopleState, SlotState } from './reference';
import { type CandidateProfile, type OpeningOffer, type SlotOffer, breakFit, meetableWindows, stayPieces } from './rules';
import { type ScoredMatch, scoreOpeningFigures, scoreSlotFigures, scoreValue, slotOverlapPart } from './score';
import { TopK } from './top-k';
import { HOUR_WORDS, hourBits, windowPieces } from './week-bits';

/** Which people a pass of an opening's scan looks at (see matchOpening). */
const enum Phase {
  All,
  MaySkill,
  LacksSkill,
}

/** A candidate kept while scanning: numbers only; reasons are built for the winners alone. */
interface Kept {
  score: number;
  id: string;
  slot: number;
  km: number;
  limitKm: number;
  /** Coverage (openings) or best overlap in minutes (slots). */
  fit: number;
  /** Last time offered this slot (slots only); never offered is -Infinity. */
  lastOffered: number;
}

const betterByScore = (a: Kept, b: Kept): boolean => a.score > b.score || (a.score === b.score && a.id < b.id);
const betterByRotation = (a: Kept, b: Kept): boolean => a.lastOffered < b.lastOffered || (a.lastOffered === b.lastOffered && betterByScore(a, b));
const byOfferScoreThenId = (a: OfferMatch, b: OfferMatch): number => b.score - a.score || (a.offerId < b.offerId ? -1 : a.offerId > b.offerId ? 1 : 0);

/** Minutes two sorted disjoint interval lists share, the first packed as [start, end, ...] in a pool. */
function pooledOverlap(data: Uint16Array, at: number, length: number, other: readonly WeekInterval[]): number {
  let total = 0;
  let i = at;
  const end = at + length;
  let j = 0;
  while (i < end && j < other.length) {
    const start = Math.max(data[i], other[j].start);
    const stop = Math.min(data[i + 1], other[j].end);
    if (stop > start) total += stop - start;
    if (data[i + 1] < other[j].end) i += 2;
    else j++;
  }
  return total;
}

interface CompiledOpening {
  wanted: number;
  offered: number;
  shifts: WeekInterval[];
  shiftMinutes: number;
  shiftHours: Uint32Array;
}

interface CompiledSlot {
  wanted: number;
  offered: number;
  /** Weekly windows and sessions, each as pieces of the week. */
  windows: WeekInterval[][];
  /** Stays, each as pieces of the week. */
  stays: WeekInterval[][];
  windowHours: Uint32Array;
}

/**
 * The matching engine of one matcher process: the people, the open openings and the active slots in
 * memory, indexed by place. Its answers are exactly those of the brute-force reference (`reference.ts`),
 * checked by property tests; it is only faster: cheap tests first (bitmasks, hours, a flat-earth distance
 * that never rejects a person the great circle would accept), exact ones on what survives, scores as
 * numbers into a bounded heap, reasons for the winners only.
 */
const everywhere = (): boolean => true;

export class MatchingEngine {
  readonly people: CandidateIndex;
  readonly openings: OfferIndex<OpeningOffer>;
  readonly slots: OfferIndex<SlotOffer>;
  private readonly compiledOpenings = new WeakMap<OpeningOffer, CompiledOpening>();
  private readonly compiledSlots = new WeakMap<SlotOffer, CompiledSlot>();
  private readonly priorityByMask = new Float64Array(1 << 13).fill(Number.NaN);

  constructor(
    readonly policy: MatchingPolicy = DEFAULT_MATCHING_POLICY,
    options: { compactPoolsAfter?: number; admits?: (place: GeoPoint) => boolean } = {},
  ) {
    // A matcher of one region keeps only what lies in it or within its border: a place outside is removed.
    const admits = options.admits ?? everywhere;
    this.people = new CandidateIndex(options.compactPoolsAfter, admits);
    this.openings = new OfferIndex<OpeningOffer>(admits);
    this.slots = new OfferIndex<SlotOffer>(admits);
  }

  /** The people to propose for an opening, best first, within its shortlist and every person's cap. */
  matchOpening(opening: OpeningOffer, state: OpeningState, peopleState: PeopleState, now: number): ScoredMatch[] {
    const policy = this.policy;
    const room = shortlistSize(opening.positions, policy) - state.openMatches;
    if (room <= 0 || !opening.accepting) return [];
    const { wanted, offered, shifts, shiftMinutes, shiftHours } = this.compileOpening(opening);
    if (shiftMinutes === 0) return [];
    const index = this.people;
    const { proposable, groupBits, needBits, availabilityHours: hours, maxTravel, lat, lng, ids } = index;
    const pool = index.availability.data;
    const needsOverlap = policy.minScheduleCoverage > 0;
    const { lat: lat0, lng: lng0 } = opening.location;
    const radiusKm = opening.radiusKm;
    const flat = this.flatEarth(lat0, radiusKm);
    const wantedSkills = opening.skills.map((skill) => index.skillId(skill));
    let wantedSkillBits = 0;
    for (const skill of wantedSkills) if (skill >= 0) wantedSkillBits |= 1 << (skill & 31);
    const skillBloom = index.skillBloom;
    const top = new TopK<Kept>(room, betterByScore);
    const bestPriority = this.priority(wanted === 0 ? (1 << 13) - 1 : wanted);
    const cells = index.cellsNear(lat0, lng0, radiusKm);
    // An opening asking for skills is scanned twice: first the people whose skill bloom shows a wanted
    // skill (they score highest, so the heap's threshold rises early), then the rest, whose skills part is
    // provably 0, so that a cell's bound can count it as 0 and the scan usually stops at once.
    const phases = wantedSkillBits === 0 ? [Phase.All] : [Phase.MaySkill, Phase.LacksSkill];
    for (const phase of phases) {
      const skillsAtBest = phase === Phase.LacksSkill ? 0 : 1;
      for (const { members, nearestKm: cellKm } of cells) {
        // No one here or farther can beat the worst kept, even with every other part of the score perfect.
        if (top.full && scoreValue(policy, skillsAtBest, 1, cellKm, radiusKm, Number.NEGATIVE_INFINITY, bestPriority, now) < top.worst.score) break;
        for (let m = 0; m < members.length; m++) {
          const slot = members[m];
          if ((proposable[slot] & PROPOSE_JOBS) === 0) continue;
          const bloom = skillBloom[slot];
          if (phase === Phase.MaySkill && (bloom & wantedSkillBits) === 0) continue;
          if (phase === Phase.LacksSkill && (bloom & wantedSkillBits) !== 0) continue;
          const groups = groupBits[slot];
          if (wanted !== 0 && (groups & wanted) === 0) continue;
          if ((needBits[slot] & ~offered) !== 0) continue;
          if (needsOverlap) {
            const h = slot * HOUR_WORDS;
            if (
              (hours[h] & shiftHours[0]) === 0 &&
              (hours[h + 1] & shiftHours[1]) === 0 &&
              (hours[h + 2] & shiftHours[2]) === 0 &&
              (hours[h + 3] & shiftHours[3]) === 0 &&
              (hours[h + 4] & shiftHours[4]) === 0 &&
              (hours[h + 5] & shiftHours[5]) === 0
            )
              continue;
          }
          const limitKm = radiusKm < maxTravel[slot] ? radiusKm : maxTravel[slot];
          const dy = (lat[slot] - lat0) * KM_PER_DEGREE;
          const dx = (lng[slot] - lng0) * flat.kmPerDegreeLng;
          const reach = limitKm * 1.01 + 0.01;
          const flatSquared = dx * dx + dy * dy;
          if (flatSquared > reach * reach) continue;
          const flatKm = Math.sqrt(flatSquared);
          let skills = phase === Phase.LacksSkill ? 0 : 1;
          if (phase === Phase.MaySkill || (phase === Phase.All && wantedSkills.length > 0)) {
            let covered = 0;
            for (const skill of wantedSkills) if (skill >= 0 && (bloom & (1 << (skill & 31))) !== 0 && index.hasSkill(slot, skill)) covered++;
            skills = covered / wantedSkills.length;
          }
          const priority = this.priority(wanted === 0 ? groups : groups & wanted);
          const waitingSince = index.waitingSince[slot];
          // Branch and bound: the best this person could score, with a full schedule and the shortest
          // distance the flat-earth figure allows. If that cannot beat the worst kept, skip the exact work.
          const nearestKm = Math.max(0, (flatKm - 0.01) / 1.01);
          if (top.full && scoreValue(policy, skills, 1, nearestKm, limitKm, waitingSince, priority, now) < top.worst.score) continue;
          const coverage = pooledOverlap(pool, index.availabilityAt[slot], index.availabilityLength[slot], shifts) / shiftMinutes;
          if (coverage < policy.minScheduleCoverage) continue;
          const schedule = coverage < 1 ? coverage : 1;
          if (top.full && scoreValue(policy, skills, schedule, nearestKm, limitKm, waitingSince, priority, now) < top.worst.score) continue;
          const km = distanceKmBetween(lat[slot], lng[slot], lat0, lng0);
          if (km > limitKm) continue;
          const score = scoreValue(policy, skills, schedule, km, limitKm, waitingSince, priority, now);
          const id = ids[slot] as string;
          const kept: Kept = { score, id, slot, km, limitKm, fit: coverage, lastOffered: 0 };
          if (!top.admits(kept)) continue;
          // Only someone who would be kept is looked up in the history.
          if (state.matchedCandidateIds.has(id)) continue;
          if (peopleState.openJobMatches(id) >= policy.maxOpenJobMatchesPerPerson) continue;
          top.offer(kept);
        }
      }
    }
    return top.sorted().map((kept) => scoreOpeningFigures(this.figures(kept), kept.fit, opening, now, policy));
  }

  /**
   * The people to offer a slot to, within its open-offer limit, rotating among the eligible; `beyond`: so
   * many more, next in rotation, for the caller to choose among (people with repeated no-shows go behind).
   */
  matchSlot(slotOffer: SlotOffer, state: SlotState, now: number, beyond = 0): ScoredMatch[] {
    const policy = this.policy;
    const room = slotOfferLimit(slotOffer.capacity, policy) - state.openOffers;
    if (room <= 0 || !slotOffer.accepting) return [];
    const { wanted, offered, windows, stays, windowHours } = this.compileSlot(slotOffer);
    const index = this.people;
    const { proposable, groupBits, needBits, breakHours: hours, maxTravel, lat, lng, ids } = index;
    const needsOverlap = policy.minBreakOverlapMinutes > 0;
    const { lat: lat0, lng: lng0 } = slotOffer.location;
    const radiusKm = slotOffer.radiusKm;
    const flat = this.flatEarth(lat0, radiusKm);
    const top = new TopK<Kept>(room + beyond, betterByRotation);
    const rotating = state.lastOfferedAt.size > 0;
    const bestPriority = this.priority(wanted);
    for (const { members, nearestKm: cellKm } of index.cellsNear(lat0, lng0, radiusKm)) {
      // Once every kept person was never offered before, only a better score displaces one.
      if (
        top.full &&
        top.worst.lastOffered === Number.NEGATIVE_INFINITY &&
        scoreValue(policy, 1, 1, cellKm, radiusKm, Number.NEGATIVE_INFINITY, bestPriority, now) < top.worst.score
      )
        break;
      for (let m = 0; m < members.length; m++) {
        const slot = members[m];
        if ((proposable[slot] & PROPOSE_SLOTS) === 0) continue;
        const groups = groupBits[slot];
        if ((groups & wanted) === 0) continue;
        if ((needBits[slot] & ~offered) !== 0) continue;
        if (needsOverlap) {
          const h = slot * HOUR_WORDS;
          if (
            (hours[h] & windowHours[0]) === 0 &&
            (hours[h + 1] & windowHours[1]) === 0 &&
            (hours[h + 2] & windowHours[2]) === 0 &&
            (hours[h + 3] & windowHours[3]) === 0 &&
            (hours[h + 4] & windowHours[4]) === 0 &&
            (hours[h + 5] & windowHours[5]) === 0
          )
            continue;
        }
        const limitKm = radiusKm < maxTravel[slot] ? radiusKm : maxTravel[slot];
        const dy = (lat[slot] - lat0) * KM_PER_DEGREE;
        const dx = (lng[slot] - lng0) * flat.kmPerDegreeLng;
        const reach = limitKm * 1.01 + 0.01;
        const flatSquared = dx * dx + dy * dy;
        if (flatSquared > reach * reach) continue;
        const flatKm = Math.sqrt(flatSquared);
        const id = ids[slot] as string;
        const lastOffered = rotating ? (state.lastOfferedAt.get(id) ?? Number.NEGATIVE_INFINITY) : Number.NEGATIVE_INFINITY;
        const priority = this.priority(groups & wanted);
        const waitingSince = index.waitingSince[slot];
        if (top.full) {
          // Offered more recently than the worst kept: cannot displace it, whatever the score.
          const worst = top.worst;
          if (lastOffered > worst.lastOffered) continue;
          if (lastOffered === worst.lastOffered) {
            const nearestKm = Math.max(0, (flatKm - 0.01) / 1.01);
            if (scoreValue(policy, 1, 1, nearestKm, limitKm, waitingSince, priority, now) < worst.score) continue;
          }
        }
        const km = distanceKmBetween(lat[slot], lng[slot], lat0, lng0);
        if (km > limitKm) continue;
        const best = breakFit(index.breakPieces(slot), windows, stays, policy.minBreakOverlapMinutes);
        if (best < 0) continue;
        if (state.offeredCandidateIds.has(id)) continue;
        const overlap = slotOverlapPart(best, slotOffer);
        const score = scoreValue(policy, overlap, overlap, km, limitKm, waitingSince, priority, now);
        const kept: Kept = { score, id, slot, km, limitKm, fit: best, lastOffered };
        if (top.admits(kept)) top.offer(kept);
      }
    }
    return top.sorted().map((kept) => scoreSlotFigures(this.figures(kept), kept.fit, slotOffer, now, policy));
  }

  /** A new or changed person against the open openings within reach: best first, up to the person's cap. */
  matchCandidateToOpenings(person: CandidateProfile, stateOf: (openingId: string) => OpeningState, openJobMatches: number, now: number): OfferMatch[] {
    const policy = this.policy;
    const room = policy.maxOpenJobMatchesPerPerson - openJobMatches;
    if (room <= 0 || !person.consentJobs || !person.takesJobProposals) return [];
    const groups = groupMask(person.groups);
    const needs = needMask(person.accessibilityNeeds);
    const availability = weekIntervals(person.availability);
    const availabilityHours = hourBits(availability);
    const maxTravel = person.maxTravelKm ?? Number.POSITIVE_INFINITY;
    const found: OfferMatch[] = [];
    this.openings.forEachReaching(person.location.lat, person.location.lng, maxTravel, (opening) => {
      if (!opening.accepting) return;
      const compiled = this.compileOpening(opening);
      if (compiled.wanted !== 0 && (groups & compiled.wanted) === 0) return;
      if ((needs & ~compiled.offered) !== 0) return;
      if (compiled.shiftMinutes === 0) return;
      if (policy.minScheduleCoverage > 0 && !hoursMeet(availabilityHours, compiled.shiftHours)) return;
      const km = distanceKm(person.location, opening.location);
      const limitKm = Math.min(opening.radiusKm, maxTravel);
      if (km > limitKm) return;
      const coverage = overlapMinutes(availability, compiled.shifts) / compiled.shiftMinutes;
      if (coverage < policy.minScheduleCoverage) return;
      const state = stateOf(opening.id);
      if (state.matchedCandidateIds.has(person.id) || state.openMatches >= shortlistSize(opening.positions, policy)) return;
      const figures = { candidateId: person.id, groups: person.groups, skills: person.skills, waitingSince: person.waitingSince, km, limitKm };
      const { score, reasons } = scoreOpeningFigures(figures, coverage, opening, now, policy);
      found.push({ offerId: opening.id, score, reasons });
    });
    return found.sort(byOfferScoreThenId).slice(0, room);
  }

  /** A new or changed person against the active slots within reach. */
  matchCandidateToSlots(person: CandidateProfile, stateOf: (slotId: string) => SlotState, now: number): OfferMatch[] {
    const policy = this.policy;
    if (!person.consentBenefits) return [];
    const groups = groupMask(person.groups);
    const needs = needMask(person.accessibilityNeeds);
    const breaks = windowPieces(person.breaks);
    const breakHours = hourBits(breaks.flat());
    const maxTravel = person.maxTravelKm ?? Number.POSITIVE_INFINITY;
    const found: OfferMatch[] = [];
    this.slots.forEachReaching(person.location.lat, person.location.lng, maxTravel, (slotOffer) => {
      if (!slotOffer.accepting) return;
      const compiled = this.compileSlot(slotOffer);
      if ((groups & compiled.wanted) === 0) return;
      if ((needs & ~compiled.offered) !== 0) return;
      if (policy.minBreakOverlapMinutes > 0 && !hoursMeet(breakHours, compiled.windowHours)) return;
      const km = distanceKm(person.location, slotOffer.location);
      const limitKm = Math.min(slotOffer.radiusKm, maxTravel);
      if (km > limitKm) return;
      const best = breakFit(breaks, compiled.windows, compiled.stays, policy.minBreakOverlapMinutes);
      if (best < 0) return;
      const state = stateOf(slotOffer.id);
      if (state.offeredCandidateIds.has(person.id) || state.openOffers >= slotOfferLimit(slotOffer.capacity, policy)) return;
      const figures = { candidateId: person.id, groups: person.groups, skills: person.skills, waitingSince: person.waitingSince, km, limitKm };
      const { score, reasons } = scoreSlotFigures(figures, best, slotOffer, now, policy);
      found.push({ offerId: slotOffer.id, score, reasons });
    });
    return found.sort(byOfferScoreThenId);
  }

  /** The break windows of an indexed person, as week intervals (for the expiry of an offer). */
  breakPiecesOf(candidateId: string): WeekInterval[][] {
    const slot = this.people.slotOf(candidateId);
    return slot === undefined ? [] : this.people.breakPieces(slot);
  }

  private figures(kept: Kept) {
    const index = this.people;
    return {
      candidateId: kept.id,
      groups: groupsOfMask(index.groupBits[kept.slot]),
      skills: index.skillsOf(kept.slot),
      waitingSince: index.waitingSince[kept.slot],
      km: kept.km,
      limitKm: kept.limitKm,
    };
  }

  /** The priority a person's groups earn (only those the offer asks for, when it asks any). */
  private priority(mask: number): number {
    let value = this.priorityByMask[mask];
    if (Number.isNaN(value)) {
      let best = 0;
      for (const group of groupsOfMask(mask)) best = Math.max(best, this.policy.groupPriority[group]);
      value = mask === 0 ? 0 : best;
      this.priorityByMask[mask] = value;
    }
    return value;
  }

  /**
   * Kilometres per degree of longitude at the latitude nearest a pole within the radius: a flat-earth
   * distance computed with it is never longer than the great-circle one by more than the 1% margin.
   */
  private flatEarth(lat: number, radiusKm: number): { kmPerDegreeLng: number } {
    const farthest = Math.min(89.9, Math.abs(lat) + Math.min(radiusKm, 20_000) / KM_PER_DEGREE);
    return { kmPerDegreeLng: KM_PER_DEGREE * Math.cos((farthest * Math.PI) / 180) };
  }

  private compileOpening(opening: OpeningOffer): CompiledOpening {
    let compiled = this.compiledOpenings.get(opening);
    if (compiled === undefined) {
      const shifts = weekIntervals(opening.shifts);
      compiled = {
        wanted: groupMask(opening.targetGroups),
        offered: needMask(opening.accessibilityFeatures),
        shifts,
        shiftMinutes: totalMinutes(shifts),
        shiftHours: hourBits(shifts),
      };
      this.compiledOpenings.set(opening, compiled);
    }
    return compiled;
  }

  private compileSlot(slot: SlotOffer): CompiledSlot {
    let compiled = this.compiledSlots.get(slot);
    if (compiled === undefined) {
      const windows = windowPieces(meetableWindows(slot));
      const stays = stayPieces(slot);
      const windowHours = hourBits([...windows.flat(), ...stays.flat()]);
      compiled = { wanted: groupMask(slot.eligibleGroups), offered: needMask(slot.accessibilityFeatures), windows, stays, windowHours };
      this.compiledSlots.set(slot, compiled);
    }
    return compiled;
  }
}

function hoursMeet(a: Uint32Array, b: Uint32Array): boolean {
  for (let word = 0; word < HOUR_WORDS; word++) if ((a[word] & b[word]) !== 0) return true;
  return false;
}
