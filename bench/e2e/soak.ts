/**
 * `--soak`: a steady mixed load of 35 writes a second for minutes, open loop, as the union's users make it
 * on a busy day (the mix of issue 10): every second 15 openings posted, 15 people registered, 2 of them
 * changed (PATCH), 2 matches moved on by their caseworker (proposed -> contacted) and 1 offer redeemed at
 * a merchant when a code has reached the worker gateway. Each opening's answer (its first batch of
 * candidate lists) is timed from its scheduled send to the webhook, and each write from its scheduled
 * send to its answer; both are summed up per 10-second window, by when the request was due. The goal: no
 * window whose list p99 is over 200 ms.
 */
import { count } from '../../demo/progress';
import { summarise } from '../stats';
import { type Answer, idOf, openLoop } from './load';
import { type BenchContext, budget, settle } from './phases';
import { formatRows, ms } from './report';
import { type WorkerGatewaySink, openingAnswers } from './sinks';

const WINDOW_MS = 10_000;
const GOAL_P99_MS = 200;
/** One second of the mix, interleaved so that no kind comes in a burst. */
const MIX = (() => {
  const kinds: [Action, number][] = [
    ['open', 15],
    ['register', 15],
    ['patch-candidate', 2],
    ['patch-match', 2],
    ['redeem', 1],
  ];
  const total = kinds.reduce((sum, [, n]) => sum + n, 0);
  // Each kind's k-th action at (k + 0.5) / n of the second, then all sorted by that place.
  const placed = kinds.flatMap(([kind, n]) => Array.from({ length: n }, (_, k) => ({ kind, at: (k + 0.5) / n })));
  placed.sort((a, b) => a.at - b.at);
  return { actions: placed.map((entry) => entry.kind), perSecond: total };
})();
type Action = 'open' | 'register' | 'patch-candidate' | 'patch-match' | 'redeem';

interface Written {
  kind: Action;
  dueAt: number;
  answer: Answer | undefined;
}

