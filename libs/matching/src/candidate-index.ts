import {
  ACCESSIBILITY_FEATURES,
  type AccessibilityFeature,
  type GeoPoint,
  TARGET_GROUPS,
  type TargetGroup,
  type WeekInterval,
  weekIntervals,
} from '@huigong/domain';
import { cellKey, cellsWithin, nearestKmToCell } from './grid';
import type { CandidateProfile } from './rules';
import { HOUR_WORDS, hourBits } from './week-bits';

export function groupMask(groups: readonly TargetGroup[]): number {
  let mask = 0;
  for (const group of groups) mask |= 1 << TARGET_GROUPS.indexOf(group);
  return mask;
}

export function groupsOfMask(mask: number): TargetGroup[] {
  return TARGET_GROUPS.filter((_, bit) => (mask & (1 << bit)) !== 0);
}

export function needMask(needs: readonly AccessibilityFeature[]): number {
  let mask = 0;
  for (const need of needs) mask |= 1 << ACCESSIBILITY_FEATURES.indexOf(need);
  return mask;
}

const INITIAL_CAPACITY = 1024;

/** A growable pool of 16-bit numbers; each person owns a run of it (offset, length). */
class Pool {
  data = new Uint16Array(4096);
  used = 0;
  garbage = 0;

  append(values: ArrayLike<number>): number {
    if (this.used + values.length > this.data.length) {
      const next = new Uint16Array(Math.max(this.data.length * 2, this.used + values.length));
      next.set(this.data.subarray(0, this.used));
      this.data = next;
    }
    const offset = this.used;
    this.data.set(values, offset);
    this.used += values.length;
    return offset;
  }
}

/** Bits of CandidateIndex.proposable: slot offers (benefits) may be made; job openings may be proposed. */
export const PROPOSE_SLOTS = 1;
export const PROPOSE_JOBS = 2;

/**
 * Every person who may be matched, kept in memory for the matcher: a grid of cells for place, and
 * typed arrays for everything a scan reads (position, groups and needs as bitmasks, what may be proposed, travel
 * limit, waiting time, hours of the week as bits), with availability, breaks and skills packed in
 * pools of 16-bit numbers. One offer costs the people near it, not the pool; a million people fit in a
 * few hundred megabytes.
 */
export class CandidateIndex {
  /** Rewrite the pools once this many stale entries have piled up (and they are half the pool). */
  constructor(
    private readonly compactAfter = 1_000_000,
    /** Whether a place belongs in this index (a region matcher's area and border); a person elsewhere is removed. */
    private readonly admits: (place: GeoPoint) => boolean = () => true,
  ) {}

  private capacity = INITIAL_CAPACITY;
  private count = 0;
  private readonly slotOfId = new Map<string, number>();
  private readonly freeSlots: number[] = [];
  private readonly cells = new Map<number, number[]>();
  private readonly skillIds = new Map<string, number>();
  readonly skillNames: string[] = [];
  /** Availability, merged, as [start, end, ...] minutes of the week. */
  readonly availability = new Pool();
  /** Breaks, each window on its own: [pieces, start, end, (start, end)] per window. */
  readonly breaks = new Pool();
  /** Interned, lower-cased skill ids. */
  readonly skills = new Pool();

  ids: (string | undefined)[] = [];
  lat = new Float64Array(INITIAL_CAPACITY);
  lng = new Float64Array(INITIAL_CAPACITY);
  groupBits = new Uint16Array(INITIAL_CAPACITY);
  needBits = new Uint8Array(INITIAL_CAPACITY);
  /** What may be proposed to each person, as PROPOSE_* bits: 0 for nothing (no consent). */
  proposable = new Uint8Array(INITIAL_CAPACITY);
  maxTravel = new Float64Array(INITIAL_CAPACITY);
  waitingSince = new Float64Array(INITIAL_CAPACITY);
  availabilityHours = new Uint32Array(INITIAL_CAPACITY * HOUR_WORDS);
  breakHours = new Uint32Array(INITIAL_CAPACITY * HOUR_WORDS);
  availabilityAt = new Int32Array(INITIAL_CAPACITY);
  availabilityLength = new Uint16Array(INITIAL_CAPACITY);
  breaksAt = new Int32Array(INITIAL_CAPACITY);
  breaksLength = new Uint16Array(INITIAL_CAPACITY);
  skillsAt = new Int32Array(INITIAL_CAPACITY);
  skillsLength = new Uint8Array(INITIAL_CAPACITY);
  /** One bit per skill id modulo 32: a clear bit proves the person lacks the skill. */
  skillBloom = new Uint32Array(INITIAL_CAPACITY);
  private cell = new Float64Array(INITIAL_CAPACITY);
  private positionInCell = new Int32Array(INITIAL_CAPACITY);

  get size(): number {
    return this.count;
  }

  has(id: string): boolean {
    return this.slotOfId.has(id);
  }

  slotOf(id: string): number | undefined {
    return this.slotOfId.get(id);
  }

