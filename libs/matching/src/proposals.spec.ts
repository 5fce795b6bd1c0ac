import type { WeeklyWindow } from '@huigong/domain';
import { CountHints } from './count-hints';
import { MatchingEngine } from './engine';
import { InMemoryProposalStore } from './in-memory-proposal-store';
import { DEFAULT_MATCHING_POLICY, type MatchingPolicy, slotOfferLimit } from './policy';
import { REDEMPTION_CODE_ALPHABET, Proposer, redemptionCode, offeredOccurrence } from './proposals';
import type { CandidateProfile, OpeningOffer, SlotOffer } from './rules';

/** A Tuesday, 15:00 in Shanghai. */
const NOW = Date.parse('2026-11-24T15:00:00+08:00');
const TIME_ZONE = 'Asia/Shanghai';
const DAY_MS = 86_400_000;
const CENTRE = { lat: 31.27, lng: 121.55 };
/** About a kilometre of latitude. */
const KM = 1 / 111.2;
/** A small shortlist (3 for one position) and cap (2 open job matches), so that every case fits on a page. */
const POLICY: MatchingPolicy = { ...DEFAULT_MATCHING_POLICY, shortlist: { min: 3, perPosition: 3, max: 200 }, maxOpenJobMatchesPerPerson: 2 };
const CAP = POLICY.maxOpenJobMatchesPerPerson;
const SHORTLIST = 3;

const weekdays = (start: string, end: string): WeeklyWindow[] => [1, 2, 3, 4, 5].map((day) => ({ day, start, end }));
const CODE = new RegExp(`^[${REDEMPTION_CODE_ALPHABET}]{8}$`);

/** A rider at the centre, free on weekdays, lunch break 11:30-14:30; `waitingDays` orders people (longer first). */
function person(id: string, waitingDays: number, overrides: Partial<CandidateProfile> = {}): CandidateProfile {
  return {
    id,
    groups: ['rider'],
    skills: ['cooking'],
    location: CENTRE,
    maxTravelKm: 10,
    availability: weekdays('08:00', '18:00'),
    breaks: weekdays('11:30', '14:30'),
    accessibilityNeeds: [],
    consentJobs: true,
    consentBenefits: true,
    takesJobProposals: true,
    waitingSince: NOW - waitingDays * DAY_MS,
    ...overrides,
  };
}

/** A cook's job for riders, weekdays 09:00-17:00, one position; `km` north of the centre. */
function opening(id: string, km = 0, overrides: Partial<OpeningOffer> = {}): OpeningOffer {
  return {
    id,
    accepting: true,
    targetGroups: ['rider'],
    skills: ['cooking'],
    location: { lat: CENTRE.lat + km * KM, lng: CENTRE.lng },
    radiusKm: 5,
    shifts: weekdays('09:00', '17:00'),
    accessibilityFeatures: [],
    positions: 1,
    ...overrides,
  };
}

/** A canteen's weekday lunch for riders, one seat. */
function slot(id: string, overrides: Partial<SlotOffer> = {}): SlotOffer {
  return {
    id,
    accepting: true,
    eligibleGroups: ['rider'],
    location: CENTRE,
    radiusKm: 5,
    windows: weekdays('12:00', '14:00'),
    accessibilityFeatures: [],
    capacity: 1,
    ...overrides,
  };
}

/** A matcher's engine, counts and proposer on an in-memory store, at a clock the test moves. */
function world() {
  let now = NOW;
  const clock = () => now;
  const engine = new MatchingEngine(POLICY);
  const store = new InMemoryProposalStore(clock);
  const counts = { perCandidate: new CountHints(5_000, clock), perOpening: new CountHints(5_000, clock), perSlot: new CountHints(5_000, clock) };
  const proposer = new Proposer(engine, counts, store, { timeZone: TIME_ZONE, clock });
  return {
    engine,
    store,
    proposer,
    advance(ms: number) {
      now += ms;
    },
    register(...people: CandidateProfile[]) {
      for (const profile of people) {
        store.people.set(profile.id, { profile, caseworkerId: `cw-of-${profile.id}`, active: true });
        engine.people.upsert(profile);
      }
    },
    post(...openings: OpeningOffer[]) {
      for (const offer of openings) {
        store.openings.set(offer.id, offer);
        engine.openings.upsert(offer);
      }
    },
    publish(...slots: SlotOffer[]) {
      for (const offer of slots) {
        store.slots.set(offer.id, offer);
        engine.slots.upsert(offer);
      }
    },
    /** Gives a person `count` open job matches on openings elsewhere (which this matcher's counts do not know of). */
    holding(candidateId: string, count: number): string[] {
      return Array.from(
        { length: count },
        (_, i) => store.seedMatch({ id: `${candidateId}-held-${i}`, kind: 'opening', offerId: `elsewhere-${i}`, candidateId, status: 'proposed' }).id,
      );
    },
  };
}

