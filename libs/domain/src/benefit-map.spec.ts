import { type MapSlot, benefitMap } from './benefit-map';

const SHANGHAI = 'Asia/Shanghai';
const at = (local: string) => new Date(`${local}+08:00`);
const HERE = { lat: 31.2705, lng: 121.549 };

function slot(overrides: Partial<MapSlot>): MapSlot {
  return {
    id: 's1',
    servicePointId: null,
    organizationName: 'Minle county union',
    title: 'Electrician micro-class',
    kind: 'course',
    eligibleGroups: ['rural_migrant'],
    windows: [],
    capacity: 30,
    offer: {},
    lat: HERE.lat,
    lng: HERE.lng,
    radiusKm: 5,
    accessibilityFeatures: [],
    ...overrides,
  };
}

const nextOf = (one: MapSlot, now: Date) => benefitMap([], [one], { near: HERE, radiusKm: 1, at: now, timeZone: SHANGHAI })[0].offers[0];

describe('the benefit map, for offers on dates', () => {
  const sessions = [
    { startsAt: at('2026-12-05T19:00:00').toISOString(), endsAt: at('2026-12-05T20:30:00').toISOString() },
    { startsAt: at('2026-12-12T19:00:00').toISOString(), endsAt: at('2026-12-12T20:30:00').toISOString() },
  ];

  it('shows the next session, running or ahead, and none once all are over', () => {
    const course = slot({ occurrences: sessions });
    expect(nextOf(course, at('2026-12-01T09:00:00'))).toMatchObject({ availableNow: false, next: { start: sessions[0].startsAt, end: sessions[0].endsAt } });
    expect(nextOf(course, at('2026-12-05T19:30:00'))).toMatchObject({ availableNow: true, next: { start: sessions[0].startsAt } });
    expect(nextOf(course, at('2026-12-06T09:00:00'))).toMatchObject({ availableNow: false, next: { start: sessions[1].startsAt } });
    expect(nextOf(course, at('2026-12-13T09:00:00'))).toMatchObject({ availableNow: false, next: null });
  });

  it('shows a stay until check-in only, and the weekly windows when they come first', () => {
    const stay = slot({
      kind: 'lodging',
      occurrences: [{ startsAt: at('2026-12-05T14:00:00').toISOString(), endsAt: at('2026-12-08T12:00:00').toISOString() }],
    });
    expect(nextOf(stay, at('2026-12-05T10:00:00')).next?.start).toBe(at('2026-12-05T14:00:00').toISOString());
    expect(nextOf(stay, at('2026-12-06T10:00:00')).next).toBeNull();
    // Weekly on Mondays 12:00-13:00 as well: on Monday 30 November 2026 that comes before the Saturday session.
    const both = slot({ windows: [{ day: 1, start: '12:00', end: '13:00' }], occurrences: sessions });
    expect(nextOf(both, at('2026-11-30T09:00:00')).next?.start).toBe(at('2026-11-30T12:00:00').toISOString());
  });
});
