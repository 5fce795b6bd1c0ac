/**
 * The Baise fair live, as the demo plays it through the public API: the union admin creates the fair with
 * its employers and the town desks as the areas it draws from; every employer attaches its openings; the
 * streaming platform (a `partner`) sends a burst of viewers' intents as they tap during the stream, some
 * tapping twice; the host's live board (`GET /v1/fairs/:id/live`, server-sent events) is watched
 * meanwhile; then the town desks follow up their leads, and the fair report counts it all.
 */
import { type ApiClient, ApiError, inParallel, sleep } from './api-client';
import type { LoadedWorld } from './loader';
import { fairTownDesks } from './scenarios';

const SURNAMES = ['黄', '韦', '农', '陆', '梁', '罗', '李', '潘', '覃', '蒙'];
const GIVEN = ['春', '秀', '建', '国', '丽', '海', '桂', '明', '芳', '勇', '玉', '强'];

interface Counts {
  intents: number;
  matched: number;
  contacted: number;
}

interface Board {
  at: string;
  totals: Counts;
  employers: (Counts & { employerId: string })[];
  openings: (Counts & { openingId: string; employerId: string })[];
}

interface Funnel {
  intents: number;
  contacted: number;
  interview: number;
  hired: number;
}

export interface LiveFairOutcome {
  employers: number;
  openings: number;
  positions: number;
  /** Intents sent in the burst, repeats included, and how long the burst took. */
  sent: number;
  burstMs: number;
  /** The live board as its stream last showed it, and how many board events came. */
  board: Board | undefined;
  boardEvents: number;
  topEmployers: { name: string; intents: number; matched: number; contacted: number }[];
  report: { totals: Funnel; groups: (Funnel & { group: string | null })[]; uncontacted: number; waiting: number } | undefined;
}

/** Reads `board` events of the live stream until stopped, keeping the last. */
function watchBoard(api: ApiClient, fairId: string, adminKey: string): { latest: () => Board | undefined; events: () => number; stop: () => void } {
  const aborted = new AbortController();
  let last: Board | undefined;
  let events = 0;
  const stopped = (): boolean => aborted.signal.aborted;
  void (async () => {
    while (!stopped()) {
      try {
        const response = await fetch(`${api.baseUrl}/v1/fairs/${fairId}/live`, { headers: { authorization: `Bearer ${adminKey}` }, signal: aborted.signal });
        if (response.body === null) throw new Error('no stream');
        const decoder = new TextDecoder();
        let buffered = '';
        for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
          buffered += decoder.decode(chunk, { stream: true });
          for (let end = buffered.indexOf('\n\n'); end >= 0; end = buffered.indexOf('\n\n')) {
            const block = buffered.slice(0, end);
            buffered = buffered.slice(end + 2);
            const data = block.split('\n').find((line) => line.startsWith('data: '));
            if (block.includes('event: board') && data !== undefined) {
              last = JSON.parse(data.slice(6)) as Board;
              events += 1;
            }
          }
        }
      } catch {
        // Stopped, or the connection dropped: reconnect unless stopped.
      }
      if (!stopped()) await sleep(1_000);
    }
  })();
  return {
    latest: () => last,
    events: () => events,
    stop: () => {
      aborted.abort();
    },
  };
}

