/**
 * The hard rules of a match, written as plainly as possible. A person matches an offer when every check
 * passes; each check carries the figures a caseworker needs to see why not. No framework imports here.
 */
import {
  type AccessibilityFeature,
  type GeoPoint,
  type TargetGroup,
  type WeekInterval,
  type WeeklyWindow,
  distanceKm,
  overlapMinutes,
  spanPieces,
  totalMinutes,
  unionOfIntervals,
  weekIntervals,
} from '@huigong/domain';

export interface CandidateProfile {
  id: string;
  groups: readonly TargetGroup[];
  skills: readonly string[];
  location: GeoPoint;
  maxTravelKm: number | null;
  availability: readonly WeeklyWindow[];
  breaks: readonly WeeklyWindow[];
  accessibilityNeeds: readonly AccessibilityFeature[];
  /** Consents to job proposals; without it no opening is proposed. */
  consentJobs: boolean;
  /** Consents to benefit offers; without it no slot is offered. */
  consentBenefits: boolean;
  /** Seeking work, or employed and open to job offers (libs/domain's takesJobProposals); slots come either way. */
  takesJobProposals: boolean;
  /** Since when the person has been waiting (registration, or the end of their last job): epoch ms. */
  waitingSince: number;
}

export interface OpeningOffer {
  id: string;
  /** Open and not past `validUntil`. */
  accepting: boolean;
  targetGroups: readonly TargetGroup[];
  skills: readonly string[];
  location: GeoPoint;
  radiusKm: number;
  shifts: readonly WeeklyWindow[];
  accessibilityFeatures: readonly AccessibilityFeature[];
  positions: number;
}

export interface SlotOffer {
  id: string;
  /** Active and not past `validUntil`, nor past its last dated occurrence when it has only those. */
  accepting: boolean;
  eligibleGroups: readonly TargetGroup[];
  location: GeoPoint;
  radiusKm: number;
  /** Weekly windows (none when the slot has only dated occurrences). */
  windows: readonly WeeklyWindow[];
  /** Dated occurrences that may still be offered (libs/domain's dated-occurrence.ts); absent: none. */
  occurrences?: readonly SlotOccurrence[];
  accessibilityFeatures: readonly AccessibilityFeature[];
  /** Seats per occurrence; for stays, beds per night. */
  capacity: number;
  /** A course scheduled for a demand of the course menu: those who ordered it are judged with their order's windows too. */
  courseDemandId?: string;
}

/** A dated occurrence of a slot: a session, met like a weekly window, or a stay, which must be covered whole. */
export interface SlotOccurrence {
  /** Epoch ms. */
  startsAt: number;
  endsAt: number;
  /** A session: its weekday and hours, met as a weekly window is. */
  window?: WeeklyWindow;
  /** A stay: its span of the local week from check-in (it may run past Sunday); the person's breaks must cover it. */
  stay?: WeekInterval;
}

/** The windows a break may meet: the weekly ones, then the sessions'. */
export function meetableWindows(slot: SlotOffer): WeeklyWindow[] {
  const sessions = (slot.occurrences ?? []).flatMap((occurrence) => (occurrence.window === undefined ? [] : [occurrence.window]));
  return [...slot.windows, ...sessions];
}

/** The stays of a slot, each as pieces of the week. */
export function stayPieces(slot: SlotOffer): WeekInterval[][] {
  return (slot.occurrences ?? []).flatMap((occurrence) => (occurrence.stay === undefined ? [] : [spanPieces(occurrence.stay)]));
}

/**
 * How a person's breaks meet a slot, as minutes: the best overlap of one break with one window (weekly, or
 * a session's), if it reaches `minOverlap`, or the length of a stay their breaks cover whole, whichever is
 * more; -1 when neither. `breaks`, `windows` and `stays`: each as pieces of the week (windowPieces).
 */
export function breakFit(
  breaks: readonly (readonly WeekInterval[])[],
  windows: readonly (readonly WeekInterval[])[],
  stays: readonly (readonly WeekInterval[])[],
  minOverlap: number,
): number {
  let best = 0;
  for (const pieces of breaks) for (const window of windows) best = Math.max(best, overlapMinutes(pieces, window));
  let fit = windows.length > 0 && best >= minOverlap ? best : -1;
  if (stays.length > 0) {
    const free = unionOfIntervals(breaks.flat());
    for (const stay of stays) {
      const length = totalMinutes(stay);
      if (length > fit && overlapMinutes(free, stay) === length) fit = length;
    }
  }
  return fit;
}

import { DEFAULT_MATCHING_POLICY, type MatchingPolicy } from './policy';
import { windowPieces } from './week-bits';