describe('redemption codes', () => {
  it('are 8 characters without look-alikes (no 0/O, no 1/I), a new one each time', () => {
    const codes = Array.from({ length: 2_000 }, () => redemptionCode());
    for (const code of codes) {
      expect(code).toMatch(CODE);
      expect(code).not.toMatch(/[0O1I]/);
    }
    expect(new Set(codes).size).toBe(codes.length);
  });
});

describe('an opening', () => {
  it('is proposed the best people who fit, as many as its shortlist holds, announced in one MatchesProposed', async () => {
    const w = world();
    w.register(person('p1', 90), person('p2', 80), person('p3', 70), person('p4', 60), person('veteran', 100, { groups: ['veteran'] }));
    w.post(opening('o1'));

    const written = await w.proposer.proposeForOpening('o1', 'c1');

    expect(w.store.proposedFor('o1')).toEqual(['p1', 'p2', 'p3']);
    expect(w.store.announcements).toEqual([{ kind: 'opening', offerId: 'o1', matchIds: written, correlationId: 'c1' }]);
    expect(w.store.matchesOf('o1').map((match) => match.caseworkerId)).toEqual(['cw-of-p1', 'cw-of-p2', 'cw-of-p3']);
  });

  it('posted together with others, fills each in one transaction, each announced with its own request, and caps hold across them', async () => {
    const w = world();
    // Four people for three openings of three places each: with a cap of 2, nobody may be on all three.
    w.register(person('p1', 90), person('p2', 80), person('p3', 70), person('p4', 60));
    w.post(opening('o1'), opening('o2'), opening('o3'));
    const before = w.store.transactions;

    const written = await w.proposer.proposeForOpenings([
      { openingId: 'o2', correlationId: 'request-2' },
      { openingId: 'o1', correlationId: 'request-1' },
      { openingId: 'o3', correlationId: 'request-3' },
    ]);

    expect(w.store.transactions - before).toBe(1);
    // In the order of their ids: o1 and o2 take the three who waited longest, o3 has only p4 left with room.
    expect(w.store.proposedFor('o1')).toEqual(['p1', 'p2', 'p3']);
    expect(w.store.proposedFor('o2')).toEqual(['p1', 'p2', 'p3']);
    expect(w.store.proposedFor('o3')).toEqual(['p4']);
    for (const id of ['p1', 'p2', 'p3', 'p4']) {
      expect(w.store.matches.filter((match) => match.candidateId === id && match.status === 'proposed').length).toBeLessThanOrEqual(CAP);
    }
    expect(w.store.announcements).toEqual([
      { kind: 'opening', offerId: 'o1', matchIds: written.get('o1'), correlationId: 'request-1' },
      { kind: 'opening', offerId: 'o2', matchIds: written.get('o2'), correlationId: 'request-2' },
      { kind: 'opening', offerId: 'o3', matchIds: written.get('o3'), correlationId: 'request-3' },
    ]);
  });

  it('posted together with one closed meanwhile, fills the others, and the engine forgets the closed one', async () => {
    const w = world();
    w.register(person('p1', 90), person('p2', 80));
    w.post(opening('o1'), opening('o2'));
    // Closed after this matcher heard of it: the locked row says so.
    w.store.openings.set('o2', opening('o2', 0, { accepting: false }));

    const written = await w.proposer.proposeForOpenings([
      { openingId: 'o1', correlationId: 'request-1' },
      { openingId: 'o2', correlationId: 'request-2' },
      { openingId: 'gone', correlationId: 'request-3' },
    ]);

    expect(w.store.proposedFor('o1')).toEqual(['p1', 'p2']);
    expect(written.get('o2')).toEqual([]);
    expect(written.get('gone')).toEqual([]);
    expect(w.engine.openings.get('o2')).toBeUndefined();
    expect(w.engine.openings.get('o1')).toBeDefined();
    expect(w.store.announcements.map((announcement) => announcement.offerId)).toEqual(['o1']);
  });

  it('fills only the room left on its shortlist, and never proposes someone it had a match with before', async () => {
    const w = world();
    w.register(person('p1', 90), person('p2', 80), person('p3', 70), person('p4', 60));
    w.post(opening('o1'));
    w.store.seedMatch({ id: 'declined', kind: 'opening', offerId: 'o1', candidateId: 'p1', status: 'declined' });
    w.store.seedMatch({ id: 'open', kind: 'opening', offerId: 'o1', candidateId: 'someone', status: 'interview' });

    await w.proposer.proposeForOpening('o1', 'c1');

    expect(w.store.proposedFor('o1')).toEqual(['someone', 'p2', 'p3']);
  });

  it('skips someone the locked rows show full, and proposes the next in line instead', async () => {
    const w = world();
    w.register(person('p1', 90), person('p2', 80), person('p3', 70), person('p4', 60), person('p5', 50));
    w.post(opening('o1'));
    // Another matcher gave p1 their last place a moment ago: this one's counts still say p1 holds none.
    w.holding('p1', CAP);

    await w.proposer.proposeForOpening('o1', 'c1');

    expect(w.store.proposedFor('o1')).toEqual(['p2', 'p3', 'p4']);
  });

  it('asks for the next in line three times at most; what it learned then lets the next proposal reach further', async () => {
    const w = world();
    const full = Array.from({ length: 3 * SHORTLIST }, (_, i) => person(`full-${i}`, 90 - i));
    w.register(...full, person('free', 10));
    w.post(opening('o1'));
    for (const profile of full) w.holding(profile.id, CAP);

    // Three rounds of three, all full on the locked rows: nothing is written this time.
    expect(await w.proposer.proposeForOpening('o1', 'c1')).toEqual([]);
    expect(w.store.announcements).toEqual([]);

    // The counts read under the locks keep the full people out of the engine's answer now.
    await w.proposer.proposeForOpening('o1', 'c2');
    expect(w.store.proposedFor('o1')).toEqual(['free']);
  });

  it('proposes no one once it is closed', async () => {
    const w = world();
    w.register(person('p1', 90));
    w.post(opening('o1', 0, { accepting: false }));

    expect(await w.proposer.proposeForOpening('o1', 'c1')).toEqual([]);
    expect(w.store.matches).toEqual([]);
  });
});