export async function baiseFairLive(api: ApiClient, adminKey: string, world: LoadedWorld, scale: number, timeoutMs = 120_000): Promise<LiveFairOutcome> {
  const desks = world.caseworkers.filter((caseworker) => caseworker.scenario === 'fair');
  const fairOpenings = world.openings.filter((opening) => opening.scenario === 'fair');
  if (desks.length === 0 || fairOpenings.length === 0) throw new Error('the Baise fair was not loaded: no desks or openings');
  const employerIds = [...new Set(fairOpenings.map((opening) => opening.employerId))];
  const towns = fairTownDesks().flatMap((town) => {
    const desk = desks.find((caseworker) => caseworker.name === town.caseworker);
    return desk === undefined ? [] : [{ ...town, caseworkerId: desk.id }];
  });
  const youjiang = towns.at(-1);
  if (youjiang === undefined) throw new Error('the Baise fair was loaded without its town desks');
  const now = Date.now();
  const fair = await api.post<{ id: string }>(
    '/v1/fairs',
    adminKey,
    {
      name: '工会帮就业 Baise union job fair (live stream)',
      startsAt: new Date(now - 3_600_000).toISOString(),
      endsAt: new Date(now + 3 * 3_600_000).toISOString(),
      location: youjiang.location,
      address: '百色市田阳区 Tianyang district, Baise',
      targetGroups: ['veteran', 'rural_migrant', 'laid_off', 'reassignment', 'hardship', 'disabled', 'flexible', 'new_form'],
      employerIds,
      defaultCaseworkerId: youjiang.caseworkerId,
      areas: towns.map((town) => ({ caseworkerId: town.caseworkerId, location: town.location, radiusKm: 8 })),
    },
    'demo-baise-fair',
  );
  const byEmployer = new Map<string, { key: string; ids: string[] }>();
  for (const opening of fairOpenings) {
    const entry = byEmployer.get(opening.employerId) ?? { key: opening.employerKey, ids: [] };
    entry.ids.push(opening.id);
    byEmployer.set(opening.employerId, entry);
  }
  await inParallel([...byEmployer.values()], 8, (entry, i) =>
    api.post(`/v1/fairs/${fair.id}/openings`, entry.key, { openingIds: entry.ids }, `demo-baise-attach-${i}`),
  );
  // The stream shows the openings still open (one may have been filled by hires already).
  const onStream = (await api.get<{ openingId: string; status: string }[]>(`/v1/fairs/${fair.id}/openings`, adminKey))
    .filter((opening) => opening.status === 'open')
    .map((opening) => opening.openingId);
  const partner = await api.post<{ apiKey: string }>(
    '/v1/organizations',
    adminKey,
    { name: '工会直播间 Union live stream', kind: 'partner' },
    'demo-baise-partner',
  );

  // Registered seekers the engine matched to an opening on the stream, who tap it too (a quarter of the viewers).
  const open = new Set(onStream);
  const matched: { candidateId: string; openingId: string }[] = [];
  const seen = new Set<string>();
  for (const desk of desks) {
    const lists = await api.get<{ offerId: string; matches: { candidateId: string }[] }[]>('/v1/candidate-lists', desk.apiKey);
    for (const list of lists) {
      if (!open.has(list.offerId)) continue;
      for (const match of list.matches) {
        if (seen.has(match.candidateId)) continue;
        seen.add(match.candidateId);
        matched.push({ candidateId: match.candidateId, openingId: list.offerId });
      }
    }
  }

  // The burst: viewers in the district's towns tap the openings shown on the stream; one in six taps twice.
  const live = watchBoard(api, fair.id, adminKey);
  const viewers = Math.max(60, Math.round(2_000 * scale));
  const registered = Math.min(matched.length, Math.floor(viewers / 4));
  const taps = viewers + Math.floor(viewers / 6);
  const intentOf = (tap: number) => {
    const viewer = tap < viewers ? tap : (tap - viewers) * 6;
    if (viewer < registered) return matched[viewer];
    const town = towns[(viewer * 7) % towns.length];
    const offset = ((viewer * 37) % 100) / 5_000;
    return {
      openingId: onStream[viewer % onStream.length],
      viewer: {
        displayName: `${SURNAMES[viewer % SURNAMES.length]}${GIVEN[(viewer * 5) % GIVEN.length]}${GIVEN[(viewer * 11) % GIVEN.length]}`,
        phone: `+86 139 ${String(7_000_000 + viewer).padStart(8, '0')}`,
        location: { lat: town.location.lat + offset, lng: town.location.lng - offset },
        consentJobs: true,
      },
    };
  };
  const started = performance.now();
  await inParallel(
    Array.from({ length: taps }, (_, tap) => tap),
    32,
    (tap) => api.post(`/v1/fairs/${fair.id}/intents`, partner.apiKey, intentOf(tap), `demo-baise-intent-${tap}`),
  );
  const burstMs = performance.now() - started;

  // Until every intent is a lead and the board has shown it.
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = await api.get<Board>(`/v1/fairs/${fair.id}/board`, adminKey);
    const leads = await leadsMade(api, desks, new Set(fairOpenings.map((opening) => opening.id)));
    const shown = live.latest();
    if ((leads >= now.totals.intents && shown?.totals.intents === now.totals.intents && shown.totals.matched === now.totals.matched) || Date.now() > deadline)
      break;
    await sleep(500);
  }

  // After the fair: the town desks call their leads; some come to an interview, a few are hired.
  let followed = 0;
  for (const desk of desks) {
    const lists = await api.get<{ offerId: string; matches: { matchId: string; selfDeclared: boolean }[] }[]>('/v1/candidate-lists', desk.apiKey);
    const leads = lists.flatMap((list) => list.matches.filter((match) => match.selfDeclared));
    for (const [i, lead] of leads.entries()) {
      if (i % 3 === 2) continue; // a third not reached yet
      const steps = i % 9 === 0 ? ['contacted', 'interested', 'interview', 'hired'] : i % 3 === 0 ? ['contacted', 'interested', 'interview'] : ['contacted'];
      try {
        for (const status of steps) {
          await api.patch(`/v1/matches/${lead.matchId}`, desk.apiKey, { status });
          if (status === 'contacted') followed += 1;
        }
      } catch (error) {
        // A hire that filled the opening withdrew the other leads of it (409): nothing more to record for them.
        if (!(error instanceof ApiError && error.status === 409)) throw error;
      }
    }
  }
  // The board shows the contacts within a second or two.
  const contactDeadline = Date.now() + 15_000;
  while ((live.latest()?.totals.contacted ?? 0) < followed && Date.now() < contactDeadline) await sleep(250);
  const board = live.latest();
  const boardEvents = live.events();
  live.stop();

  const names = new Map(fairOpenings.map((opening) => [opening.employerId, opening.employer]));
  const report = await api.get<{ totals: Funnel; groups: (Funnel & { group: string | null })[]; uncontactedAfter48h: number }>(
    `/v1/fairs/${fair.id}/report`,
    adminKey,
  );
  return {
    employers: employerIds.length,
    openings: fairOpenings.length,
    positions: fairOpenings.reduce((sum, opening) => sum + opening.positions, 0),
    sent: taps,
    burstMs,
    board,
    boardEvents,
    topEmployers: [...(board?.employers ?? [])]
      .sort((a, b) => b.intents - a.intents || a.employerId.localeCompare(b.employerId))
      .slice(0, 5)
      .map((row) => ({ name: names.get(row.employerId) ?? row.employerId, intents: row.intents, matched: row.matched, contacted: row.contacted })),
    report: {
      totals: report.totals,
      groups: report.groups,
      uncontacted: report.uncontactedAfter48h,
      waiting: report.totals.intents - report.totals.contacted,
    },
  };
}

/** Leads on the fair desks' lists for the fair's openings. */
async function leadsMade(api: ApiClient, desks: readonly { apiKey: string }[], openings: ReadonlySet<string>): Promise<number> {
  let leads = 0;
  for (const desk of desks) {
    const lists = await api.get<{ offerId: string; matches: { selfDeclared: boolean }[] }[]>('/v1/candidate-lists', desk.apiKey);
    for (const list of lists) if (openings.has(list.offerId)) leads += list.matches.filter((match) => match.selfDeclared).length;
  }
  return leads;
}