  /** The interned id of a skill (lower-cased), or -1 when no person has it. */
  skillId(skill: string): number {
    return this.skillIds.get(skill.toLowerCase()) ?? -1;
  }

  /** Whether the person at `slot` has the interned skill. */
  hasSkill(slot: number, skill: number): boolean {
    const at = this.skillsAt[slot];
    for (let i = 0; i < this.skillsLength[slot]; i++) if (this.skills.data[at + i] === skill) return true;
    return false;
  }

  skillsOf(slot: number): string[] {
    const at = this.skillsAt[slot];
    return Array.from(this.skills.data.subarray(at, at + this.skillsLength[slot]), (id) => this.skillNames[id]);
  }

  /** Each break window of the person, as week intervals. */
  breakPieces(slot: number): WeekInterval[][] {
    const data = this.breaks.data;
    const end = this.breaksAt[slot] + this.breaksLength[slot];
    const windows: WeekInterval[][] = [];
    for (let at = this.breaksAt[slot]; at < end;) {
      const pieces = data[at++];
      const window: WeekInterval[] = [];
      for (let p = 0; p < pieces; p++, at += 2) window.push({ start: data[at], end: data[at + 1] });
      windows.push(window);
    }
    return windows;
  }

  /** Adds a person, or replaces what the index holds of them. */
  upsert(profile: CandidateProfile): void {
    this.remove(profile.id);
    if (!this.admits(profile.location)) return;
    const slot = this.freeSlots.pop() ?? this.grow();
    this.slotOfId.set(profile.id, slot);
    this.count++;
    this.ids[slot] = profile.id;
    this.lat[slot] = profile.location.lat;
    this.lng[slot] = profile.location.lng;
    this.groupBits[slot] = groupMask(profile.groups);
    this.needBits[slot] = needMask(profile.accessibilityNeeds);
    this.proposable[slot] = (profile.consentBenefits ? PROPOSE_SLOTS : 0) | (profile.consentJobs && profile.takesJobProposals ? PROPOSE_JOBS : 0);
    this.maxTravel[slot] = profile.maxTravelKm ?? Number.POSITIVE_INFINITY;
    this.waitingSince[slot] = profile.waitingSince;

    const availability = weekIntervals(profile.availability);
    const packedAvailability: number[] = [];
    for (const { start, end } of availability) packedAvailability.push(start, end);
    this.availabilityAt[slot] = this.availability.append(packedAvailability);
    this.availabilityLength[slot] = packedAvailability.length;
    this.availabilityHours.fill(0, slot * HOUR_WORDS, (slot + 1) * HOUR_WORDS);
    hourBits(availability, this.availabilityHours, slot * HOUR_WORDS);

    const packedBreaks: number[] = [];
    const breakPieces: WeekInterval[] = [];
    for (const window of profile.breaks) {
      const pieces = weekIntervals([window]);
      packedBreaks.push(pieces.length);
      for (const piece of pieces) packedBreaks.push(piece.start, piece.end);
      breakPieces.push(...pieces);
    }
    this.breaksAt[slot] = this.breaks.append(packedBreaks);
    this.breaksLength[slot] = packedBreaks.length;
    this.breakHours.fill(0, slot * HOUR_WORDS, (slot + 1) * HOUR_WORDS);
    hourBits(breakPieces, this.breakHours, slot * HOUR_WORDS);

    const skillIds = profile.skills.map((skill) => this.intern(skill));
    this.skillsAt[slot] = this.skills.append(skillIds);
    this.skillsLength[slot] = skillIds.length;
    let bloom = 0;
    for (const id of skillIds) bloom |= 1 << (id & 31);
    this.skillBloom[slot] = bloom;

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
    this.availability.garbage += this.availabilityLength[slot];
    this.breaks.garbage += this.breaksLength[slot];
    this.skills.garbage += this.skillsLength[slot];
    this.slotOfId.delete(id);
    this.ids[slot] = undefined;
    this.proposable[slot] = 0;
    this.freeSlots.push(slot);
    this.count--;
    const garbage = this.availability.garbage + this.breaks.garbage + this.skills.garbage;
    if (garbage > this.compactAfter && garbage > (this.availability.used + this.breaks.used + this.skills.used) / 2) this.compact();
    return true;
  }

  /**
   * The cells near a point, nearest first, each with a lower bound of the great-circle distance from the
   * point to anything in it: a top-k scan fills with strong candidates early and can stop at the first
   * cell too far to hold anyone better.
   */
  cellsNear(lat: number, lng: number, radiusKm: number): { members: number[]; nearestKm: number }[] {
    const keys = cellsWithin(lat, lng, radiusKm);
    if (keys === undefined || keys.length > this.cells.size) return [...this.cells.values()].map((members) => ({ members, nearestKm: 0 }));
    const found: { members: number[]; nearestKm: number }[] = [];
    for (const key of keys) {
      const members = this.cells.get(key);
      if (members !== undefined) found.push({ members, nearestKm: nearestKmToCell(key, lat, lng) });
    }
    return found.sort((a, b) => a.nearestKm - b.nearestKm);
  }