describe("a person's cap of open job matches", () => {
  it('keeps an opening from proposing someone who holds their cap', async () => {
    const w = world();
    w.register(person('p1', 90), person('p2', 80));
    w.holding('p1', CAP - 1);
    w.post(opening('o1'), opening('o2'));

    await w.proposer.proposeForOpening('o1', 'c1');
    await w.proposer.proposeForOpening('o2', 'c2');

    expect(w.store.proposedFor('o1')).toEqual(['p1', 'p2']);
    expect(w.store.proposedFor('o2')).toEqual(['p2']);
  });

  it('gives a new person their best openings up to their cap, where the locked rows show room on the shortlist', async () => {
    const w = world();
    w.register(person('newcomer', 30));
    w.post(opening('nearest', 0), opening('second', 1), opening('third', 2), opening('fourth', 3));
    // Another matcher filled the second's shortlist: this one's counts do not know yet.
    for (const other of ['a', 'b', 'c'])
      w.store.seedMatch({ id: `second-${other}`, kind: 'opening', offerId: 'second', candidateId: other, status: 'proposed' });

    await w.proposer.proposeForCandidate(person('newcomer', 30), 'c1');
    const first = w.store.matches.filter((match) => match.candidateId === 'newcomer').map((match) => match.offerId);
    // Their cap allowed the two best; the second had no room on its locked rows.
    expect(first).toEqual(['nearest']);

    // Now known full, the second no longer hides the third.
    await w.proposer.proposeForCandidate(person('newcomer', 30), 'c2');
    const all = w.store.matches.filter((match) => match.candidateId === 'newcomer').map((match) => match.offerId);
    expect(all).toEqual(['nearest', 'third']);
    expect(all).toHaveLength(CAP);
  });

  it('counts, on the locked rows, the matches another matcher gave the person after their history was read', async () => {
    const w = world();
    w.register(person('p1', 90));
    w.post(opening('nearest', 0), opening('second', 1));
    const readBefore = await w.store.candidateHistory('p1');
    w.holding('p1', CAP - 1);

    await w.proposer.proposeForCandidate(person('p1', 90), 'c1', readBefore);

    expect(w.store.matches.filter((match) => match.candidateId === 'p1' && !match.offerId.startsWith('elsewhere')).map((match) => match.offerId)).toEqual([
      'nearest',
    ]);
  });
});

