/**
 * The score of a match in [0, 1] and the reasons a caseworker reads: skills covered, schedule, distance,
 * waiting time and the priority of the person's group. Pure functions of the profile and the offer.
 */
import { type TargetGroup, distanceKm, windowMinutes } from '@huigong/domain';
import { DEFAULT_MATCHING_POLICY, type MatchingPolicy } from './policy';
import { type CandidateProfile, type OpeningOffer, type SlotOffer, breakFit, meetableWindows, scheduleCoverage, stayPieces } from './rules';
import { windowPieces } from './week-bits';

export type MatchReason =
  | { code: 'distance'; km: number }
  | { code: 'schedule'; coverage: number }
  | { code: 'break_overlap'; minutes: number }
  | { code: 'skills'; covered: string[]; missing: string[] }
  | { code: 'group'; group: TargetGroup; priority: number }
  | { code: 'waiting'; days: number }
  /** Not a figure of the score: the person asked for this job themselves, at a job fair (a lead; score 0 unless the engine had matched them). */
  | { code: 'self_declared'; fairId: string; taps: number };

export interface ScoredMatch {
  candidateId: string;
  score: number;
  reasons: MatchReason[];
}

const DAY_MS = 86_400_000;
const round = (value: number, places: number): number => Math.round(value * 10 ** places) / 10 ** places;
const clamp01 = (value: number): number => Math.min(1, Math.max(0, value));

/** The person's group that earns the most priority among those the offer asks for (any, if it asks none). */
export function priorityGroup(groups: readonly TargetGroup[], wanted: readonly TargetGroup[], policy: MatchingPolicy): TargetGroup | undefined {
  let best: TargetGroup | undefined;
  for (const group of groups) {
    if (wanted.length > 0 && !wanted.includes(group)) continue;
    if (
      best === undefined ||
      policy.groupPriority[group] > policy.groupPriority[best] ||
      (policy.groupPriority[group] === policy.groupPriority[best] && group < best)
    ) {
      best = group;
    }
  }
  return best;
}

/** The parts of a score as numbers; the one formula both the reference and the engine use. */
export function scoreValue(
  policy: MatchingPolicy,
  skills: number,
  schedule: number,
  km: number,
  limitKm: number,
  waitingSince: number,
  priority: number,
  now: number,
): number {
  const distance = limitKm <= 0 ? 0 : clamp01(1 - km / limitKm);
  const waiting = clamp01(Math.max(0, (now - waitingSince) / DAY_MS) / policy.waitingDaysForFullScore);
  const w = policy.weights;
  const score = w.skills * skills + w.schedule * schedule + w.distance * distance + w.waiting * waiting + w.priority * priority;
  return round(clamp01(score), 4);
}

/** The schedule part of a slot's score: the best overlap of a break with a window, against up to an hour. */
export function slotOverlapPart(overlapMinutes: number, slot: SlotOffer): number {
  const lengths = meetableWindows(slot).map(windowMinutes);
  for (const occurrence of slot.occurrences ?? []) if (occurrence.stay !== undefined) lengths.push(occurrence.stay.end - occurrence.stay.start);
  const longestWindow = Math.max(...lengths);
  return clamp01(overlapMinutes / Math.min(longestWindow, 60));
}

/** The figures a score is made of, however they were computed (from windows, or from the index). */
export interface MatchFigures {
  candidateId: string;
  groups: readonly TargetGroup[];
  skills: readonly string[];
  waitingSince: number;
  km: number;
  /** min(offer radius, person's maxTravelKm). */
  limitKm: number;
}

function reasonsOf(figures: MatchFigures, group: TargetGroup | undefined, policy: MatchingPolicy, now: number, middle: MatchReason[]): MatchReason[] {
  const reasons: MatchReason[] = [{ code: 'distance', km: round(figures.km, 2) }, ...middle];
  if (group !== undefined) reasons.push({ code: 'group', group, priority: policy.groupPriority[group] });
  reasons.push({ code: 'waiting', days: Math.floor(Math.max(0, (now - figures.waitingSince) / DAY_MS)) });
  return reasons;
}

