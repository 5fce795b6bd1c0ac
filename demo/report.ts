/**
 * What the demo prints once the matcher has caught up, read back through the public API: offers per slot
 * (each merchant's `GET /v1/slots/:id`), candidate lists per caseworker (`GET /v1/candidate-lists` with
 * each caseworker's key), the best job matches with their reasons in words, timings, and where to look.
 *
 * The terminal is a log too: people's names are shown masked (黄*), and a sensitive group (hardship,
 * disabled) is named only as "a priority group", as the product keeps it from employers.
 */
import type { FilledOpening, MapLine, MerchantUptake } from './follow-up';
import type { CourseMenuOutcome } from './course-menu';
import type { LiveFairOutcome } from './live-fair';
import { isSensitiveGroup, type TargetGroup, type WeeklyWindow } from '@huigong/domain';
import { type ApiClient, inParallel } from './api-client';
import type { LoadedOpening, LoadedWorld } from './loader';
import { count, seconds } from './progress';

interface CandidateListView {
  kind: 'opening' | 'slot';
  offerId: string;
  title: string;
  matches: { matchId: string; candidateId: string; displayName: string; score: number; reasons: Reason[]; status: string }[];
}

type Reason =
  | { code: 'distance'; km: number }
  | { code: 'schedule'; coverage: number }
  | { code: 'break_overlap'; minutes: number }
  | { code: 'skills'; covered: string[]; missing: string[] }
  | { code: 'group'; group: TargetGroup; priority: number }
  | { code: 'waiting'; days: number }
  | { code: string; [figure: string]: unknown };

export interface SlotLine {
  merchant: string;
  title: string;
  windows: WeeklyWindow[];
  capacity: number;
  offered: number;
  redeemed: number;
  delivered: number;
}

export interface CaseworkerLine {
  scenario: 'street' | 'fair';
  name: string;
  people: number;
  lists: number;
  jobMatches: number;
  slotOffers: number;
  matchedPeople: number;
}

export interface BestMatch {
  score: number;
  maskedName: string;
  caseworker: string;
  opening: LoadedOpening | undefined;
  title: string;
  reasons: string[];
}

export interface ReportData {
  slots: SlotLine[];
  caseworkers: CaseworkerLine[];
  best: BestMatch[];
  openingsWithMatches: number;
}

/** Reads everything the report shows through the API. */
export async function gatherReport(api: ApiClient, world: LoadedWorld, deliveredPerSlot: ReadonlyMap<string, number>): Promise<ReportData> {
  const slots = await inParallel(world.slots, 8, async (slot) => {
    const view = await api.get<{ offerSummary: { offered: number; redeemed: number } }>(`/v1/slots/${slot.id}`, slot.merchantKey);
    return {
      merchant: slot.merchant,
      title: slot.title,
      windows: slot.windows,
      capacity: slot.capacity,
      offered: view.offerSummary.offered,
      redeemed: view.offerSummary.redeemed,
      delivered: deliveredPerSlot.get(slot.id) ?? 0,
    };
  });

  const openings = new Map(world.openings.map((opening) => [opening.id, opening]));
  const candidates: { offerId: string; match: BestMatch }[] = [];
  const matchedOpenings = new Set<string>();
  const caseworkers = await inParallel(world.caseworkers, 3, async (caseworker) => {
    const lists = await api.get<CandidateListView[]>('/v1/candidate-lists', caseworker.apiKey);
    const people = new Set<string>();
    let jobMatches = 0;
    let slotOffers = 0;
    for (const list of lists) {
      for (const match of list.matches) {
        people.add(match.candidateId);
        if (list.kind === 'slot') {
          slotOffers += 1;
          continue;
        }
        jobMatches += 1;
        matchedOpenings.add(list.offerId);
        candidates.push({
          offerId: list.offerId,
          match: {
            score: match.score,
            maskedName: maskName(match.displayName),
            caseworker: caseworker.name,
            opening: openings.get(list.offerId),
            title: list.title,
            reasons: reasonsInWords(match.reasons),
          },
        });
      }
    }
    return {
      scenario: caseworker.scenario,
      name: caseworker.name,
      people: caseworker.accepted,
      lists: lists.length,
      jobMatches,
      slotOffers,
      matchedPeople: people.size,
    };
  });

  // The best five, one per opening so that the list shows five different jobs.
  candidates.sort((a, b) => b.match.score - a.match.score || a.offerId.localeCompare(b.offerId));
  const best: BestMatch[] = [];
  const shown = new Set<string>();
  for (const candidate of candidates) {
    if (best.length === 5) break;
    if (shown.has(candidate.offerId)) continue;
    shown.add(candidate.offerId);
    best.push(candidate.match);
  }
  return { slots, caseworkers, best, openingsWithMatches: matchedOpenings.size };
}

