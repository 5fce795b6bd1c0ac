import { CountHints } from './count-hints';
import { MatchingEngine } from './engine';
import { InMemoryProposalStore } from './in-memory-proposal-store';
import { LAST_MINUTE_LEAD_MINUTES, asOfferedLastMinute, lastMinuteOccurrences, onStandbyFor } from './last-minute';
import { misfitsOfOffer } from './misfits';
import { DEFAULT_MATCHING_POLICY } from './policy';
import { Proposer } from './proposals';
import type { CandidateProfile, SlotOffer } from './rules';

/** A Tuesday, 15:00 in Shanghai. */
const NOW = Date.parse('2026-11-24T15:00:00+08:00');
const TIME_ZONE = 'Asia/Shanghai';
const MINUTE = 60_000;
const DAY_MS = 86_400_000;
const CENTRE = { lat: 31.27, lng: 121.55 };
const KM = 1 / 111.2;
const at = (clock: string) => Date.parse(`2026-11-24T${clock}:00+08:00`);

/** A rider at the centre whose break (mornings) meets no afternoon slot. */
function person(id: string, waitingDays: number, overrides: Partial<CandidateProfile> = {}): CandidateProfile {
  return {
    id,
    groups: ['rider'],
    skills: [],
    location: CENTRE,
    maxTravelKm: 5,
    availability: [],
    breaks: [{ day: 2, start: '08:00', end: '09:00' }],
    accessibilityNeeds: [],
    consentJobs: true,
    consentBenefits: true,
    takesJobProposals: true,
    waitingSince: NOW - waitingDays * DAY_MS,
    ...overrides,
  };
}

/** A canteen's Tuesday afternoon tea, 15:20-16:20, for riders: it starts in 20 minutes. */
function tea(overrides: Partial<SlotOffer> = {}): SlotOffer {
  return {
    id: 'tea',
    accepting: true,
    eligibleGroups: ['rider'],
    location: CENTRE,
    radiusKm: 3,
    windows: [{ day: 2, start: '15:20', end: '16:20' }],
    accessibilityFeatures: [],
    capacity: 2,
    ...overrides,
  };
}

describe('the occurrences offered at the last minute', () => {
  it('are those starting within the lead time, not running ones, nor later ones, nor stays; soonest first', () => {
    const slot = tea({
      windows: [
        { day: 2, start: '15:20', end: '16:20' },
        { day: 2, start: '15:40', end: '16:00' },
        { day: 2, start: '14:30', end: '15:30' },
      ],
      occurrences: [
        { startsAt: at('15:10'), endsAt: at('15:50'), window: { day: 2, start: '15:10', end: '15:50' } },
        { startsAt: at('15:15'), endsAt: at('15:15') + 2 * DAY_MS, stay: { start: 1 * 1440 + 915, end: 3 * 1440 + 915 } },
      ],
    });
    const due = lastMinuteOccurrences(slot, NOW, TIME_ZONE);
    expect(LAST_MINUTE_LEAD_MINUTES).toBe(30);
    expect(due.map((occurrence) => [occurrence.startsAt.getTime(), occurrence.endsAt.getTime()])).toEqual([
      [at('15:10'), at('15:50')],
      [at('15:20'), at('16:20')],
    ]);
    expect(due[1].window).toEqual({ day: 2, start: '15:20', end: '16:20' });
    // Exactly at the lead time it is due; a minute after the start it is not any more.
    expect(lastMinuteOccurrences(tea({ windows: [{ day: 2, start: '15:30', end: '16:00' }] }), NOW, TIME_ZONE)).toHaveLength(1);
    expect(lastMinuteOccurrences(tea(), at('15:21'), TIME_ZONE)).toEqual([]);
  });

  it('judge a person on standby with the occurrence as their break, and nothing else changed', () => {
    const profile = person('p', 3);
    expect(onStandbyFor(profile, { window: { day: 2, start: '15:20', end: '16:20' } })).toEqual({
      ...profile,
      breaks: [{ day: 2, start: '15:20', end: '16:20' }],
    });
  });
});