export async function runSoak(context: BenchContext, minutes: number, gateway: WorkerGatewaySink): Promise<void> {
  const { driver, world, progress, sink } = context;
  const seconds = minutes * 60;
  const sends = Math.round(seconds * MIX.perSecond);
  const openings: { id: string; employer: string; dueAt: number }[] = [];
  /** When the bench last registered or changed each person (their answer's arrival). */
  const touchedAt = new Map<string, number>();
  const people: { id: string; desk: string }[] = [];
  const written: Written[] = [];
  const listsBefore = sink.lists.length;
  sink.keepPeople = true;
  let matchCursor = listsBefore;
  let skipped = 0;
  progress.update(`soak: ${MIX.perSecond} writes/s for ${minutes} min (${count(sends)} requests)...`, true);
  const started = performance.now();
  const skip = (): Promise<Answer> => {
    skipped += 1;
    return Promise.resolve({ status: -1, body: undefined, at: performance.now() });
  };
  const act = (kind: Action, dueAt: number): Promise<Answer> => {
    switch (kind) {
      case 'open': {
        const employer = context.employers[openings.length % context.employers.length].apiKey;
        return driver.post('/v1/openings', employer, world.opening()).then((answer) => {
          const id = idOf(answer);
          if (answer.status === 201 && id !== undefined) openings.push({ id, employer, dueAt });
          return answer;
        });
      }
      case 'register': {
        const person = world.person();
        const desk = context.desks[person.desk].apiKey;
        return driver.post('/v1/candidates', desk, person.body).then((answer) => {
          const id = idOf(answer);
          if (answer.status === 201 && id !== undefined) {
            people.push({ id, desk });
            touchedAt.set(id, answer.at);
          }
          return answer;
        });
      }
      case 'patch-candidate': {
        const person = people.at(Math.floor(Math.random() * people.length));
        if (person === undefined) return skip();
        return driver.send('PATCH', `/v1/candidates/${person.id}`, person.desk, JSON.stringify({ skills: world.person().body.skills })).then((answer) => {
          touchedAt.set(person.id, answer.at);
          return answer;
        });
      }
      case 'patch-match': {
        // The next list received since the last move, whose first match its caseworker contacts.
        while (matchCursor < sink.lists.length && sink.lists[matchCursor].matchId === undefined) matchCursor += 1;
        const list = sink.lists.at(matchCursor);
        const desk = list === undefined ? undefined : context.desks.at(list.desk);
        if (list?.matchId === undefined || desk === undefined) return skip();
        matchCursor += 1;
        return driver.send('PATCH', `/v1/matches/${list.matchId}`, desk.apiKey, JSON.stringify({ status: 'contacted' }));
      }
      case 'redeem': {
        const held = gateway.codes.shift();
        const merchant = held === undefined ? undefined : context.slots.get(held.slotId);
        if (held === undefined || merchant === undefined) return skip();
        return driver.post(`/v1/slots/${held.slotId}/redemptions`, merchant, { code: held.code });
      }
    }
  };
  const ticker = setInterval(() => {
    const elapsed = (performance.now() - started) / 1000;
    progress.update(
      `soak: ${elapsed.toFixed(0)}/${seconds.toFixed(0)} s, ${count(openings.length)} openings, ${count(sink.lists.length - listsBefore)} lists, ${count(people.length)} registered`,
    );
  }, 1_000);
  const { sent } = await openLoop(
    MIX.perSecond,
    sends,
    async (index, dueAt) => {
      const kind = MIX.actions[index % MIX.actions.length];
      const answer = await act(kind, dueAt);
      written.push({ kind, dueAt, answer });
      return answer;
    },
    budget(0, 0, 60_000),
  );
  clearInterval(ticker);
  const firstDueAt = sent.at(0)?.at ?? started;
  await settle(context, 'soak: the last lists', budget(openings.length, 60));
  progress.done(
    `soak: ${count(sends)} requests due, ${count(skipped)} skipped (nothing to act on yet), ${count(openings.length)} openings, ${count(people.length)} registered`,
  );

  // Per window: writes (answered, not skipped) and their p99; lists of openings due in it and their p99.
  const windows = Math.ceil(seconds / (WINDOW_MS / 1000));
  const { answers, later } = openingAnswers(sink.lists.slice(listsBefore), new Map(openings.map((opening) => [opening.id, opening.dueAt])), touchedAt);
  const listLatencies = Array.from({ length: windows }, (): number[] => []);
  for (const answer of answers) listLatencies[Math.min(windows - 1, Math.floor((answer.dueAt - firstDueAt) / WINDOW_MS))].push(answer.at - answer.dueAt);
  const writeLatencies = Array.from({ length: windows }, (): number[] => []);
  const failures = Array.from({ length: windows }, () => 0);
  const failedKinds = new Map<string, number>();
  for (const write of written) {
    if (write.answer?.status === -1) continue;
    const window = Math.min(windows - 1, Math.floor((write.dueAt - firstDueAt) / WINDOW_MS));
    if (write.answer === undefined || write.answer.status < 200 || write.answer.status >= 300) {
      failures[window] += 1;
      const what = `${write.kind} ${write.answer === undefined ? 'unanswered' : (write.answer.error ?? String(write.answer.status))}`;
      failedKinds.set(what, (failedKinds.get(what) ?? 0) + 1);
    }
    if (write.answer !== undefined) writeLatencies[window].push(write.answer.at - write.dueAt);
  }
  const lines: string[] = [];
  let over = 0;
  const allLists: number[] = [];
  for (let window = 0; window < windows; window++) {
    const lists = listLatencies[window];
    allLists.push(...lists);
    const listP99 = lists.length === 0 ? NaN : summarise(lists).p99;
    const writeP99 = writeLatencies[window].length === 0 ? NaN : summarise(writeLatencies[window]).p99;
    if (listP99 > GOAL_P99_MS) over += 1;
    lines.push(
      `${String(window * 10).padStart(5)} s  writes ${String(writeLatencies[window].length).padStart(4)} p99 ${ms(writeP99).padStart(8)}${failures[window] > 0 ? ` (${failures[window]} failed)` : ''}` +
        `  lists ${String(lists.length).padStart(4)} p99 ${ms(listP99).padStart(8)}${listP99 > GOAL_P99_MS ? '  over' : ''}`,
    );
  }
  console.log(`\nsoak, per 10-s window (by when the request was due):\n${lines.join('\n')}\n`);
  console.log(
    `${count(answers.length)} lists answered openings; ${count(later)} more added people to openings later (newcomers who fit), not timed.` +
      (failedKinds.size === 0 ? '' : ` Writes not 2xx: ${[...failedKinds].map(([what, n]) => `${count(n)} ${what}`).join(', ')}.`),
  );
  const overall = allLists.length === 0 ? NaN : summarise(allLists).p99;
  console.log(
    formatRows([
      {
        phase: `soak ${minutes} min, ${MIX.perSecond} writes/s`,
        figure: 'windows with list p99 over 200 ms',
        measured: `${over} of ${windows} (overall p99 ${ms(overall)})`,
        goal: 'none',
        met: over === 0 && allLists.length > 0,
        peer: '',
      },
    ]),
  );
}