describe('people registered together', () => {
  it('are given their offers in one transaction, in turn: an opening or a seat filled by one is full for the next, each announced with its own request', async () => {
    const w = world();
    // One position: a shortlist of 3. Two already proposed, so one place left; a canteen with one seat.
    w.post(opening('o1'));
    w.publish(slot('lunch'));
    for (const other of ['a', 'b']) w.store.seedMatch({ id: `o1-${other}`, kind: 'opening', offerId: 'o1', candidateId: other, status: 'proposed' });
    // The canteen's offers: one short of its limit.
    const seated = Array.from({ length: slotOfferLimit(1, POLICY) - 1 }, (_, i) => `seated-${i}`);
    for (const other of seated) w.store.seedMatch({ id: `lunch-${other}`, kind: 'slot', offerId: 'lunch', candidateId: other, status: 'proposed' });
    const first = person('first', 90);
    const second = person('second', 80);
    w.register(first, second);
    const before = w.store.transactions;

    await w.proposer.proposeForCandidates([
      { profile: first, correlationId: 'register-first' },
      { profile: second, correlationId: 'register-second' },
    ]);

    expect(w.store.transactions - before).toBe(1);
    expect(w.store.proposedFor('o1')).toEqual(['a', 'b', 'first']);
    expect(w.store.proposedFor('lunch')).toEqual([...seated, 'first']);
    const firstMatches = w.store.matches.filter((match) => match.candidateId === 'first').map((match) => match.id);
    expect(w.store.announcements).toEqual([
      { kind: 'opening', offerId: 'o1', matchIds: [firstMatches[0]], correlationId: 'register-first' },
      { kind: 'slot', offerId: 'lunch', matchIds: [firstMatches[1]], correlationId: 'register-first' },
    ]);
  });

  it('keep every cap: a person offered several openings in the group holds at most their cap', async () => {
    const w = world();
    w.post(opening('o1', 0), opening('o2', 1), opening('o3', 2));
    const people = [person('p1', 90), person('p2', 80), person('p3', 70)];
    w.register(...people);
    w.holding('p2', CAP - 1);

    await w.proposer.proposeForCandidates(people.map((profile) => ({ profile, correlationId: `register-${profile.id}` })));

    const open = (id: string) => w.store.matches.filter((match) => match.candidateId === id && match.status === 'proposed').length;
    expect(open('p1')).toBe(CAP);
    expect(open('p2')).toBe(CAP);
    expect(open('p3')).toBe(CAP);
    for (const id of ['o1', 'o2', 'o3']) expect(w.store.proposedFor(id).length).toBeLessThanOrEqual(SHORTLIST);
  });
});