describe('a last-minute offer re-checked when its slot changes', () => {
  it('still fits while the slot has its occurrence, and not once the slot moved it or the person moved away', () => {
    const profile = person('p', 3);
    const offered = asOfferedLastMinute(profile, { startsAt: new Date(at('15:20')), endsAt: new Date(at('16:20')) }, TIME_ZONE);
    expect(offered.breaks).toEqual([{ day: 2, start: '15:20', end: '16:20' }]);
    const far = asOfferedLastMinute(
      person('far', 3, { location: { lat: CENTRE.lat + 4 * KM, lng: CENTRE.lng } }),
      { startsAt: new Date(at('15:20')), endsAt: new Date(at('16:20')) },
      TIME_ZONE,
    );
    const proposals = [
      { matchId: 'm1', person: offered },
      { matchId: 'm2', person: far },
    ];
    expect(misfitsOfOffer({ kind: 'slot', offer: tea() }, proposals, DEFAULT_MATCHING_POLICY)).toEqual(['m2']);
    expect(misfitsOfOffer({ kind: 'slot', offer: tea({ windows: [{ day: 2, start: '18:00', end: '19:00' }] }) }, proposals, DEFAULT_MATCHING_POLICY)).toEqual([
      'm1',
      'm2',
    ]);
  });
});

describe('last-minute offers to people on standby', () => {
  function world() {
    let now = NOW;
    const clock = () => now;
    const engine = new MatchingEngine(DEFAULT_MATCHING_POLICY);
    const store = new InMemoryProposalStore(clock);
    const counts = { perCandidate: new CountHints(5_000, clock), perOpening: new CountHints(5_000, clock), perSlot: new CountHints(5_000, clock) };
    const proposer = new Proposer(engine, counts, store, { timeZone: TIME_ZONE, clock });
    return {
      store,
      proposer,
      advance: (ms: number) => (now += ms),
      register: (...people: CandidateProfile[]) => {
        for (const profile of people) store.people.set(profile.id, { profile, caseworkerId: `cw-of-${profile.id}`, active: true });
        return people;
      },
    };
  }

  it('fill the free seats of the occurrence about to start, in rotation order, among those who fit but for their break', async () => {
    const w = world();
    const standby = w.register(
      person('offered-long-ago', 90),
      person('never-offered', 10),
      person('never-offered-2', 5),
      person('too-far', 100, { location: { lat: CENTRE.lat + 4 * KM, lng: CENTRE.lng } }),
      person('no-benefits', 100, { consentBenefits: false }),
      person('office-worker', 100, { groups: ['flexible'] }),
    );
    w.store.slots.set('tea', tea({ capacity: 3 }));
    w.store.seedMatch({ id: 'last-week', kind: 'slot', offerId: 'tea', candidateId: 'offered-long-ago', status: 'expired', createdAt: NOW - 7 * DAY_MS });
    // One seat of today's occurrence is taken by a regular offer still open.
    w.store.seedMatch({
      id: 'regular',
      kind: 'slot',
      offerId: 'tea',
      candidateId: 'regular',
      status: 'proposed',
      occurrenceStartsAt: new Date(at('15:20')),
      expiresAt: new Date(at('16:20')),
    });

    const written = await w.proposer.offerLastMinute('tea', standby, 'c1');

    const offers = w.store.matchesOf('tea').filter((match) => match.lastMinute === true);
    expect(offers.map((offer) => offer.candidateId)).toEqual(['never-offered', 'never-offered-2']);
    expect(written).toEqual(offers.map((offer) => offer.id));
    for (const offer of offers) {
      expect(offer.occurrenceStartsAt?.getTime()).toBe(at('15:20'));
      expect(offer.expiresAt?.getTime()).toBe(at('16:20'));
      expect(offer.redemptionCode).toMatch(/^[A-Z2-9]{8}$/);
    }
    expect(w.store.announcements).toEqual([{ kind: 'slot', offerId: 'tea', matchIds: written }]);

    // Swept again: every seat is held, nobody is offered anything.
    expect(await w.proposer.offerLastMinute('tea', standby, 'c2')).toEqual([]);

    // A seat frees (an offer withdrawn): the next in rotation gets it; the one it was withdrawn from is not offered the occurrence again.
    w.store.move(offers[0].id, 'withdrawn');
    w.advance(MINUTE);
    const again = await w.proposer.offerLastMinute('tea', standby, 'c3');
    expect(again).toHaveLength(1);
    expect(w.store.matchesOf('tea').find((match) => match.id === again[0])?.candidateId).toBe('offered-long-ago');
  });

  it('offer nothing before the lead time, after the start, or for a slot no longer accepting', async () => {
    const w = world();
    const standby = w.register(person('p', 3));
    w.store.slots.set('tea', tea({ windows: [{ day: 2, start: '16:00', end: '17:00' }] }));
    expect(await w.proposer.offerLastMinute('tea', standby, 'c1')).toEqual([]);
    w.store.slots.set('tea', tea({ accepting: false }));
    expect(await w.proposer.offerLastMinute('tea', standby, 'c2')).toEqual([]);
    w.store.slots.set('tea', tea());
    w.advance(25 * MINUTE);
    expect(await w.proposer.offerLastMinute('tea', standby, 'c3')).toEqual([]);
    expect(w.store.matches).toEqual([]);
  });
});