const CHARACTERS = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** 黄春梅 -> 黄**: enough for a reader to tell people apart, not enough to be a log of names. */
export function maskName(name: string): string {
  // Characters as a reader sees them: an accent written as a combining mark stays with its letter.
  const chars = Array.from(CHARACTERS.segment(name), ({ segment }) => segment);
  return chars.length <= 1 ? '*' : chars[0] + '*'.repeat(chars.length - 1);
}

const GROUP_WORDS: Record<string, string> = {
  rider: 'rider',
  courier: 'courier',
  security_guard: 'security guard',
  sanitation: 'sanitation worker',
  veteran: 'veteran',
  rural_migrant: 'rural migrant worker',
  laid_off: 'laid off',
  reassignment: 'waiting for reassignment',
  flexible: 'flexible worker',
  new_form: 'new-form worker',
  union_member: 'union member',
};

/** A match's stored reasons (`[{code: "distance", km: 1.2}, ...]`) as a caseworker would say them. */
export function reasonsInWords(reasons: readonly Reason[]): string[] {
  return reasons.map((reason) => {
    switch (reason.code) {
      case 'distance':
        return `${(reason as { km: number }).km} km away`;
      case 'schedule':
        return `free for ${Math.round((reason as { coverage: number }).coverage * 100)}% of the shift hours`;
      case 'break_overlap':
        return `a break overlapping the window by ${(reason as { minutes: number }).minutes} min`;
      case 'skills': {
        const { covered, missing } = reason as { covered: string[]; missing: string[] };
        if (covered.length === 0) return `none of the skills asked (${missing.join(', ')})`;
        return `has ${covered.join(', ')}${missing.length > 0 ? ` (not ${missing.join(', ')})` : ''}`;
      }
      case 'group': {
        const { group, priority } = reason as { group: TargetGroup; priority: number };
        return isSensitiveGroup(group)
          ? `in a sensitive priority group, never shown to employers (priority ${priority})`
          : `${GROUP_WORDS[group] ?? group} (group priority ${priority})`;
      }
      case 'waiting': {
        const days = (reason as { days: number }).days;
        return days === 0 ? 'registered today' : `waiting ${days} days`;
      }
      default:
        return reason.code;
    }
  });
}

