/**
 * The score of a match in [0, 1] and the reasons a caseworker reads: skills covered, schedule, distance,
 * waiting time and the priority of the person's group. Pure functions of the profile and the offer.
 */
import { type TargetGroup, distanceKm, windowMinutes } from '@huigong/domain';
import { DEFAULT_MATCHING_POLICY, type MatchingPolicy } from './policy';
import { type CandidateProfile, type OpeningOffer, type SlotOffer, bestBreakOverlap, scheduleCoverage } from './rules';

export type MatchReason =
  | { code: 'distance'; km: number }
  | { code: 'schedule'; coverage: number }
  | { code: 'break_overlap'; minutes: number }
  | { code: 'skills'; covered: string[]; missing: string[] }
  | { code: 'group'; group: TargetGroup; priority: number }
  | { code: 'waiting'; days: number };

export interface ScoredMatch {
  candidateId: string;
  score: number;
  reasons: MatchReason[];
}

const DAY_MS = 86_400_000;
const round = (value: number, places: number): number => Math.round(value * 10 ** places) / 10 ** places;
const clamp01 = (value: number): number => Math.min(1, Math.max(0, value));

/** The person's group that earns the most priority among those the offer asks for (any, if it asks none). */
function priorityGroup(groups: readonly TargetGroup[], wanted: readonly TargetGroup[], policy: MatchingPolicy): TargetGroup | undefined {
  let best: TargetGroup | undefined;
  for (const group of groups) {
    if (wanted.length > 0 && !wanted.includes(group)) continue;
    if (best === undefined || policy.groupPriority[group] > policy.groupPriority[best] || (policy.groupPriority[group] === policy.groupPriority[best] && group < best)) {
      best = group;
    }
  }
  return best;
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

function commonParts(figures: MatchFigures, wanted: readonly TargetGroup[], now: number, policy: MatchingPolicy) {
  const distance = figures.limitKm <= 0 ? 0 : clamp01(1 - figures.km / figures.limitKm);
  const days = Math.max(0, (now - figures.waitingSince) / DAY_MS);
  const waiting = clamp01(days / policy.waitingDaysForFullScore);
  const group = priorityGroup(figures.groups, wanted, policy);
  const priority = group === undefined ? 0 : policy.groupPriority[group];
  const reasons: MatchReason[] = [{ code: 'distance', km: round(figures.km, 2) }];
  if (group !== undefined) reasons.push({ code: 'group', group, priority });
  reasons.push({ code: 'waiting', days: Math.floor(days) });
  return { distance, waiting, priority, reasons };
}

/** Score of a person who passes every rule of the opening, from its figures; `coverage` is 0 to 1. */
export function scoreOpeningFigures(figures: MatchFigures, coverage: number, opening: OpeningOffer, now: number, policy: MatchingPolicy = DEFAULT_MATCHING_POLICY): ScoredMatch {
  const personSkills = new Set(figures.skills.map((skill) => skill.toLowerCase()));
  const covered = opening.skills.filter((skill) => personSkills.has(skill.toLowerCase()));
  const missing = opening.skills.filter((skill) => !personSkills.has(skill.toLowerCase()));
  const skills = opening.skills.length === 0 ? 1 : covered.length / opening.skills.length;
  const schedule = Math.min(1, coverage);
  const parts = commonParts(figures, opening.targetGroups, now, policy);
  const w = policy.weights;
  const score = w.skills * skills + w.schedule * schedule + w.distance * parts.distance + w.waiting * parts.waiting + w.priority * parts.priority;
  const reasons: MatchReason[] = [parts.reasons[0], { code: 'schedule', coverage: round(schedule, 2) }];
  if (opening.skills.length > 0) reasons.push({ code: 'skills', covered, missing });
  reasons.push(...parts.reasons.slice(1));
  return { candidateId: figures.candidateId, score: round(clamp01(score), 4), reasons };
}

/** Score of a person who passes every rule of the slot, from its figures and the best break overlap. */
export function scoreSlotFigures(figures: MatchFigures, overlapMinutes: number, slot: SlotOffer, now: number, policy: MatchingPolicy = DEFAULT_MATCHING_POLICY): ScoredMatch {
  const longestWindow = Math.max(...slot.windows.map(windowMinutes));
  const overlap = clamp01(overlapMinutes / Math.min(longestWindow, 60));
  const parts = commonParts(figures, slot.eligibleGroups, now, policy);
  const w = policy.weights;
  // Slots ask no skills: that weight goes to the overlap of the person's break with the window.
  const score = (w.skills + w.schedule) * overlap + w.distance * parts.distance + w.waiting * parts.waiting + w.priority * parts.priority;
  const reasons: MatchReason[] = [parts.reasons[0], { code: 'break_overlap', minutes: overlapMinutes }, ...parts.reasons.slice(1)];
  return { candidateId: figures.candidateId, score: round(clamp01(score), 4), reasons };
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
export function scoreOpeningMatch(candidate: CandidateProfile, opening: OpeningOffer, now: number, policy: MatchingPolicy = DEFAULT_MATCHING_POLICY): ScoredMatch {
  const coverage = scheduleCoverage(candidate.availability, opening.shifts);
  return scoreOpeningFigures(figuresOf(candidate, opening.location, opening.radiusKm), coverage, opening, now, policy);
}

/** Score of a person who passes every rule of the slot. */
export function scoreSlotMatch(candidate: CandidateProfile, slot: SlotOffer, now: number, policy: MatchingPolicy = DEFAULT_MATCHING_POLICY): ScoredMatch {
  const minutes = bestBreakOverlap(candidate.breaks, slot.windows);
  return scoreSlotFigures(figuresOf(candidate, slot.location, slot.radiusKm), minutes, slot, now, policy);
}

/** Best first; ties broken by id so that every run gives the same order. */
export function byScoreThenId(a: ScoredMatch, b: ScoredMatch): number {
  return b.score - a.score || (a.candidateId < b.candidateId ? -1 : a.candidateId > b.candidateId ? 1 : 0);
}
