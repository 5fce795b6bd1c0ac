/**
 * npm run bench:match: the matching engine on a deterministic Shanghai-sized city, at 100k and 1M people
 * (or --people 100000,1000000,5000000), against a PostGIS peer answering the same openings. See bench/README.md.
 */
import { MatchingEngine, type OpeningState, type SlotState } from '@huigong/matching';
import { City } from './city';
import { measureColdStart } from './cold-start';
import { type PeerReport, runPostgisPeer } from './postgis-peer';
import { mb, ms, summarise } from './stats';

const NOW = Date.UTC(2026, 10, 24);
const OPENINGS = 20_000;
const SLOTS = 10_000;
const EVENTS = 2_000;

const argument = (name: string): string | undefined => {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
};
const sizes = (argument('people') ?? '100000,1000000').split(',').map(Number);
const withPeer = !process.argv.includes('--no-peer');
const withColdStart = !process.argv.includes('--no-cold-start');

/**
 * The city split in two at a longitude near its middle, with a border as wide as its widest offer (openings
 * reach 15 km at most here): the per-shard cold start a deployment with MATCHER_REGIONS would see.
 */
const SPLIT_LNG = 121.525;
const TWO_REGIONS = {
  regions: [
    { name: 'west', minLng: 120.5, minLat: 30.0, maxLng: SPLIT_LNG, maxLat: 32.0 },
    { name: 'east', minLng: SPLIT_LNG, minLat: 30.0, maxLng: 122.5, maxLat: 32.0 },
  ],
  borderKm: 15,
};

const emptyOpening: OpeningState = { matchedCandidateIds: new Set(), openMatches: 0 };
const emptySlot: SlotState = { offeredCandidateIds: new Set(), openOffers: 0, lastOfferedAt: new Map() };
const nobodyHeld = { openJobMatches: () => 0 };

function time<T>(work: () => T): [T, number] {
  const started = performance.now();
  const result = work();
  return [result, performance.now() - started];
}

async function benchmark(people: number): Promise<void> {
  console.log(`\n== ${people.toLocaleString('en')} people, ${OPENINGS.toLocaleString('en')} openings, ${SLOTS.toLocaleString('en')} slots`);
  if (withColdStart) {
    // First, while this process holds nothing else: what a matcher starting on this city would do.
    const cold = await measureColdStart(new City(20261124), people, NOW, TWO_REGIONS);
    console.log(
      `cold start from PostgreSQL: ${cold.people.toLocaleString('en')} people read, indexed and laid out in ${ms(cold.loadMs)}; RSS ${mb(cold.rssBytes)} (inserting them took ${ms(cold.insertedInMs)})`,
    );
    console.log(
      `  read in ${cold.pages.toLocaleString('en')} pages of 20,000 rows, each its own statement; the longest wait for one page ${ms(cold.slowestPageMs)}; the engine holds ${mb(cold.engineBytes)}`,
    );
    for (const shard of cold.shards) {
      console.log(
        `  region shard ${shard.region} (MATCHER_REGIONS split at ${SPLIT_LNG}, border ${TWO_REGIONS.borderKm} km): ${shard.people.toLocaleString('en')} people read and indexed in ${ms(shard.loadMs)}, the engine holds ${mb(shard.engineBytes)} (${Math.round((100 * shard.engineBytes) / cold.engineBytes)}% of one matcher's)`,
      );
    }
    global.gc?.();
  }

  const city = new City(20261124);
  const [profiles, generateMs] = time(() => Array.from({ length: people }, (_, i) => city.person(i, NOW)));
  const openings = Array.from({ length: OPENINGS }, (_, i) => city.opening(i));
  const slots = Array.from({ length: SLOTS }, (_, i) => city.slot(i));
  console.log(`generated in ${ms(generateMs)}`);

  global.gc?.();
  const heapBefore = process.memoryUsage().rss;
  const engine = new MatchingEngine();
  const [, buildMs] = time(() => {
    for (const profile of profiles) engine.people.upsert(profile);
    for (const opening of openings) engine.openings.upsert(opening);
    for (const slot of slots) engine.slots.upsert(slot);
    engine.people.relayout();
  });
  global.gc?.();
  const rss = process.memoryUsage().rss;
  console.log(`index build: ${ms(buildMs)}; RSS ${mb(rss)} (the index adds about ${mb(rss - heapBefore)} over the generated profiles)`);

  const newOpenings = Array.from({ length: EVENTS }, (_, i) => city.opening(OPENINGS + i));
  const newSlots = Array.from({ length: EVENTS }, (_, i) => city.slot(SLOTS + i));
  const newPeople = Array.from({ length: EVENTS }, (_, i) => city.person(people + i, NOW));

  const openingTimes: number[] = [];
  const topLists: string[][] = [];
  let proposed = 0;
  for (const opening of newOpenings) {
    const [matches, elapsed] = time(() => engine.matchOpening(opening, emptyOpening, nobodyHeld, NOW));
    openingTimes.push(elapsed);
    proposed += matches.length;
    if (topLists.length < 50) topLists.push(matches.slice(0, 50).map((m) => m.candidateId));
  }
  const slotTimes: number[] = [];
  for (const slot of newSlots) slotTimes.push(time(() => engine.matchSlot(slot, emptySlot, NOW))[1]);
  const personTimes: number[] = [];
  for (const person of newPeople) {
    personTimes.push(
      time(() => {
        engine.people.upsert(person);
        engine.matchCandidateToOpenings(person, () => emptyOpening, 0, NOW);
        engine.matchCandidateToSlots(person, () => emptySlot, NOW);
      })[1],
    );
  }
  const row = (label: string, timings: number[]) => {
    const s = summarise(timings);
    console.log(
      `${label.padEnd(14)} p50 ${ms(s.p50).padStart(9)}  p95 ${ms(s.p95).padStart(9)}  p99 ${ms(s.p99).padStart(9)}  max ${ms(s.max).padStart(9)}  ${Math.round(s.perSecond).toLocaleString('en').padStart(8)} events/s`,
    );
  };
  row('new opening', openingTimes);
  row('new slot', slotTimes);
  row('new person', personTimes);
  console.log(`(${(proposed / EVENTS).toFixed(1)} people proposed per new opening on average)`);

  if (withPeer) {
    const peer: PeerReport = await runPostgisPeer(profiles, newOpenings.slice(0, 50), topLists, NOW);
    const engineP50 = summarise(openingTimes).p50;
    console.log(`postgis peer: ${peer.loaded}; 50 openings p50 ${ms(peer.p50)}, p99 ${ms(peer.p99)}; same top-50 for ${peer.sameTop}/50 openings`);
    console.log(`engine vs peer (p50 per new opening): ${(peer.p50 / engineP50).toFixed(0)}x faster`);
  }
}

async function main(): Promise<void> {
  console.log(`node ${process.version}, ${process.arch}; ${EVENTS} events of each kind per size; seed 20261124`);
  for (const people of sizes) await benchmark(people);
}

main().catch((error: unknown) => {
  console.error((error as Error).message);
  process.exit(1);
});
