/**
 * `npm run sim:fairness`: four weeks of the Dinghai Road street through the real engine and rules.
 *
 * The street of the demo (4,000 workers, 30 slots at 30 service points; demo/scenarios.ts) is put into the
 * matcher's engine and its Proposer, on the proposals' store in memory (libs/matching). Every hour of 28
 * days: offers whose occurrence has ended are settled (workers come and redeem up to the seats, at their
 * own rate; the rest expire, as no-shows when seats were left), then every slot is offered again up to its
 * limit, in rotation, as the matcher does after each expiry. Most workers come four times in five; one in
 * seven rarely comes (a no-show rate that puts them behind in the rotation).
 *
 * It prints, per slot, the Gini coefficient of the offers among the people equally eligible for the slot
 * (0: everyone had as many), beside the least any allocation of that many offers could reach: a slot with
 * fewer offers than eligible people cannot go below 1 - offers/eligible, however fair. The goal, at most
 * 0.2, holds for every slot with an offer for each eligible person (and overall: their Gini weighted by
 * offers); for the scarce ones, the most offers anyone had (1: nobody had a second before all had one). And the share of the offers that reached the union's priority groups beside their
 * share of the eligible.
 */
import { type TargetGroup } from '@huigong/domain';
import {
  type CandidateProfile,
  CountHints,
  DEFAULT_MATCHING_POLICY,
  InMemoryProposalStore,
  MatchingEngine,
  Proposer,
  type SlotOffer,
  allPass,
  checkSlot,
  gini,
  leastGini,
} from '@huigong/matching';
import { demoScenarios } from '../demo/scenarios';
import { Random } from '../demo/random';
import { table } from '../demo/report';

const HOUR_MS = 3_600_000;
const DAYS = 28;
const START = Date.parse('2026-11-02T00:00:00+08:00'); // a Monday, Shanghai time
const TIME_ZONE = 'Asia/Shanghai';
/** Groups the union puts first (their priority in the score is 0.8 or more). */
const PRIORITY_GROUPS = new Set(
  Object.entries(DEFAULT_MATCHING_POLICY.groupPriority)
    .filter(([, priority]) => priority >= 0.8)
    .map(([group]) => group as TargetGroup),
);
const GINI_GOAL = 0.2;

interface Worker {
  profile: CandidateProfile;
  /** Chance they come when offered. */
  comes: number;
}

