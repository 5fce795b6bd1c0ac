/**
 * Minle county's micro-classrooms, as the demo plays them through the public API: the county union runs a
 * worker station with a course menu; a caseworker orders courses for workers with the times they are free;
 * ten orders of one topic make a demand, the station hears of it with the windows that suit most of them
 * (`course_demand`), and schedules the course on the best one as a dated slot for the demand, which goes to
 * those who ordered first. The report shows the demand, the course and `GET /v1/reports/course-demand`.
 */
import type { WeeklyWindow } from '@huigong/domain';
import { type ApiClient, sleep } from './api-client';

/** Minle county, Zhangye, Gansu: the station in the county town. */
const MINLE_STATION = { lat: 38.4307, lng: 100.8128 };
const MENU = [
  { title: '电工技能 Electrician skills', description: 'Wiring and safety; a certificate at the end.' },
  { title: '手机直播带货 Selling online by phone', description: 'Live-stream selling of farm produce.' },
  { title: '劳动法常识 Labour law basics', description: 'Contracts, wages, injuries at work.' },
];
const DAY_MS = 86_400_000;
const SHANGHAI_MS = 8 * 3_600_000;

export interface CourseMenuOutcome {
  topics: number;
  orders: number;
  demand: { topic: string; orders: number; bestWindows: { window: WeeklyWindow; suits: number }[] } | undefined;
  course: { title: string; startsAt: string; endsAt: string; offered: number } | undefined;
  report: { title: string; station: string; openOrders: number; awaitingSchedule: number; scheduled: number; attended: number }[];
}

interface Created {
  id: string;
  apiKey: string;
}

/** The next local date (Asia/Shanghai) after today that falls on an ISO weekday (1 = Monday). */
function nextLocalDate(weekday: number): string {
  for (let ahead = 1; ; ahead++) {
    const local = new Date(Date.now() + SHANGHAI_MS + ahead * DAY_MS);
    if (((local.getUTCDay() + 6) % 7) + 1 === weekday) return local.toISOString().slice(0, 10);
  }
}

const clockPlus = (clock: string, minutes: number) => {
  const total = (Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3, 5)) + minutes) % 1440;
  return `${String(Math.floor(total / 60)).padStart(2, '0')}:${String(total % 60).padStart(2, '0')}`;
};

export async function courseFromOrders(api: ApiClient, adminKey: string, timeoutMs = 60_000): Promise<CourseMenuOutcome> {
  const union = await api.post<Created>('/v1/organizations', adminKey, { name: 'Minle county union', kind: 'merchant' }, 'demo-minle-union');
  const desk = await api.post<Created>('/v1/caseworkers', adminKey, { name: 'Minle county union desk' }, 'demo-minle-desk');
  const station = await api.post<Created>(
    '/v1/service-points',
    union.apiKey,
    { name: 'Minle county worker station 3', kind: 'station', location: MINLE_STATION, memberBenefit: 'Courses free for union members' },
    'demo-minle-station',
  );
  const topics: Created[] = [];
  for (const [i, topic] of MENU.entries()) {
    topics.push(
      await api.post<Created>('/v1/course-topics', union.apiKey, { servicePointId: station.id, ...topic, sessionMinutes: 90 }, `demo-minle-topic-${i}`),
    );
  }

  // Fourteen workers back from the cities, on farm and workshop jobs; twelve order a course.
  const evening: WeeklyWindow[] = [{ day: 3, start: '18:30', end: '21:30' }];
  const saturday: WeeklyWindow[] = [{ day: 6, start: '09:00', end: '12:00' }];
  const sunday: WeeklyWindow[] = [{ day: 7, start: '14:00', end: '17:00' }];
  const orders: { topic: number; freeWindows: WeeklyWindow[] }[] = [
    ...Array.from({ length: 6 }, () => ({ topic: 0, freeWindows: evening })),
    ...Array.from({ length: 3 }, () => ({ topic: 0, freeWindows: saturday })),
    { topic: 0, freeWindows: [...evening, ...sunday] },
    { topic: 2, freeWindows: sunday },
    { topic: 2, freeWindows: evening },
  ];
  let made = 0;
  let demandId: string | undefined;
  for (const [i, order] of orders.entries()) {
    const person = await api.post<Created>(
      '/v1/candidates',
      desk.apiKey,
      {
        displayName: `民乐职工 ${i + 1}`,
        groups: ['rural_migrant'],
        location: { lat: MINLE_STATION.lat + 0.002 * (i % 5), lng: MINLE_STATION.lng - 0.002 * (i % 3) },
        maxTravelKm: 10,
        breaks: [1, 2, 3, 4, 5].map((day) => ({ day, start: '12:00', end: '13:00' })),
        consent: { contact: true, method: 'in_person' },
      },
      `demo-minle-worker-${i}`,
    );
    const answer = await api.post<{ status: string; demandId: string | null }>(
      `/v1/course-topics/${topics[order.topic].id}/orders`,
      desk.apiKey,
      { candidateId: person.id, freeWindows: order.freeWindows },
      `demo-minle-order-${i}`,
    );
    made += 1;
    if (answer.demandId !== null) demandId = answer.demandId;
  }

  let demand: CourseMenuOutcome['demand'];
  let course: CourseMenuOutcome['course'];
  if (demandId !== undefined) {
    // The station's inbox has the course_demand once the notifier has recorded it.
    const deadline = Date.now() + timeoutMs;
    let told = false;
    while (!told && Date.now() < deadline) {
      const inbox = await api.get<{ type: string }[]>('/v1/inbox', union.apiKey);
      told = inbox.some((entry) => entry.type === 'course_demand');
      if (!told) await sleep(250);
    }
    const view = await api.get<{ topicTitle: string; orders: number; bestWindows: { window: WeeklyWindow; suits: number }[] }>(
      `/v1/course-demands/${demandId}`,
      union.apiKey,
    );
    demand = { topic: view.topicTitle, orders: view.orders, bestWindows: view.bestWindows };
    const best = view.bestWindows.at(0);
    if (best !== undefined) {
      const date = nextLocalDate(best.window.day);
      const startsAt = `${date}T${best.window.start}:00+08:00`;
      const endsAt = `${date}T${clockPlus(best.window.start, 90)}:00+08:00`;
      const slot = await api.post<{ id: string; title: string }>(
        `/v1/service-points/${station.id}/slots`,
        union.apiKey,
        {
          title: view.topicTitle,
          kind: 'course',
          eligibleGroups: ['rural_migrant'],
          occurrences: [{ startsAt, endsAt }],
          capacity: 12,
          offer: { price: 0, description: '免费 free for members' },
          radiusKm: 10,
          courseDemandId: demandId,
        },
        'demo-minle-course',
      );
      // The offers go to those who ordered first.
      let offered = 0;
      while (Date.now() < deadline) {
        offered = (await api.get<{ offerSummary: { offered: number } }>(`/v1/slots/${slot.id}`, union.apiKey)).offerSummary.offered;
        if (offered >= best.suits) break;
        await sleep(250);
      }
      course = { title: slot.title, startsAt, endsAt, offered };
    }
  }
  const report = await api.get<
    { title: string; servicePointName: string; openOrders: number; awaitingSchedule: number; scheduled: number; attended: number }[]
  >('/v1/reports/course-demand', union.apiKey);
  return {
    topics: topics.length,
    orders: made,
    demand,
    course,
    report: report.map((row) => ({
      title: row.title,
      station: row.servicePointName,
      openOrders: row.openOrders,
      awaitingSchedule: row.awaitingSchedule,
      scheduled: row.scheduled,
      attended: row.attended,
    })),
  };
}