export type RuleCheck =
  | { rule: 'offer_accepting'; pass: boolean }
  | { rule: 'consent'; pass: boolean; purpose: 'jobs' | 'benefits' }
  | { rule: 'seeking_work'; pass: boolean }
  | { rule: 'target_group'; pass: boolean; required: TargetGroup[]; common: TargetGroup[] }
  | { rule: 'distance'; pass: boolean; km: number; radiusKm: number; maxTravelKm: number | null }
  | { rule: 'accessibility'; pass: boolean; unmetNeeds: AccessibilityFeature[] }
  | { rule: 'schedule'; pass: boolean; coveredMinutes: number; shiftMinutes: number; coverage: number; requiredCoverage: number }
  | { rule: 'break_overlap'; pass: boolean; bestOverlapMinutes: number; requiredMinutes: number; stayCovered?: boolean };

const round2 = (value: number): number => Math.round(value * 100) / 100;

function groupCheck(person: readonly TargetGroup[], required: readonly TargetGroup[]): RuleCheck {
  const common = required.filter((group) => person.includes(group));
  return { rule: 'target_group', pass: required.length === 0 || common.length > 0, required: [...required], common };
}

function distanceCheck(candidate: CandidateProfile, location: GeoPoint, radiusKm: number): RuleCheck {
  const km = distanceKm(candidate.location, location);
  const limit = Math.min(radiusKm, candidate.maxTravelKm ?? Number.POSITIVE_INFINITY);
  return { rule: 'distance', pass: km <= limit, km: round2(km), radiusKm, maxTravelKm: candidate.maxTravelKm };
}

function accessibilityCheck(needs: readonly AccessibilityFeature[], features: readonly AccessibilityFeature[]): RuleCheck {
  const unmetNeeds = needs.filter((need) => !features.includes(need));
  return { rule: 'accessibility', pass: unmetNeeds.length === 0, unmetNeeds };
}

/** Every rule of a person against an opening, in a fixed order. */
export function checkOpening(candidate: CandidateProfile, opening: OpeningOffer, policy: MatchingPolicy = DEFAULT_MATCHING_POLICY): RuleCheck[] {
  const shifts = weekIntervals(opening.shifts);
  const shiftMinutes = totalMinutes(shifts);
  const coveredMinutes = overlapMinutes(weekIntervals(candidate.availability), shifts);
  const coverage = shiftMinutes === 0 ? 0 : coveredMinutes / shiftMinutes;
  return [
    { rule: 'offer_accepting', pass: opening.accepting },
    { rule: 'consent', pass: candidate.consentJobs, purpose: 'jobs' },
    { rule: 'seeking_work', pass: candidate.takesJobProposals },
    groupCheck(candidate.groups, opening.targetGroups),
    distanceCheck(candidate, opening.location, opening.radiusKm),
    accessibilityCheck(candidate.accessibilityNeeds, opening.accessibilityFeatures),
    {
      rule: 'schedule',
      pass: shiftMinutes > 0 && coverage >= policy.minScheduleCoverage,
      coveredMinutes,
      shiftMinutes,
      coverage: round2(coverage),
      requiredCoverage: policy.minScheduleCoverage,
    },
  ];
}

/** Every rule of a person against a slot, in a fixed order. */
export function checkSlot(candidate: CandidateProfile, slot: SlotOffer, policy: MatchingPolicy = DEFAULT_MATCHING_POLICY): RuleCheck[] {
  const windows = windowPieces(meetableWindows(slot));
  const stays = stayPieces(slot);
  const breaks = windowPieces(candidate.breaks);
  const timeCheck: RuleCheck = {
    rule: 'break_overlap',
    pass: breakFit(breaks, windows, stays, policy.minBreakOverlapMinutes) >= 0,
    // The best overlap of one break with one window, whatever the policy asks (0 when there are no windows).
    bestOverlapMinutes: Math.max(0, breakFit(breaks, windows, [], 0)),
    requiredMinutes: policy.minBreakOverlapMinutes,
    ...(stays.length > 0 ? { stayCovered: breakFit(breaks, [], stays, policy.minBreakOverlapMinutes) >= 0 } : {}),
  };
  return [
    { rule: 'offer_accepting', pass: slot.accepting },
    { rule: 'consent', pass: candidate.consentBenefits, purpose: 'benefits' },
    groupCheck(candidate.groups, slot.eligibleGroups),
    distanceCheck(candidate, slot.location, slot.radiusKm),
    accessibilityCheck(candidate.accessibilityNeeds, slot.accessibilityFeatures),
    timeCheck,
  ];
}

export function allPass(checks: readonly RuleCheck[]): boolean {
  return checks.every((check) => check.pass);
}

/** Share of the opening's weekly shift minutes that the person's availability covers, 0 to 1. */
export function scheduleCoverage(availability: readonly WeeklyWindow[], shifts: readonly WeeklyWindow[]): number {
  const shiftIntervals = weekIntervals(shifts);
  const shiftMinutes = totalMinutes(shiftIntervals);
  return shiftMinutes === 0 ? 0 : overlapMinutes(weekIntervals(availability), shiftIntervals) / shiftMinutes;
}