/** Share of the opening's skills the person has (1 when the opening asks none), and which. */
export function skillsCovered(personSkills: readonly string[], openingSkills: readonly string[]): { covered: string[]; missing: string[]; part: number } {
  const have = new Set(personSkills.map((skill) => skill.toLowerCase()));
  const covered = openingSkills.filter((skill) => have.has(skill.toLowerCase()));
  const missing = openingSkills.filter((skill) => !have.has(skill.toLowerCase()));
  return { covered, missing, part: openingSkills.length === 0 ? 1 : covered.length / openingSkills.length };
}

/** Score of a person who passes every rule of the opening, from its figures; `coverage` is 0 to 1. */
export function scoreOpeningFigures(
  figures: MatchFigures,
  coverage: number,
  opening: OpeningOffer,
  now: number,
  policy: MatchingPolicy = DEFAULT_MATCHING_POLICY,
): ScoredMatch {
  const skills = skillsCovered(figures.skills, opening.skills);
  const schedule = Math.min(1, coverage);
  const group = priorityGroup(figures.groups, opening.targetGroups, policy);
  const priority = group === undefined ? 0 : policy.groupPriority[group];
  const score = scoreValue(policy, skills.part, schedule, figures.km, figures.limitKm, figures.waitingSince, priority, now);
  const middle: MatchReason[] = [{ code: 'schedule', coverage: round(schedule, 2) }];
  if (opening.skills.length > 0) middle.push({ code: 'skills', covered: skills.covered, missing: skills.missing });
  return { candidateId: figures.candidateId, score, reasons: reasonsOf(figures, group, policy, now, middle) };
}

/** Score of a person who passes every rule of the slot, from its figures and the best break overlap. */
export function scoreSlotFigures(
  figures: MatchFigures,
  overlapMinutes: number,
  slot: SlotOffer,
  now: number,
  policy: MatchingPolicy = DEFAULT_MATCHING_POLICY,
): ScoredMatch {
  const group = priorityGroup(figures.groups, slot.eligibleGroups, policy);
  const priority = group === undefined ? 0 : policy.groupPriority[group];
  // Slots ask no skills: that weight goes to the overlap of the person's break with the window.
  const overlap = slotOverlapPart(overlapMinutes, slot);
  const score = scoreValue(policy, overlap, overlap, figures.km, figures.limitKm, figures.waitingSince, priority, now);
  return { candidateId: figures.candidateId, score, reasons: reasonsOf(figures, group, policy, now, [{ code: 'break_overlap', minutes: overlapMinutes }]) };
}

function figuresOf(candidate: CandidateProfile, location: { lat: number; lng: number }, radiusKm: number): MatchFigures {
  return {
    candidateId: candidate.id,
    groups: candidate.groups,
    skills: candidate.skills,
    waitingSince: candidate.waitingSince,
    km: distanceKm(candidate.location, location),
    limitKm: Math.min(radiusKm, candidate.maxTravelKm ?? Number.POSITIVE_INFINITY),
  };
}

/** Score of a person who passes every rule of the opening. */
export function scoreOpeningMatch(
  candidate: CandidateProfile,
  opening: OpeningOffer,
  now: number,
  policy: MatchingPolicy = DEFAULT_MATCHING_POLICY,
): ScoredMatch {
  const coverage = scheduleCoverage(candidate.availability, opening.shifts);
  return scoreOpeningFigures(figuresOf(candidate, opening.location, opening.radiusKm), coverage, opening, now, policy);
}

/** Score of a person who passes every rule of the slot. */
export function scoreSlotMatch(candidate: CandidateProfile, slot: SlotOffer, now: number, policy: MatchingPolicy = DEFAULT_MATCHING_POLICY): ScoredMatch {
  const minutes = breakFit(windowPieces(candidate.breaks), windowPieces(meetableWindows(slot)), stayPieces(slot), policy.minBreakOverlapMinutes);
  return scoreSlotFigures(figuresOf(candidate, slot.location, slot.radiusKm), minutes, slot, now, policy);
}

/** Best first; ties broken by id so that every run gives the same order. */
export function byScoreThenId(a: ScoredMatch, b: ScoredMatch): number {
  return b.score - a.score || (a.candidateId < b.candidateId ? -1 : a.candidateId > b.candidateId ? 1 : 0);
}