describe('a slot', () => {
  it('is offered to as many workers as its offer limit allows (2 per seat), each offer with its own code', async () => {
    const w = world();
    w.register(...Array.from({ length: 6 }, (_, i) => person(`rider-${i}`, 90 - i)));
    w.publish(slot('lunch', { capacity: 2 }));

    await w.proposer.proposeForSlot('lunch', 'c1');

    const offers = w.store.matchesOf('lunch');
    expect(offers.map((offer) => offer.candidateId)).toEqual(['rider-0', 'rider-1', 'rider-2', 'rider-3']);
    for (const offer of offers) expect(offer.redemptionCode).toMatch(CODE);
    expect(new Set(offers.map((offer) => offer.redemptionCode)).size).toBe(4);
    expect(w.store.announcements).toHaveLength(1);
  });

  it('rotates: workers never offered it first, then those offered longest ago', async () => {
    const w = world();
    w.register(person('p1', 90), person('p2', 80), person('p3', 70), person('p4', 60));
    w.publish(slot('lunch'));
    w.store.seedMatch({ id: 'old', kind: 'slot', offerId: 'lunch', candidateId: 'p1', status: 'expired', createdAt: NOW - 3 * DAY_MS });
    w.store.seedMatch({ id: 'recent', kind: 'slot', offerId: 'lunch', candidateId: 'p2', status: 'expired', createdAt: NOW - DAY_MS });

    await w.proposer.proposeForSlot('lunch', 'c1');
    expect(w.store.proposedFor('lunch')).toEqual(['p3', 'p4']);

    // Those offers lapse an hour later; the seats go round to the ones who waited longest since their offer.
    w.advance(3_600_000);
    for (const offer of w.store.matchesOf('lunch', ['proposed'])) w.store.move(offer.id, 'expired');
    await w.proposer.proposeForSlot('lunch', 'c2');
    expect(w.store.proposedFor('lunch')).toEqual(['p1', 'p2']);
  });

  it('puts workers with repeated no-shows behind the others, never out: they get the seats nobody else is there for', async () => {
    const w = world();
    // The two waiting longest would come first; each let three offers of other meals expire this month.
    w.register(person('absent-1', 95), person('absent-2', 94), person('p3', 70), person('p4', 60));
    for (const candidateId of ['absent-1', 'absent-2'])
      for (let i = 0; i < 3; i++)
        w.store.seedMatch({
          id: `${candidateId}-missed-${i}`,
          kind: 'slot',
          offerId: `elsewhere-${i}`,
          candidateId,
          status: 'expired',
          statusReason: 'no_show',
          expiresAt: new Date(NOW - (i + 1) * DAY_MS),
        });
    // A third expired offer of p3 was of a full occurrence: not a no-show.
    w.store.seedMatch({
      id: 'full',
      kind: 'slot',
      offerId: 'elsewhere-0',
      candidateId: 'p3',
      status: 'expired',
      statusReason: 'occurrence_full',
      expiresAt: new Date(NOW - DAY_MS),
    });
    w.publish(slot('lunch'));

    await w.proposer.proposeForSlot('lunch', 'c1');
    expect(w.store.proposedFor('lunch')).toEqual(['p3', 'p4']);

    // A meal with room for everyone: the two are offered it too.
    w.publish(slot('dinner', { capacity: 2 }));
    await w.proposer.proposeForSlot('dinner', 'c2');
    expect(w.store.proposedFor('dinner').sort()).toEqual(['absent-1', 'absent-2', 'p3', 'p4']);
  });

  it('forgets no-shows older than the window', async () => {
    const w = world();
    w.register(person('absent-long-ago', 95), person('p2', 70), person('p3', 60));
    for (let i = 0; i < 3; i++)
      w.store.seedMatch({
        id: `missed-${i}`,
        kind: 'slot',
        offerId: `elsewhere-${i}`,
        candidateId: 'absent-long-ago',
        status: 'expired',
        statusReason: 'no_show',
        expiresAt: new Date(NOW - (POLICY.noShows.days + 1 + i) * DAY_MS),
      });
    w.publish(slot('lunch'));
    await w.proposer.proposeForSlot('lunch', 'c1');
    expect(w.store.proposedFor('lunch')).toEqual(['absent-long-ago', 'p2']);
  });

  it("offers hold until the end of the next window the worker's break meets, in the deployment's time zone", async () => {
    const w = world();
    w.register(person('p1', 90));
    // Lunch on weekdays, which the 11:30-14:30 break meets; supper on Tuesday, which it does not, ends sooner.
    w.publish(slot('canteen', { windows: [...weekdays('12:00', '14:00'), { day: 2, start: '18:00', end: '20:00' }] }));

    await w.proposer.proposeForSlot('canteen', 'c1');

    // Tuesday 15:00: today's lunch is over, so Wednesday's.
    expect(w.store.matchesOf('canteen')[0].expiresAt).toEqual(new Date('2026-11-25T14:00:00+08:00'));
  });
});

describe('slot offer expiry', () => {
  const lunchBreak = weekdays('11:30', '14:30');
  const breaks = (windows: WeeklyWindow[]) => {
    const engine = new MatchingEngine(POLICY);
    engine.people.upsert(person('p', 1, { breaks: windows }));
    return engine.breakPiecesOf('p');
  };

  it('is the end of the occurrence running now, when the break meets it', () => {
    const atLunch = Date.parse('2026-11-24T12:30:00+08:00');
    expect(offeredOccurrence(breaks(lunchBreak), { windows: weekdays('12:00', '14:00') }, atLunch, TIME_ZONE, POLICY)).toEqual({
      startsAt: new Date('2026-11-24T12:00:00+08:00'),
      endsAt: new Date('2026-11-24T14:00:00+08:00'),
    });
  });

  it('is none when no window meets the break by the minutes the policy asks', () => {
    // 14:15-15:00 overlaps the break by 15 minutes, under the 30 asked.
    expect(offeredOccurrence(breaks(lunchBreak), { windows: weekdays('14:15', '15:00') }, NOW, TIME_ZONE, POLICY)).toBeUndefined();
  });
});