const DAY_NAMES = ['', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** Mon-Fri 13:00-14:00; several time ranges joined with a comma. */
export function windowsInWords(windows: readonly WeeklyWindow[]): string {
  const byTime = new Map<string, number[]>();
  for (const window of windows) {
    const key = `${window.start}-${window.end}`;
    byTime.set(key, [...(byTime.get(key) ?? []), window.day]);
  }
  return [...byTime.entries()]
    .map(([time, days]) => {
      const sorted = [...new Set(days)].sort((a, b) => a - b);
      const run = sorted.every((day, i) => i === 0 || day === sorted[i - 1] + 1);
      const dayText =
        sorted.length === 7
          ? 'daily'
          : run && sorted.length > 2
            ? `${DAY_NAMES[sorted[0]]}-${DAY_NAMES[sorted[sorted.length - 1]]}`
            : sorted.map((d) => DAY_NAMES[d]).join(',');
      return `${dayText} ${time}`;
    })
    .join(', ');
}

/** Columns on a terminal: a CJK character takes two cells. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    width +=
      (code >= 0x1100 && code <= 0x115f) ||
      (code >= 0x2e80 && code <= 0xa4cf) ||
      (code >= 0xac00 && code <= 0xd7a3) ||
      (code >= 0xf900 && code <= 0xfaff) ||
      (code >= 0xfe30 && code <= 0xfe4f) ||
      (code >= 0xff00 && code <= 0xff60) ||
      (code >= 0xffe0 && code <= 0xffe6)
        ? 2
        : 1;
  }
  return width;
}

function fit(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  let out = '';
  for (const char of text) {
    if (displayWidth(out + char) > width - 1) break;
    out += char;
  }
  return `${out}…`;
}

/** A table: text columns padded on the right, numbers on the left. */
export function table(header: readonly string[], rows: readonly (readonly (string | number)[])[], maxWidths: readonly number[]): string[] {
  const cells = [header, ...rows.map((row) => row.map((cell, i) => (typeof cell === 'number' ? count(cell) : fit(cell, maxWidths[i] ?? 40))))];
  const widths = header.map((_, i) => Math.max(...cells.map((row) => displayWidth(row[i]))));
  const numeric = header.map((_, i) => rows.length > 0 && typeof rows[0][i] === 'number');
  return cells.map(
    (row) =>
      `  ${row
        .map((cell, i) => {
          const pad = ' '.repeat(widths[i] - displayWidth(cell));
          return numeric[i] ? pad + cell : cell + pad;
        })
        .join('  ')
        .trimEnd()}`,
  );
}

export interface ReportContext {
  world: LoadedWorld;
  data: ReportData;
  loadMs: number;
  matchingMs: number;
  caughtUp: boolean;
  eventsHandled: number;
  failedJobs: number;
  gatewayDelivered: number;
  gatewayRejected: number;
  requests: number;
  baseUrl: string;
  adminKey: string;
  /** Keys of one caseworker and one merchant of this run, for the console. */
  caseworkerKey: string;
  merchantKey: string;
  /** The opening the caseworkers filled with hires, as its employer reads it. */
  filled: FilledOpening | undefined;
  uptake: MerchantUptake[];
  /** The benefit map within a kilometre of Dinghai Road. */
  benefitMap: MapLine[];
  /** Minle county's course menu: orders, the demand they made, the course scheduled from it. */
  courseMenu: CourseMenuOutcome;
  /** The Baise fair live: a burst of intents, the live board, the follow-up and the fair report. */
  liveFair: LiveFairOutcome;
  opsUrls: { matcher: string; notifier: string };
  logFile: string;
  database: string;
  queuePrefix: string;
}

export function formatReport(context: ReportContext): string {
  const { world, data } = context;
  const lines: string[] = [];
  const rule = (title: string) => lines.push('', `== ${title} ${'='.repeat(Math.max(3, 100 - title.length))}`);
  const street = world.caseworkers.filter((c) => c.scenario === 'street');
  const fair = world.caseworkers.filter((c) => c.scenario === 'fair');
  const people = (list: typeof street) => list.reduce((sum, c) => sum + c.accepted, 0);
  const positions = world.openings.reduce((sum, opening) => sum + opening.positions, 0);

  rule('What happened');
  lines.push(
    `  Dinghai Road street (Yangpu, Shanghai): ${count(world.merchants)} service points, ${count(world.slots.length)} slots, ${count(people(street))} workers, ${count(street.length)} caseworkers` +
      ` · loaded in ${seconds(world.msPerScenario.get('street') ?? 0)}`,
    `  Baise union job fair (Tianyang, Guangxi): ${count(world.employers)} employers, ${count(world.openings.length)} openings with ${count(positions)} positions, ` +
      `${count(people(fair))} seekers, ${count(fair.length)} caseworkers · loaded in ${seconds(world.msPerScenario.get('fair') ?? 0)}`,
    `  Loaded through the API in ${seconds(context.loadMs)} (${count(context.requests)} requests${world.rejected > 0 ? `, ${count(world.rejected)} candidate lines refused` : ''}); ` +
      `the matcher ${context.caughtUp ? 'caught up' : 'had NOT caught up'} ${seconds(context.matchingMs)} after loading began ` +
      `(${count(context.eventsHandled)} events, ${count(Math.round(context.eventsHandled / Math.max(context.matchingMs / 1000, 0.001)))}/s)` +
      (context.failedJobs > 0 ? `; ${count(context.failedJobs)} jobs failed (see the log)` : ''),
    `  Offers delivered to the demo's worker gateway, signed and checked: ${count(context.gatewayDelivered)}` +
      (context.gatewayRejected > 0 ? ` (${count(context.gatewayRejected)} refused: bad signature)` : '') +
      `; a worker gets at most OFFER_DAILY_CAP offers a day, the rest wait for tomorrow`,
  );

  rule('Offers sent per slot (offered: GET /v1/slots/:id offerSummary; delivered: received by the worker gateway)');
  lines.push(
    ...table(
      ['service point', 'slot', 'when', 'seats', 'offered', 'delivered'],
      data.slots.map((slot) => [slot.merchant, slot.title, windowsInWords(slot.windows), slot.capacity, slot.offered, slot.delivered]),
      [26, 34, 34],
    ),
  );
  const offered = data.slots.reduce((sum, slot) => sum + slot.offered, 0);
  lines.push(`  ${count(offered)} offers in all to the street's workers; a slot offers at most 2 x its seats at once, rotating among those eligible.`);

  rule("Candidate lists per caseworker (GET /v1/candidate-lists, each with the caseworker's own key)");
  lines.push(
    ...table(
      ['caseworker', 'people', 'lists', 'job matches', 'slot offers', 'people matched'],
      data.caseworkers.map((c) => [c.name, c.people, c.lists, c.jobMatches, c.slotOffers, c.matchedPeople]),
      [44],
    ),
  );
  const jobMatches = data.caseworkers.reduce((sum, c) => sum + c.jobMatches, 0);
  lines.push(
    `  ${count(jobMatches)} job matches over ${count(data.openingsWithMatches)} of ${count(world.openings.length)} openings; employers see counts only.`,
  );

  rule('The 5 best job matches, with their reasons');
  if (data.best.length === 0) lines.push('  (no job matches yet)');
  data.best.forEach((match, i) => {
    const where = match.opening ? `${match.opening.employer}, ${count(match.opening.positions)} positions` : 'an opening';
    lines.push(`  ${i + 1}. score ${match.score.toFixed(4)}  ${match.maskedName} -> ${match.title} (${where}); caseworker ${match.caseworker}`);
    lines.push(`     reasons: ${match.reasons.join('; ')}`);
  });

  rule('After the match: an opening filled by its hires (GET /v1/openings/:id, as its employer sees it)');
  const filled = context.filled;
  if (filled === undefined) lines.push('  (no opening had a match for each of its positions)');
  else {
    const summary = Object.entries(filled.matchSummary)
      .filter(([, n]) => n > 0)
      .map(([status, n]) => `${status} ${count(n)}`)
      .join(', ');
    lines.push(
      `  ${filled.title} (${filled.employer}): ${count(filled.positions)} positions, ${count(filled.positions)} hires recorded by the caseworkers; status ${filled.status}`,
      `  its matches now: ${summary}; the rest were withdrawn as filled and their caseworkers told (matches_withdrawn)`,
    );
  }

  rule('Slot uptake per service point (GET /v1/reports/slot-uptake, admin): a third of those sent an offer came');
  lines.push(
    ...table(
      ['service point', 'offered', 'delivered', 'redeemed', 'expired', 'uptake'],
      context.uptake.map((row) => [row.name, row.offered, row.delivered, row.redeemed, row.expired, `${Math.round(row.uptakeRate * 100)}%`]),
      [26],
    ),
  );

  rule(`The benefit map within 1 km of Dinghai Road (GET /v1/benefits; ${count(world.servicePoints)} service points registered)`);
  lines.push(
    ...table(
      ['place', 'on foot', 'open now', 'offers', 'member benefit'],
      context.benefitMap
        .slice(0, 8)
        .map((place) => [
          place.name,
          `${place.walkingMinutes} min`,
          place.openNow === null ? '-' : place.openNow ? 'yes' : 'no',
          place.offers,
          place.memberBenefit ?? '',
        ]),
      [26],
    ),
    `  ${count(context.benefitMap.length)} places in all; the same as a page for phones at ${context.baseUrl}/console/map, and as HSDS 3.0 at /v1/exports/hsds`,
  );

  const menu = context.courseMenu;
  rule("Minle county's course menu (POST /v1/course-topics/:id/orders; GET /v1/reports/course-demand)");
  lines.push(
    `  ${count(menu.topics)} topics on the station's menu; a caseworker ordered ${count(menu.orders)} courses for workers, with the times they are free`,
  );
  if (menu.demand !== undefined) {
    const windows = menu.demand.bestWindows.map(({ window, suits }) => `${DAY_NAMES[window.day]} ${window.start}-${window.end} (suits ${suits})`);
    lines.push(`  course_demand to the station: ${menu.demand.topic}, ${count(menu.demand.orders)} orders; best windows: ${windows.join(', ')}`);
  }
  if (menu.course !== undefined) {
    lines.push(
      `  course scheduled from the orders: ${menu.course.title}, ${menu.course.startsAt.slice(0, 10)} ${menu.course.startsAt.slice(11, 16)}-${menu.course.endsAt.slice(11, 16)}, offered to ${count(menu.course.offered)} (those who ordered first)`,
    );
  }
  lines.push(
    ...table(
      ['topic', 'station', 'waiting', 'in demand', 'scheduled', 'attended'],
      menu.report.map((row) => [row.title, row.station, row.openOrders, row.awaitingSchedule, row.scheduled, row.attended]),
      [36, 30],
    ),
  );

  const live = context.liveFair;
  rule('The Baise fair, live (POST /v1/fairs/:id/intents from the stream; GET /v1/fairs/:id/live, server-sent events)');
  lines.push(
    `  ${count(live.employers)} employers attached ${count(live.openings)} openings with ${count(live.positions)} positions; the streaming partner sent ${count(live.sent)} intents in ${seconds(live.burstMs)}, repeat taps included`,
  );
  if (live.board !== undefined) {
    lines.push(
      `  live board, final counts (${count(live.boardEvents)} updates streamed): intents ${count(live.board.totals.intents)} · matched ${count(live.board.totals.matched)} · contacted ${count(live.board.totals.contacted)}`,
      ...table(
        ['employer (most intents)', 'intents', 'matched', 'contacted'],
        live.topEmployers.map((row) => [row.name, row.intents, row.matched, row.contacted]),
        [40],
      ),
    );
  }
  if (live.report !== undefined) {
    const totals = live.report.totals;
    rule('The fair report (GET /v1/fairs/:id/report, admin): every intent followed up');
    lines.push(
      `  intents ${count(totals.intents)} -> contacted ${count(totals.contacted)} -> interview ${count(totals.interview)} -> hired ${count(totals.hired)}`,
      ...table(
        ['target group', 'intents', 'contacted', 'interview', 'hired'],
        live.report.groups.map((row) => [row.group ?? '(not recorded yet)', row.intents, row.contacted, row.interview, row.hired]),
        [24],
      ),
      `  leads waiting for a first contact: ${count(live.report.waiting)}; their caseworkers are reminded 48 hours after the intent (late now: ${count(live.report.uncontacted)})`,
    );
  }

  rule('Timings');
  lines.push(
    `  load (HTTP, all scenarios)   ${seconds(context.loadMs)}`,
    `  matching caught up after     ${seconds(context.matchingMs)} (from the first write; ${seconds(Math.max(0, context.matchingMs - context.loadMs))} after the last)`,
  );

  const base = context.baseUrl;
  rule("Where to look (the admin key is this run's own)");
  lines.push(
    ...table(
      ['what', 'where'],
      [
        ['API', `${base}/v1`],
        ['API docs', `${base}/docs`],
        ['console', `${base}/console`],
        ['queue board', `${base}/admin/queues`],
        ['health', `${base}/health/ready`],
        ['metrics', `${base}/metrics`],
        ['matcher health', `${context.opsUrls.matcher}/health/ready`],
        ['notifier health', `${context.opsUrls.notifier}/health/ready`],
        ['admin key', context.adminKey],
        ['caseworker key', `${context.caseworkerKey} (for the console)`],
        ['merchant key', `${context.merchantKey} (for the console)`],
        ['app logs', context.logFile],
        ['database', `${context.database} (queue prefix ${context.queuePrefix})`],
      ],
      [20, 120],
    ),
    '',
    `  Try: curl -s ${base}/v1/reports/funnel -H "Authorization: Bearer ${context.adminKey}"`,
    '',
    'The API, the matcher and the notifier keep running. Press Ctrl-C to stop them.',
  );
  return lines.join('\n');
}
