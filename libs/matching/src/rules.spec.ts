import { type CandidateProfile, type OpeningOffer, type SlotOffer, allPass, checkOpening, checkSlot } from './rules';

const DINGHAI_CANTEEN = { lat: 31.2705, lng: 121.549 };
const weekdays = (start: string, end: string) => [1, 2, 3, 4, 5].map((day) => ({ day, start, end }));

function person(overrides: Partial<CandidateProfile> = {}): CandidateProfile {
  return {
    id: 'p',
    groups: ['rider'],
    skills: [],
    location: { lat: 31.275, lng: 121.545 },
    maxTravelKm: null,
    availability: [],
    breaks: weekdays('12:45', '14:15'),
    accessibilityNeeds: [],
    consentJobs: true,
    consentBenefits: true,
    takesJobProposals: true,
    waitingSince: 0,
    ...overrides,
  };
}

const riderLunch: SlotOffer = {
  id: 's',
  accepting: true,
  eligibleGroups: ['rider', 'security_guard', 'sanitation'],
  location: DINGHAI_CANTEEN,
  radiusKm: 3,
  windows: weekdays('13:00', '14:00'),
  accessibilityFeatures: [],
  capacity: 40,
};

describe('slot rules (scenario 1: the canteen and the riders)', () => {
  it('matches a nearby rider whose break overlaps the slot', () => {
    expect(allPass(checkSlot(person(), riderLunch))).toBe(true);
  });

  it('does not match an office worker, and says the group is missing', () => {
    const checks = checkSlot(person({ groups: ['union_member'] }), riderLunch);
    expect(allPass(checks)).toBe(false);
    expect(checks.find((check) => check.rule === 'target_group')).toMatchObject({ pass: false, common: [] });
  });

  it('needs 30 minutes of overlap with one window', () => {
    const checks = checkSlot(person({ breaks: weekdays('13:40', '15:00') }), riderLunch);
    expect(checks.find((check) => check.rule === 'break_overlap')).toMatchObject({ pass: false, bestOverlapMinutes: 20 });
  });

  it("respects both the slot radius and the person's own travel limit", () => {
    const far = checkSlot(person({ location: { lat: 31.32, lng: 121.55 } }), riderLunch);
    expect(far.find((check) => check.rule === 'distance')).toMatchObject({ pass: false });
    const unwilling = checkSlot(person({ maxTravelKm: 0.2 }), riderLunch);
    expect(unwilling.find((check) => check.rule === 'distance')).toMatchObject({ pass: false, maxTravelKm: 0.2 });
  });

  it('offers slots only with consent to benefits, whatever the consent to jobs', () => {
    expect(checkSlot(person({ consentBenefits: false }), riderLunch).find((check) => check.rule === 'consent')).toEqual({
      rule: 'consent',
      pass: false,
      purpose: 'benefits',
    });
    expect(allPass(checkSlot(person({ consentJobs: false }), riderLunch))).toBe(true);
  });
});

describe('opening rules', () => {
  const assembly: OpeningOffer = {
    id: 'o',
    accepting: true,
    targetGroups: ['veteran', 'disabled'],
    skills: ['assembly'],
    location: DINGHAI_CANTEEN,
    radiusKm: 10,
    shifts: weekdays('08:00', '16:00'),
    accessibilityFeatures: ['wheelchair'],
    positions: 20,
  };

  it('matches a wheelchair user whose availability covers the shifts (scenario 3)', () => {
    const candidate = person({ groups: ['disabled'], accessibilityNeeds: ['wheelchair'], availability: weekdays('08:00', '16:00') });
    expect(allPass(checkOpening(candidate, assembly))).toBe(true);
  });

  it('names the unmet need', () => {
    const candidate = person({ groups: ['veteran'], accessibilityNeeds: ['sign_language'], availability: weekdays('08:00', '16:00') });
    expect(checkOpening(candidate, assembly).find((check) => check.rule === 'accessibility')).toMatchObject({
      pass: false,
      unmetNeeds: ['sign_language'],
    });
  });

  it('proposes no job to a person who takes no job proposals (employed), and says so; slots still fit them', () => {
    const employed = person({ groups: ['veteran'], availability: weekdays('08:00', '16:00'), takesJobProposals: false });
    expect(checkOpening(employed, assembly).filter((check) => !check.pass)).toEqual([{ rule: 'seeking_work', pass: false }]);
    expect(checkSlot({ ...employed, groups: ['rider'] }, riderLunch).every((check) => check.pass)).toBe(true);
  });

  it('proposes no job without consent to jobs, and says which purpose is missing', () => {
    const benefitsOnly = person({ groups: ['veteran'], availability: weekdays('08:00', '16:00'), consentJobs: false });
    expect(checkOpening(benefitsOnly, assembly).filter((check) => !check.pass)).toEqual([{ rule: 'consent', pass: false, purpose: 'jobs' }]);
  });

  it('needs half of the weekly shift minutes covered', () => {
    const half = person({ groups: ['veteran'], availability: weekdays('08:00', '12:00') });
    expect(checkOpening(half, assembly).find((check) => check.rule === 'schedule')).toMatchObject({ pass: true, coverage: 0.5 });
    const less = person({ groups: ['veteran'], availability: weekdays('08:00', '11:59') });
    expect(checkOpening(less, assembly).find((check) => check.rule === 'schedule')).toMatchObject({ pass: false });
  });

  it('covers a night shift across midnight and the week end (scenario 2)', () => {
    const nights: OpeningOffer = {
      ...assembly,
      targetGroups: ['security_guard'],
      accessibilityFeatures: [],
      shifts: [{ day: 7, start: '22:00', end: '06:00' }],
    };
    const guard = person({
      groups: ['security_guard'],
      availability: [
        { day: 7, start: '20:00', end: '00:00' },
        { day: 1, start: '00:00', end: '07:00' },
      ],
    });
    expect(checkOpening(guard, nights).find((check) => check.rule === 'schedule')).toMatchObject({ pass: true, coverage: 1 });
  });

  it('is open to everyone when no target group is required', () => {
    expect(
      checkOpening(person({ availability: weekdays('08:00', '16:00') }), { ...assembly, targetGroups: [], accessibilityFeatures: [] }).find(
        (check) => check.rule === 'target_group',
      ),
    ).toMatchObject({ pass: true });
  });
});