describe('offer-side matching of newcomers', () => {
  it('writes only to the offers with room that one of them fits', async () => {
    const w = world();
    const newcomers = [person('n1', 90), person('n2', 80)];
    w.register(...newcomers);
    w.post(opening('room'), opening('full'), opening('veterans-only', 0, { targetGroups: ['veteran'] }), opening('far', 40));
    w.publish(slot('lunch'), slot('booked'));
    for (const other of ['a', 'b', 'c']) w.store.seedMatch({ id: `full-${other}`, kind: 'opening', offerId: 'full', candidateId: other, status: 'proposed' });
    for (const other of ['a', 'b']) w.store.seedMatch({ id: `booked-${other}`, kind: 'slot', offerId: 'booked', candidateId: other, status: 'proposed' });

    await w.proposer.matchPeopleOfferSide(newcomers, 'c1');

    expect(w.store.proposedFor('room')).toEqual(['n1', 'n2']);
    expect(w.store.proposedFor('lunch')).toEqual(['n1', 'n2']);
    expect(w.store.proposedFor('full')).toEqual(['a', 'b', 'c']);
    expect(w.store.proposedFor('booked')).toEqual(['a', 'b']);
    expect(w.store.announcements.map((announcement) => announcement.offerId)).toEqual(['room', 'lunch']);
    expect(w.store.transactions).toBe(2);
  });

  it("reads the newcomers' caps fresh: one who holds their cap already makes no offer write", async () => {
    const w = world();
    const newcomers = [person('n1', 90, { groups: ['rider', 'veteran'] }), person('n2', 80)];
    w.register(...newcomers);
    w.holding('n1', CAP);
    w.post(opening('room'), opening('veterans-only', 0, { targetGroups: ['veteran'] }));

    await w.proposer.matchPeopleOfferSide(newcomers, 'c1');

    expect(w.store.proposedFor('room')).toEqual(['n2']);
    expect(w.store.proposedFor('veterans-only')).toEqual([]);
    expect(w.store.transactions).toBe(1);
  });
});

describe('release', () => {
  it('offers someone who was full and has room again to the opening that waits for them', async () => {
    const w = world();
    w.register(person('p1', 90), person('p2', 80));
    const [held] = w.holding('p1', CAP);
    w.post(opening('o1'));
    await w.proposer.proposeForOpening('o1', 'c1');
    expect(w.store.proposedFor('o1')).toEqual(['p2']);

    // One of p1's matches is withdrawn (its opening closed): their place on the cap is theirs again.
    await w.proposer.release(w.store.move(held, 'withdrawn'), 'c2');

    expect(w.store.proposedFor('o1')).toEqual(['p2', 'p1']);
  });

  it('offers someone whose job match a caseworker declined, when it frees their cap, to the openings that wait', async () => {
    const w = world();
    w.register(person('p1', 90));
    w.post(opening('elsewhere-0'), opening('elsewhere-1'), opening('o1'));
    const [first] = w.holding('p1', CAP);
    await w.proposer.proposeForOpening('o1', 'c1');
    expect(w.store.proposedFor('o1')).toEqual([]);

    w.store.move(first, 'declined');
    expect(await w.proposer.jobMatchMoved(first, 'elsewhere-0', 'c2')).toBe('p1');

    expect(w.store.proposedFor('o1')).toEqual(['p1']);
    // The opening it was declined for does not propose them again.
    expect(w.store.proposedFor('elsewhere-0')).toEqual([]);
  });

  it('leaves alone a move that frees no place (a match moving forward)', async () => {
    const w = world();
    w.register(person('p1', 90));
    w.post(opening('o1'));
    const [id] = await w.proposer.proposeForOpening('o1', 'c1');

    w.store.move(id, 'contacted');

    expect(await w.proposer.jobMatchMoved(id, 'o1', 'c2')).toBeNull();
    expect(w.store.proposedFor('o1')).toEqual(['p1']);
  });
});
