/**
 * A deterministic city shaped like Shanghai: people, openings and slots clustered around 30 districts,
 * with the groups, schedules and needs of the brief in plausible shares. The same seed gives the same city.
 */
import { ACCESSIBILITY_FEATURES, type TargetGroup, type WeeklyWindow } from '@huigong/domain';
import type { CandidateProfile, OpeningOffer, SlotOffer } from '@huigong/matching';

/** mulberry32: small, fast, good enough for test data. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DISTRICTS = Array.from({ length: 30 }, (_, i) => {
  const r = random(1000 + i);
  return { lat: 30.95 + r() * 0.5, lng: 121.2 + r() * 0.65, spreadKm: 2 + r() * 5, weight: 0.3 + r() };
});
const TOTAL_WEIGHT = DISTRICTS.reduce((sum, d) => sum + d.weight, 0);

const GROUP_SHARES: [TargetGroup, number][] = [
  ['rider', 15],
  ['courier', 5],
  ['security_guard', 8],
  ['sanitation', 5],
  ['veteran', 5],
  ['rural_migrant', 15],
  ['laid_off', 10],
  ['reassignment', 4],
  ['hardship', 5],
  ['disabled', 3],
  ['flexible', 10],
  ['new_form', 5],
  ['union_member', 10],
];
const SKILLS = Array.from({ length: 40 }, (_, i) => `skill-${i}`);
const days = (list: number[], start: string, end: string): WeeklyWindow[] => list.map((day) => ({ day, start, end }));
const WEEKDAYS = [1, 2, 3, 4, 5];
const AVAILABILITY: WeeklyWindow[][] = [
  days(WEEKDAYS, '08:00', '17:00'),
  days(WEEKDAYS, '07:00', '19:00'),
  days([1, 2, 3, 4, 5, 6, 7], '10:00', '22:00'),
  days([5, 6, 7], '22:00', '06:00'),
  days([1, 2, 3, 4, 5, 6, 7], '18:00', '02:00'),
  days([6, 7], '08:00', '20:00'),
];
const BREAKS: WeeklyWindow[][] = [
  days(WEEKDAYS, '13:00', '14:30'),
  days([1, 2, 3, 4, 5, 6, 7], '14:00', '15:00'),
  days(WEEKDAYS, '11:30', '12:30'),
  days([1, 2, 3, 4, 5, 6, 7], '02:00', '03:00'),
  [],
];
const SHIFTS: WeeklyWindow[][] = [
  days(WEEKDAYS, '08:00', '16:00'),
  days(WEEKDAYS, '09:00', '18:00'),
  days([6, 7], '10:00', '20:00'),
  days([1, 3, 5], '22:00', '06:00'),
  days([1, 2, 3, 4, 5, 6, 7], '12:00', '20:00'),
];
const SLOT_WINDOWS: WeeklyWindow[][] = [
  days(WEEKDAYS, '13:00', '14:00'),
  days([1, 2, 3, 4, 5, 6, 7], '14:00', '16:00'),
  days(WEEKDAYS, '15:00', '17:00'),
  days([1, 2, 3, 4, 5, 6, 7], '02:00', '04:00'),
];

/** One consent to everything, as the contract's `contact` gives it (the draw stays where it was: the same city). */
const consents = (given: boolean): { consentJobs: boolean; consentBenefits: boolean } => ({ consentJobs: given, consentBenefits: given });

export class City {
  private readonly next: () => number;

  constructor(seed: number) {
    this.next = random(seed);
  }

  private pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.next() * list.length)];
  }

  private gaussian(): number {
    const u = Math.max(this.next(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  place(): { lat: number; lng: number } {
    let roll = this.next() * TOTAL_WEIGHT;
    let district = DISTRICTS[0];
    for (const d of DISTRICTS) {
      roll -= d.weight;
      if (roll <= 0) {
        district = d;
        break;
      }
    }
    return {
      lat: district.lat + (this.gaussian() * district.spreadKm) / 111.2,
      lng: district.lng + (this.gaussian() * district.spreadKm) / (111.2 * Math.cos((district.lat * Math.PI) / 180)),
    };
  }

  private group(): TargetGroup {
    let roll = this.next() * 100;
    for (const [group, share] of GROUP_SHARES) {
      roll -= share;
      if (roll <= 0) return group;
    }
    return 'union_member';
  }

  private groups(count: number): TargetGroup[] {
    const set = new Set<TargetGroup>();
    while (set.size < count) set.add(this.group());
    return [...set];
  }

  private skills(max: number): string[] {
    const count = Math.floor(this.next() * (max + 1));
    return [...new Set(Array.from({ length: count }, () => this.pick(SKILLS)))];
  }

  person(index: number, now: number): CandidateProfile {
    return {
      id: `00000000-0000-4000-8000-${index.toString(16).padStart(12, '0')}`,
      groups: this.groups(this.next() < 0.7 ? 1 : 2),
      skills: this.skills(3),
      location: this.place(),
      maxTravelKm: this.next() < 0.5 ? null : 3 + Math.floor(this.next() * 12),
      availability: this.pick(AVAILABILITY),
      breaks: this.pick(BREAKS),
      accessibilityNeeds: this.next() < 0.03 ? [this.pick(ACCESSIBILITY_FEATURES)] : [],
      ...consents(this.next() < 0.97),
      takesJobProposals: true,
      waitingSince: now - Math.floor(this.next() * 180) * 86_400_000,
    };
  }

  opening(index: number): OpeningOffer {
    const groupCount = Math.floor(this.next() * 4);
    return {
      id: `10000000-0000-4000-8000-${index.toString(16).padStart(12, '0')}`,
      accepting: true,
      targetGroups: this.groups(groupCount),
      skills: this.skills(2),
      location: this.place(),
      radiusKm: 5 + Math.floor(this.next() * 11),
      shifts: this.pick(SHIFTS),
      accessibilityFeatures: this.next() < 0.1 ? [...ACCESSIBILITY_FEATURES].filter(() => this.next() < 0.5) : [],
      positions: 1 + Math.floor(this.next() * 50),
    };
  }

  slot(index: number): SlotOffer {
    return {
      id: `20000000-0000-4000-8000-${index.toString(16).padStart(12, '0')}`,
      accepting: true,
      eligibleGroups: this.groups(1 + Math.floor(this.next() * 3)),
      location: this.place(),
      radiusKm: 2 + Math.floor(this.next() * 3),
      windows: this.pick(SLOT_WINDOWS),
      accessibilityFeatures: this.next() < 0.2 ? ['wheelchair'] : [],
      capacity: 10 + Math.floor(this.next() * 50),
    };
  }
}
