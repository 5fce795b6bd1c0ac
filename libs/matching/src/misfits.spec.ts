import { misfitsOfOffer, misfitsOfPerson } from './misfits';
import { DEFAULT_MATCHING_POLICY } from './policy';
import type { CandidateProfile, OpeningOffer, SlotOffer } from './rules';

const DINGHAI_CANTEEN = { lat: 31.2705, lng: 121.549 };
const weekdays = (start: string, end: string) => [1, 2, 3, 4, 5].map((day) => ({ day, start, end }));

function person(id: string, overrides: Partial<CandidateProfile> = {}): CandidateProfile {
  return {
    id,
    groups: ['rider'],
    skills: ['cooking'],
    location: { lat: 31.275, lng: 121.545 },
    maxTravelKm: null,
    availability: weekdays('08:00', '18:00'),
    breaks: weekdays('12:45', '14:15'),
    accessibilityNeeds: [],
    consentJobs: true,
    consentBenefits: true,
    takesJobProposals: true,
    waitingSince: 0,
    ...overrides,
  };
}

const lunch: SlotOffer = {
  id: 'lunch',
  accepting: true,
  eligibleGroups: ['rider'],
  location: DINGHAI_CANTEEN,
  radiusKm: 3,
  windows: weekdays('13:00', '14:00'),
  accessibilityFeatures: [],
  capacity: 40,
};

const cook: OpeningOffer = {
  id: 'cook',
  accepting: true,
  targetGroups: ['rider'],
  skills: ['cooking'],
  location: DINGHAI_CANTEEN,
  radiusKm: 5,
  shifts: weekdays('09:00', '17:00'),
  accessibilityFeatures: [],
  positions: 1,
};

describe('misfits of a changed offer', () => {
  it('are the proposals whose person fails a rule now, or is no longer matchable', () => {
    // The canteen moved its lunch to 15:00-16:00: the rider whose break ends at 14:15 no longer fits.
    const later: SlotOffer = { ...lunch, windows: weekdays('15:00', '16:00') };
    const proposals = [
      { matchId: 'm-break-ends-early', person: person('early') },
      { matchId: 'm-late-break', person: person('late', { breaks: weekdays('15:00', '16:30') }) },
      { matchId: 'm-erased', person: null },
    ];

    expect(misfitsOfOffer({ kind: 'slot', offer: later }, proposals, DEFAULT_MATCHING_POLICY)).toEqual(['m-break-ends-early', 'm-erased']);
    expect(misfitsOfOffer({ kind: 'slot', offer: lunch }, proposals.slice(0, 1), DEFAULT_MATCHING_POLICY)).toEqual([]);
  });

  it('of an opening now only for veterans: the rider no longer fits, the veteran rider does', () => {
    const forVeterans: OpeningOffer = { ...cook, targetGroups: ['veteran'] };
    const proposals = [
      { matchId: 'm-rider', person: person('rider') },
      { matchId: 'm-veteran', person: person('veteran', { groups: ['rider', 'veteran'] }) },
    ];
    expect(misfitsOfOffer({ kind: 'opening', offer: forVeterans }, proposals, DEFAULT_MATCHING_POLICY)).toEqual(['m-rider']);
  });
});

describe('misfits of a changed person', () => {
  const known = { opening: (id: string) => (id === 'cook' ? cook : undefined), slot: (id: string) => (id === 'lunch' ? lunch : undefined) };

  it('are the proposals of known offers whose rules they fail now; unknown offers are left to their own events', () => {
    // Moved 20 km away: neither the canteen nor the kitchen is within reach.
    const moved = person('p1', { location: { lat: 31.45, lng: 121.545 } });
    const proposals = [
      { id: 'm-cook', openingId: 'cook', slotId: null },
      { id: 'm-lunch', openingId: null, slotId: 'lunch' },
      { id: 'm-closed', openingId: 'closed-yesterday', slotId: null },
    ];

    expect(misfitsOfPerson(moved, proposals, known, DEFAULT_MATCHING_POLICY)).toEqual([
      { matchId: 'm-cook', reason: 'no_longer_fits' },
      { matchId: 'm-lunch', reason: 'no_longer_fits' },
    ]);
    expect(misfitsOfPerson(person('p1'), proposals, known, DEFAULT_MATCHING_POLICY)).toEqual([]);
  });

  it('are withdrawn for consent when the person withdrew consent to their purpose: jobs only here', () => {
    const proposals = [
      { id: 'm-cook', openingId: 'cook', slotId: null },
      { id: 'm-lunch', openingId: null, slotId: 'lunch' },
    ];
    expect(misfitsOfPerson(person('p1', { consentJobs: false }), proposals, known, DEFAULT_MATCHING_POLICY)).toEqual([
      { matchId: 'm-cook', reason: 'consent_withdrawn' },
    ]);
  });
});