async function main(): Promise<void> {
  const random = new Random(20_261_130);
  const [street] = demoScenarios(1);
  const workers: Worker[] = street.caseworkers.flatMap((caseworker, c) =>
    caseworker.candidates.map((body, i) => ({
      profile: {
        id: `worker-${c}-${i}`,
        groups: body.groups,
        skills: body.skills,
        location: body.location,
        maxTravelKm: body.maxTravelKm,
        availability: body.availability,
        breaks: body.breaks,
        accessibilityNeeds: body.accessibilityNeeds,
        consentJobs: body.consent.contact,
        consentBenefits: body.consent.contact,
        takesJobProposals: true,
        waitingSince: START - (30 + ((c * 997 + i * 131) % 300)) * 86_400_000,
      },
      comes: random.chance(1 / 7) ? 0.15 : 0.8,
    })),
  );
  const slots: (SlotOffer & { title: string; merchant: string })[] = street.merchants.flatMap((merchant, m) =>
    merchant.slots.map((slot, s) => ({
      id: `slot-${m}-${s}`,
      title: slot.title,
      merchant: merchant.name,
      accepting: true,
      eligibleGroups: slot.eligibleGroups,
      location: slot.location,
      radiusKm: slot.radiusKm,
      windows: slot.windows,
      accessibilityFeatures: slot.accessibilityFeatures,
      capacity: slot.capacity,
    })),
  );

  let now = START;
  const clock = () => now;
  const engine = new MatchingEngine(DEFAULT_MATCHING_POLICY);
  const store = new InMemoryProposalStore(clock);
  const counts = { perCandidate: new CountHints(5_000, clock), perOpening: new CountHints(5_000, clock), perSlot: new CountHints(5_000, clock) };
  const proposer = new Proposer(engine, counts, store, { timeZone: TIME_ZONE, clock });
  const byId = new Map(workers.map((worker) => [worker.profile.id, worker]));
  for (const worker of workers) {
    store.people.set(worker.profile.id, { profile: worker.profile, caseworkerId: 'street-desk', active: true });
    engine.people.upsert(worker.profile);
  }
  for (const slot of slots) {
    store.slots.set(slot.id, slot);
    engine.slots.upsert(slot);
  }
  const capacity = new Map(slots.map((slot) => [slot.id, slot.capacity]));

  const started = performance.now();
  let redeemed = 0;
  let noShows = 0;
  let turnedAway = 0;
  for (let hour = 0; hour <= DAYS * 24; hour++) {
    now = START + hour * HOUR_MS;
    // Occurrences that ended: each worker holding an offer for it came (at their rate) or did not.
    const ended = new Map<string, typeof store.matches>();
    for (const match of store.matches) {
      if (match.kind !== 'slot' || match.status !== 'proposed' || match.expiresAt === undefined || match.expiresAt.getTime() > now) continue;
      const key = `${match.offerId}@${match.expiresAt.getTime()}`;
      ended.set(key, [...(ended.get(key) ?? []), match]);
    }
    for (const [key, offers] of ended) {
      const slotId = key.slice(0, key.indexOf('@'));
      let seats =
        (capacity.get(slotId) ?? 0) -
        store.matches.filter(
          (match) => match.offerId === slotId && match.status === 'redeemed' && match.expiresAt?.getTime() === offers[0].expiresAt?.getTime(),
        ).length;
      for (const offer of random.sample(offers, offers.length)) {
        const came = random.chance(byId.get(offer.candidateId)?.comes ?? 0);
        if (came && seats > 0) {
          offer.status = 'redeemed';
          seats--;
          redeemed++;
        } else {
          offer.status = 'expired';
          offer.statusReason = came ? 'occurrence_full' : seats > 0 ? 'no_show' : 'occurrence_full';
          if (offer.statusReason === 'no_show') noShows++;
          else if (came) turnedAway++;
        }
      }
    }
    if (hour === 0 || ended.size > 0) {
      const touched = hour === 0 ? slots.map((slot) => slot.id) : [...new Set([...ended.keys()].map((key) => key.slice(0, key.indexOf('@'))))];
      for (const slotId of touched) await proposer.proposeForSlot(slotId, `sim-${hour}`);
    }
  }
  const simulatedMs = performance.now() - started;

  // Who was equally eligible for each slot, and how many offers each of them had.
  const rows: { title: string; merchant: string; eligible: number; offers: number; gini: number; least: number; most: number }[] = [];
  let priorityOffers = 0;
  let allOffers = 0;
  let priorityEligible = 0;
  let allEligible = 0;
  const offersOf = new Map<string, number>();
  for (const match of store.matches)
    if (match.kind === 'slot') offersOf.set(`${match.offerId}:${match.candidateId}`, (offersOf.get(`${match.offerId}:${match.candidateId}`) ?? 0) + 1);
  for (const slot of slots) {
    const eligible = workers.filter((worker) => allPass(checkSlot(worker.profile, slot, DEFAULT_MATCHING_POLICY)));
    const perPerson = eligible.map((worker) => offersOf.get(`${slot.id}:${worker.profile.id}`) ?? 0);
    const offers = perPerson.reduce((sum, n) => sum + n, 0);
    const isPriority = (worker: Worker) => worker.profile.groups.some((group) => PRIORITY_GROUPS.has(group));
    priorityEligible += eligible.filter(isPriority).length;
    allEligible += eligible.length;
    priorityOffers += eligible.filter(isPriority).reduce((sum, worker) => sum + (offersOf.get(`${slot.id}:${worker.profile.id}`) ?? 0), 0);
    allOffers += offers;
    rows.push({
      title: slot.title,
      merchant: slot.merchant,
      eligible: eligible.length,
      offers,
      gini: gini(perPerson),
      least: leastGini(offers, eligible.length),
      most: Math.max(0, ...perPerson),
    });
  }

  const pct = (part: number, whole: number) => (whole === 0 ? '-' : `${((100 * part) / whole).toFixed(1)}%`);
  console.log(
    `sim:fairness: ${DAYS} days of the Dinghai Road street, ${workers.length.toLocaleString('en')} workers, ${slots.length} slots; ` +
      `simulated in ${(simulatedMs / 1000).toFixed(1)} s`,
  );
  console.log(
    `offers ${allOffers.toLocaleString('en')}, redeemed ${redeemed.toLocaleString('en')}, no-shows ${noShows.toLocaleString('en')}, turned away (occurrence full) ${turnedAway.toLocaleString('en')}`,
  );
  console.log('');
  const figures = (value: number) => value.toFixed(3);
  const lines = table(
    ['service point: slot', 'eligible', 'offers', 'Gini', 'least', 'most'],
    rows.map((row) => [`${row.merchant}: ${row.title}`, row.eligible, row.offers, figures(row.gini), figures(row.least), row.most]),
    [48],
  );
  for (const line of lines) console.log(line);
  // Slots differ in offers per person (1 to 13 here), so their people are not pooled: each slot's Gini
  // counts, weighted by its offers, and the goal holds for the worst.
  const supplied = rows.filter((row) => row.eligible > 0 && row.offers >= row.eligible);
  const scarce = rows.filter((row) => row.eligible > row.offers);
  const suppliedOffers = supplied.reduce((sum, row) => sum + row.offers, 0);
  const overall = suppliedOffers === 0 ? 0 : supplied.reduce((sum, row) => sum + row.gini * row.offers, 0) / suppliedOffers;
  const worst = Math.max(0, ...supplied.map((row) => row.gini));
  console.log('');
  console.log(
    `Gini of offers among the equally eligible, over the ${supplied.length} slots with an offer for each of them: ${overall.toFixed(3)} ` +
      `weighted by offers, the worst ${worst.toFixed(3)} (goal <= ${GINI_GOAL} at every one: ${worst <= GINI_GOAL ? 'met' : 'NOT MET'})`,
  );
  console.log(
    `${scarce.length} scarce slots (fewer offers in ${DAYS} days than eligible people): their Gini cannot go below "least"; ` +
      `the most offers one person had at any of them: ${Math.max(0, ...scarce.map((row) => row.most))}`,
  );
  console.log(
    `priority groups (${[...PRIORITY_GROUPS].join(', ')}): ${pct(priorityOffers, allOffers)} of the offers, ${pct(priorityEligible, allEligible)} of the eligible`,
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
