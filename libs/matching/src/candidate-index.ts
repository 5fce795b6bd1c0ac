import {
  ACCESSIBILITY_FEATURES,
  type AccessibilityFeature,
  TARGET_GROUPS,
  type TargetGroup,
  type WeekInterval,
  weekIntervals,
} from '@huigong/domain';
import { cellKey, cellsWithin } from './grid';
import type { CandidateProfile } from './rules';
import { HOUR_WORDS, hourBits, packIntervals, windowPieces } from './week-bits';

export function groupMask(groups: readonly TargetGroup[]): number {
  let mask = 0;
  for (const group of groups) mask |= 1 << TARGET_GROUPS.indexOf(group);
  return mask;
}

export function needMask(needs: readonly AccessibilityFeature[]): number {
  let mask = 0;
  for (const need of needs) mask |= 1 << ACCESSIBILITY_FEATURES.indexOf(need);
  return mask;
}

/** What the index keeps of a person beyond the hot fields: enough to check exactly and to score. */
export interface IndexedPerson {
  id: string;
  groups: readonly TargetGroup[];
  skills: readonly string[];
  waitingSince: number;
  maxTravelKm: number | null;
  /** Availability, merged, packed [start, end, ...] in minutes of the week. */
  availability: Uint16Array;
  /** Each break window on its own (a window across the week's end is two pieces). */
  breaks: WeekInterval[][];
}

const INITIAL_CAPACITY = 1024;

/**
 * Every person who may be matched, kept in memory for the matcher: a grid of cells for place, and typed
 * arrays of the fields every scan reads (position, groups as a bitmask, needs as a bitmask, consent,
 * travel limit, hours of the week as bits), so that one offer costs the people near it, not the pool.
 */
export class CandidateIndex {
  private capacity = INITIAL_CAPACITY;
  private count = 0;
  private readonly slotOfId = new Map<string, number>();
  private readonly freeSlots: number[] = [];
  private readonly cells = new Map<number, number[]>();
  private people: (IndexedPerson | undefined)[] = [];

  lat = new Float64Array(INITIAL_CAPACITY);
  lng = new Float64Array(INITIAL_CAPACITY);
  groupBits = new Uint16Array(INITIAL_CAPACITY);
  needBits = new Uint8Array(INITIAL_CAPACITY);
  consent = new Uint8Array(INITIAL_CAPACITY);
  maxTravel = new Float64Array(INITIAL_CAPACITY);
  availabilityHours = new Uint32Array(INITIAL_CAPACITY * HOUR_WORDS);
  breakHours = new Uint32Array(INITIAL_CAPACITY * HOUR_WORDS);
  private cell = new Float64Array(INITIAL_CAPACITY);
  private positionInCell = new Int32Array(INITIAL_CAPACITY);

  get size(): number {
    return this.count;
  }

  has(id: string): boolean {
    return this.slotOfId.has(id);
  }

  get(id: string): IndexedPerson | undefined {
    const slot = this.slotOfId.get(id);
    return slot === undefined ? undefined : this.people[slot];
  }

  person(slot: number): IndexedPerson {
    return this.people[slot] as IndexedPerson;
  }

  /** Adds a person, or replaces what the index holds of them. */
  upsert(profile: CandidateProfile): void {
    this.remove(profile.id);
    const slot = this.freeSlots.pop() ?? this.grow();
    this.slotOfId.set(profile.id, slot);
    this.count++;
    const availability = weekIntervals(profile.availability);
    const breaks = windowPieces(profile.breaks);
    this.people[slot] = {
      id: profile.id,
      groups: profile.groups,
      skills: profile.skills,
      waitingSince: profile.waitingSince,
      maxTravelKm: profile.maxTravelKm,
      availability: packIntervals(availability),
      breaks,
    };
    this.lat[slot] = profile.location.lat;
    this.lng[slot] = profile.location.lng;
    this.groupBits[slot] = groupMask(profile.groups);
    this.needBits[slot] = needMask(profile.accessibilityNeeds);
    this.consent[slot] = profile.consentContact ? 1 : 0;
    this.maxTravel[slot] = profile.maxTravelKm ?? Number.POSITIVE_INFINITY;
    this.availabilityHours.fill(0, slot * HOUR_WORDS, (slot + 1) * HOUR_WORDS);
    hourBits(availability, this.availabilityHours, slot * HOUR_WORDS);
    this.breakHours.fill(0, slot * HOUR_WORDS, (slot + 1) * HOUR_WORDS);
    hourBits(breaks.flat(), this.breakHours, slot * HOUR_WORDS);
    const key = cellKey(profile.location.lat, profile.location.lng);
    let members = this.cells.get(key);
    if (members === undefined) this.cells.set(key, (members = []));
    this.cell[slot] = key;
    this.positionInCell[slot] = members.length;
    members.push(slot);
  }

  remove(id: string): boolean {
    const slot = this.slotOfId.get(id);
    if (slot === undefined) return false;
    const members = this.cells.get(this.cell[slot]) as number[];
    const position = this.positionInCell[slot];
    const last = members.pop() as number;
    if (last !== slot) {
      members[position] = last;
      this.positionInCell[last] = position;
    }
    if (members.length === 0) this.cells.delete(this.cell[slot]);
    this.slotOfId.delete(id);
    this.people[slot] = undefined;
    this.consent[slot] = 0;
    this.freeSlots.push(slot);
    this.count--;
    return true;
  }

  /** Calls `visit` with the slot of every person who may be within `radiusKm` of the point. */
  forEachNear(lat: number, lng: number, radiusKm: number, visit: (slot: number) => void): void {
    const keys = cellsWithin(lat, lng, radiusKm);
    if (keys === undefined || keys.length > this.cells.size) {
      for (const members of this.cells.values()) for (let i = 0; i < members.length; i++) visit(members[i]);
      return;
    }
    for (const key of keys) {
      const members = this.cells.get(key);
      if (members !== undefined) for (let i = 0; i < members.length; i++) visit(members[i]);
    }
  }

  private grow(): number {
    if (this.people.length < this.capacity) {
      this.people.push(undefined);
      return this.people.length - 1;
    }
    const capacity = this.capacity * 2;
    const grown = <T extends Float64Array | Uint16Array | Uint8Array | Uint32Array | Int32Array>(old: T, per = 1): T => {
      const next = new (old.constructor as new (length: number) => T)(capacity * per);
      next.set(old);
      return next;
    };
    this.lat = grown(this.lat);
    this.lng = grown(this.lng);
    this.groupBits = grown(this.groupBits);
    this.needBits = grown(this.needBits);
    this.consent = grown(this.consent);
    this.maxTravel = grown(this.maxTravel);
    this.availabilityHours = grown(this.availabilityHours, HOUR_WORDS);
    this.breakHours = grown(this.breakHours, HOUR_WORDS);
    this.cell = grown(this.cell);
    this.positionInCell = grown(this.positionInCell);
    this.capacity = capacity;
    this.people.push(undefined);
    return this.people.length - 1;
  }
}
