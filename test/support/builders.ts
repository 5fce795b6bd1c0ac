import type { RunningApi } from './test-environment';
import { TEST_ADMIN_KEY } from './test-environment';

/** Near Dinghai Road, Yangpu district, Shanghai. */
export const DINGHAI_ROAD = { lat: 31.2705, lng: 121.549 };

export const weekdays = (start: string, end: string) => [1, 2, 3, 4, 5].map((day) => ({ day, start, end }));

const DAY_MS = 86_400_000;
const SHANGHAI_MS = 8 * 3_600_000;

/** The local (Asia/Shanghai) date, at least `minDaysAhead` days from now, that falls on an ISO weekday (1 = Monday): "2026-12-05". */
export function nextShanghaiDate(weekday: number, minDaysAhead: number): string {
  for (let ahead = minDaysAhead; ; ahead++) {
    const local = new Date(Date.now() + SHANGHAI_MS + ahead * DAY_MS);
    if (((local.getUTCDay() + 6) % 7) + 1 === weekday) return local.toISOString().slice(0, 10);
  }
}

export const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });
export const ADMIN = bearer(TEST_ADMIN_KEY);

/** A body without these fields, as a client that leaves them out sends it (not as `undefined`: absent). */
export function without(body: Record<string, unknown>, ...fields: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(body).filter(([field]) => !fields.includes(field)));
}

/** A candidate body as a caseworker would post it (a rider on lunch break near the canteens). */
export function aCandidate(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    displayName: 'Zhang Wei',
    externalRef: 'YP-0001',
    phone: '+86 138 0013 8000',
    groups: ['rider'],
    skills: ['delivery'],
    location: { lat: 31.2712, lng: 121.5481 },
    maxTravelKm: 5,
    availability: weekdays('08:00', '12:00'),
    breaks: weekdays('13:00', '14:00'),
    accessibilityNeeds: [],
    consent: { contact: true },
    ...overrides,
  };
}

/** Twenty assembly jobs welcoming veterans and disabled workers, wheelchair-accessible (scenario 3). */
export function anOpening(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    title: 'Assembly line operator',
    skills: ['assembly'],
    targetGroups: ['veteran', 'disabled'],
    location: DINGHAI_ROAD,
    radiusKm: 10,
    shifts: weekdays('08:00', '16:00'),
    accessibilityFeatures: ['wheelchair'],
    positions: 20,
    ...overrides,
  };
}

/** "Rider special: 13:00-14:00, dishes 30% off", 40 seats (scenario 1). */
export function aSlot(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    title: 'Rider special lunch',
    kind: 'meal',
    eligibleGroups: ['rider', 'security_guard', 'sanitation'],
    windows: weekdays('13:00', '14:00'),
    capacity: 40,
    offer: { discountPercent: 30, description: 'Dishes 30% off' },
    location: DINGHAI_ROAD,
    radiusKm: 3,
    ...overrides,
  };
}

export interface Keys {
  employer: string;
  employerId: string;
  merchant: string;
  merchantId: string;
  caseworker: string;
  caseworkerId: string;
}

/** Creates one employer, one merchant and one caseworker through the API and returns their keys. */
export async function createParties(api: RunningApi, label = ''): Promise<Keys> {
  const employer = await api.http
    .post('/v1/organizations')
    .set(ADMIN)
    .send({ name: `Yangpu Assembly ${label}`, kind: 'employer' })
    .expect(201);
  const merchant = await api.http
    .post('/v1/organizations')
    .set(ADMIN)
    .send({ name: `Dinghai Canteen ${label}`, kind: 'merchant' })
    .expect(201);
  const caseworker = await api.http
    .post('/v1/caseworkers')
    .set(ADMIN)
    .send({ name: `Caseworker ${label}` })
    .expect(201);
  return {
    employer: employer.body.apiKey,
    employerId: employer.body.id,
    merchant: merchant.body.apiKey,
    merchantId: merchant.body.id,
    caseworker: caseworker.body.apiKey,
    caseworkerId: caseworker.body.id,
  };
}