  /**
   * Re-lays every array and pool out in cell order, so that the people of one cell sit side by side in
   * memory and a scan reads it sequentially instead of missing the cache on every person. Costs about a
   * second per million people; run after a bulk load and, now and then, after many changes.
   */
  relayout(): void {
    const order: number[] = [];
    const keys = [...this.cells.keys()].sort((a, b) => a - b);
    for (const key of keys) for (const slot of this.cells.get(key) as number[]) order.push(slot);
    // Room to grow: the next upserts must not pay for doubling every array.
    const capacity = Math.max(INITIAL_CAPACITY, Math.ceil(order.length * 1.25));
    const moved = <T extends Float64Array | Uint16Array | Uint8Array | Uint32Array | Int32Array>(old: T, per = 1): T => {
      const next = new (old.constructor as new (length: number) => T)(capacity * per);
      for (let to = 0; to < order.length; to++) {
        const from = order[to];
        if (per === 1) next[to] = old[from];
        else for (let w = 0; w < per; w++) next[to * per + w] = old[from * per + w];
      }
      return next;
    };
    const repool = (pool: Pool, at: Int32Array, length: Uint16Array | Uint8Array) => {
      const fresh = new Pool();
      const newAt = new Int32Array(capacity);
      for (let to = 0; to < order.length; to++) {
        const from = order[to];
        newAt[to] = fresh.append(pool.data.subarray(at[from], at[from] + length[from]));
      }
      pool.data = fresh.data;
      pool.used = fresh.used;
      pool.garbage = 0;
      return newAt;
    };
    this.availabilityAt = repool(this.availability, this.availabilityAt, this.availabilityLength);
    this.breaksAt = repool(this.breaks, this.breaksAt, this.breaksLength);
    this.skillsAt = repool(this.skills, this.skillsAt, this.skillsLength);
    this.lat = moved(this.lat);
    this.lng = moved(this.lng);
    this.groupBits = moved(this.groupBits);
    this.needBits = moved(this.needBits);
    this.proposable = moved(this.proposable);
    this.maxTravel = moved(this.maxTravel);
    this.waitingSince = moved(this.waitingSince);
    this.availabilityHours = moved(this.availabilityHours, HOUR_WORDS);
    this.breakHours = moved(this.breakHours, HOUR_WORDS);
    this.availabilityLength = moved(this.availabilityLength);
    this.breaksLength = moved(this.breaksLength);
    this.skillsLength = moved(this.skillsLength);
    this.skillBloom = moved(this.skillBloom);
    this.cell = moved(this.cell);
    this.ids = order.map((from) => this.ids[from]);
    this.positionInCell = new Int32Array(capacity);
    let to = 0;
    for (const key of keys) {
      const members = this.cells.get(key) as number[];
      for (let position = 0; position < members.length; position++, to++) {
        members[position] = to;
        this.positionInCell[to] = position;
      }
    }
    for (let slot = 0; slot < this.ids.length; slot++) this.slotOfId.set(this.ids[slot] as string, slot);
    this.freeSlots.length = 0;
    this.capacity = capacity;
  }

  private intern(skill: string): number {
    const name = skill.toLowerCase();
    let id = this.skillIds.get(name);
    if (id === undefined) {
      id = this.skillNames.length;
      this.skillIds.set(name, id);
      this.skillNames.push(name);
    }
    return id;
  }

  /** Rewrites the pools without the runs of removed or replaced people. */
  private compact(): void {
    const rewrite = (pool: Pool, at: Int32Array, length: Uint16Array | Uint8Array) => {
      const fresh = new Pool();
      for (const slot of this.slotOfId.values()) at[slot] = fresh.append(pool.data.subarray(at[slot], at[slot] + length[slot]));
      pool.data = fresh.data;
      pool.used = fresh.used;
      pool.garbage = 0;
    };
    rewrite(this.availability, this.availabilityAt, this.availabilityLength);
    rewrite(this.breaks, this.breaksAt, this.breaksLength);
    rewrite(this.skills, this.skillsAt, this.skillsLength);
  }

  private grow(): number {
    if (this.ids.length < this.capacity) {
      this.ids.push(undefined);
      return this.ids.length - 1;
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
    this.proposable = grown(this.proposable);
    this.maxTravel = grown(this.maxTravel);
    this.waitingSince = grown(this.waitingSince);
    this.availabilityHours = grown(this.availabilityHours, HOUR_WORDS);
    this.breakHours = grown(this.breakHours, HOUR_WORDS);
    this.availabilityAt = grown(this.availabilityAt);
    this.availabilityLength = grown(this.availabilityLength);
    this.breaksAt = grown(this.breaksAt);
    this.breaksLength = grown(this.breaksLength);
    this.skillsAt = grown(this.skillsAt);
    this.skillsLength = grown(this.skillsLength);
    this.skillBloom = grown(this.skillBloom);
    this.cell = grown(this.cell);
    this.positionInCell = grown(this.positionInCell);
    this.capacity = capacity;
    this.ids.push(undefined);
    return this.ids.length - 1;
  }
}
