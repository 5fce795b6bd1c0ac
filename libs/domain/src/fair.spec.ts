import { caseworkerForPlace, fairBoardTotals, normalizedPhone, takesIntents } from './fair';

describe('a fair’s newcomers and their caseworker', () => {
  const north = { caseworkerId: 'north', location: { lat: 23.95, lng: 106.62 }, radiusKm: 10 };
  const wide = { caseworkerId: 'wide', location: { lat: 23.9, lng: 106.62 }, radiusKm: 50 };

  it('is the caseworker of the area containing their place whose centre is nearest, else the default', () => {
    // 0.01 degrees of latitude is about 1.1 km.
    expect(caseworkerForPlace([wide, north], { lat: 23.96, lng: 106.62 }, 'desk')).toBe('north');
    expect(caseworkerForPlace([wide, north], { lat: 23.85, lng: 106.62 }, 'desk')).toBe('wide');
    expect(caseworkerForPlace([north], { lat: 23.5, lng: 106.62 }, 'desk')).toBe('desk');
    expect(caseworkerForPlace([north, wide], null, 'desk')).toBe('desk');
    expect(caseworkerForPlace([], { lat: 23.95, lng: 106.62 }, 'desk')).toBe('desk');
  });
});

describe('a viewer’s phone', () => {
  it('is its digits, China’s country code dropped before a mainland mobile number', () => {
    expect(normalizedPhone('+86 138-0013-8000')).toBe('13800138000');
    expect(normalizedPhone('0086 13800138000')).toBe('13800138000');
    expect(normalizedPhone('13800138000')).toBe('13800138000');
    expect(normalizedPhone('(0776) 282.1234')).toBe('07762821234');
    expect(normalizedPhone('+44 20 7946 0958')).toBe('442079460958');
  });

  it('is refused with fewer than 5 or more than 15 digits, or letters', () => {
    expect(normalizedPhone('(((( ))))')).toBeNull();
    expect(normalizedPhone('1234')).toBeNull();
    expect(normalizedPhone('1234567890123456')).toBeNull();
    expect(normalizedPhone('138 0013 800O')).toBeNull();
    expect(normalizedPhone('1+3800138000')).toBeNull();
  });
});

describe('the intake window and the board', () => {
  it('takes intents until a day after the fair ends', () => {
    const endsAt = new Date('2026-12-12T09:00:00Z');
    expect(takesIntents({ endsAt }, new Date('2026-12-13T09:00:00Z'))).toBe(true);
    expect(takesIntents({ endsAt }, new Date('2026-12-13T09:00:01Z'))).toBe(false);
  });

  it('adds the openings up per employer, in the order employers first appear, and in all', () => {
    const board = fairBoardTotals([
      { openingId: 'a', title: 'Welder', employerId: 'e2', employerName: 'Aluminium works', intents: 3, matched: 5, contacted: 1 },
      { openingId: 'b', title: 'Cook', employerId: 'e1', employerName: 'Hotel', intents: 1, matched: 0, contacted: 0 },
      { openingId: 'c', title: 'Fitter', employerId: 'e2', employerName: 'Aluminium works', intents: 2, matched: 2, contacted: 2 },
    ]);
    expect(board.employers).toEqual([
      { employerId: 'e2', name: 'Aluminium works', intents: 5, matched: 7, contacted: 3 },
      { employerId: 'e1', name: 'Hotel', intents: 1, matched: 0, contacted: 0 },
    ]);
    expect(board.totals).toEqual({ intents: 6, matched: 7, contacted: 3 });
  });
});
