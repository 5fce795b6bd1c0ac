/**
 * npm run bench:e2e: the product measured end to end as a client sees it, on this machine, beside the
 * limit the machine sets (plain node-postgres writing the same rows) measured in the same run.
 *
 * It starts the product as `npm start` does (the launcher, its three processes, a fresh database and
 * queue prefix), with the caseworkers' webhooks and the worker gateway pointing at sinks in this process;
 * loads people through API v1; then measures intake (closed loop), openings to candidate-list webhooks
 * (open loop at fixed rates, then stepping up to the knee) and a bulk import, with CPU per item per process
 * from /proc; and prints one table of figures, goals and the peer. See bench/README.md.
 */
import { loadavg } from 'node:os';
import { Redis } from 'ioredis';
import { ApiClient, sleep } from '../demo/api-client';
import { checkPostgres, checkRedis } from '../demo/preflight';
import { Progress, count } from '../demo/progress';
import { CpuMeter, type RolePids, commandName } from './e2e/cpu';
import { type IntentsOutcome, benchFair, fairIntents } from './e2e/intents';
import { HttpDriver } from './e2e/load';
import { OptionError, USAGE, parseOptions, wantsHelp } from './e2e/options';
import { PEER_APPLICATION, Peer, type PeerBulk, type PeerSingle } from './e2e/peer';
import {
  type BenchContext,
  type BulkOutcome,
  type IntakeOutcome,
  type OpeningsOutcome,
  budget,
  bulkImport,
  createAccounts,
  formatRate,
  intake,
  openings,
  postOffers,
  settle,
} from './e2e/phases';
import { BENCH_APPLICATION, Pipeline } from './e2e/pipeline';
import { Product, dropWorld, freshWorld } from './e2e/product';
import { type CpuRow, type Row, formatCpu, formatRows, ms, perItem, rate, seconds } from './e2e/report';
import { CaseworkerSink, WorkerGatewaySink } from './e2e/sinks';
import { runSoak } from './e2e/soak';
import { World } from './e2e/world';

/** The goals of issue 10, on a 2-core machine. */
const GOALS = {
  intakePerSecond: 1_500,
  intakeConcurrency: 32,
  intakeP99Ms: 50,
  bulkPeople: 1_000_000,
  bulkAcceptedMs: 60_000,
  bulkMatchedMs: 120_000,
  openingsRate: 100,
  openingsP99Ms: 100,
  openingsSeconds: 60,
  openingsPeople: 100_000,
  kneePerSecond: 300,
  cpuPerOpeningMs: 3,
  /** Issue 13: a job fair's partner sending intents. */
  intentsPerSecond: 1_000,
  intentsP99Ms: 50,
};

/** How long the processes' CPU is measured doing nothing, after the setup. */
const IDLE_MS = 5_000;

const SERVER = process.env.BENCH_DATABASE_SERVER_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS = process.env.REDIS_URL?.trim() || 'redis://127.0.0.1:6379';
/** PostgreSQL's own processes, which work for every database of the server (WAL, checkpoints, vacuum). */
const SERVER_PROCESSES = ['checkpointer', 'background writer', 'walwriter', 'autovacuum launcher', 'autovacuum worker', 'logical replication launcher'];

const progress = new Progress();
const cleanups: (() => Promise<void>)[] = [];
let cleaning: Promise<void> | undefined;

/** Everything started is stopped, newest first, each tried even if another fails; once. */
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    for (const step of cleanups.reverse())
      await step().catch((error: unknown) => {
        console.error(`cleaning up: ${error instanceof Error ? error.message : String(error)}`);
      });
  })();
  return cleaning;
}

/** The pid of the Redis server, if it runs on this machine (INFO says which process it is). */
async function redisPid(url: string): Promise<number | undefined> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    const pid = Number(/process_id:(\d+)/.exec(await redis.info('server'))?.at(1));
    return Number.isInteger(pid) && commandName(pid)?.startsWith('redis') === true ? pid : undefined;
  } finally {
    redis.disconnect();
  }
}

function loadAverage(): string {
  return loadavg()
    .map((value) => value.toFixed(2))
    .join(', ');
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (wantsHelp(argv)) {
    console.log(USAGE);
    return;
  }
  const options = parseOptions(argv);
  const problems = (await Promise.all([checkPostgres(SERVER), checkRedis(REDIS)])).filter((problem): problem is string => problem !== undefined);
  if (problems.length > 0) throw new OptionError(problems.join('\n'));

  console.log(`bench:e2e on node ${process.version}, load average ${loadAverage()} (1, 5, 15 min)`);
  const worldOptions = await freshWorld(SERVER, REDIS);
  cleanups.push(() => dropWorld(worldOptions));
  const pipeline = await Pipeline.open(worldOptions.databaseUrl, REDIS, worldOptions.queuePrefix);
  cleanups.push(() => pipeline.close());
  console.log(`database ${worldOptions.database} and queue prefix ${worldOptions.queuePrefix} (both removed at the end)`);

  // PostgreSQL: the backends of the bench's database but the bench's own, plus the server's processes.
  const postgresPids =
    (application: 'product' | 'peer'): RolePids =>
    async () => {
      const { rows } = await pipeline.client.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity
        WHERE (datname = $1 AND CASE WHEN $2 = 'peer' THEN application_name = $3 ELSE application_name NOT IN ($3, $4) END)
           OR backend_type = ANY($5::text[])`,
        [worldOptions.database, application, PEER_APPLICATION, BENCH_APPLICATION, SERVER_PROCESSES],
      );
      const pids = rows.map((row) => row.pid);
      // A server on another machine has no /proc entries here: not measurable.
      return pids.some((pid) => commandName(pid) !== undefined) ? pids : undefined;
    };
  const redis = await redisPid(REDIS);
  const redisRole: RolePids = () => Promise.resolve(redis === undefined ? undefined : [redis]);
  const benchRole: RolePids = () => Promise.resolve([process.pid]);
  const world = new World(options.desks);
  const rows: Row[] = [];
  const cpuRows: CpuRow[] = [];

  // --- the peer, before the product starts, alone on the machine's PostgreSQL --------------------------
  const peerSingles: PeerSingle[] = [];
  let peerBulk: PeerBulk | undefined;
  if (options.phases.has('peer') && !options.soak) {
    const peerCpu = new CpuMeter(
      new Map([
        ['postgres', postgresPids('peer')],
        ['bench', benchRole],
      ]),
    );
    const peer = await Peer.prepare(worldOptions.databaseUrl);
    console.log(`peer: plain node-postgres on the same server (${await peer.durability()})`);
    for (const concurrency of options.concurrency) {
      progress.update(`peer: candidate + outbox row per transaction, ${concurrency} clients, ${options.intakeSeconds} s...`, true);
      const single = await peer.single(world, concurrency, options.intakeSeconds * 1000, peerCpu);
      peerSingles.push(single);
      progress.done(
        `peer: ${concurrency} clients: ${count(single.writes)} committed, ${rate(single.perSecond)}, p50 ${ms(single.p50)}, p99 ${ms(single.p99)}, PostgreSQL ${ms(single.pgCpuMsPerWrite)} CPU a write`,
      );
    }
    if (options.phases.has('bulk') && options.bulk > 0) {
      progress.update(`peer: ${count(options.bulk)} people in multi-row statements of ${count(options.chunk)}, ${options.bulkConcurrency} at once...`, true);
      peerBulk = await peer.bulk(world, options.bulk, options.chunk, options.bulkConcurrency, peerCpu);
      progress.done(
        `peer: ${count(peerBulk.people)} people (and their outbox rows) in ${seconds(peerBulk.ms)}, ${rate(peerBulk.perSecond)}, PostgreSQL ${ms(peerBulk.pgCpuMsPerPerson)} CPU a person`,
      );
    }
    await peer.drop();
  }

  // --- the product ------------------------------------------------------------------------------------
  const sink = await CaseworkerSink.start();
  cleanups.push(() => sink.close());
  const gateway = await WorkerGatewaySink.start();
  cleanups.push(() => gateway.close());
  const overrides: Record<string, string> = {
    // Past 3 lists in 10 minutes a caseworker's lists would be folded into one digest at the window's end:
    // there would be no webhook per opening to time.
    DIGEST_AFTER_LISTS: process.env.DIGEST_AFTER_LISTS ?? 'off',
    // The bench is one client standing in for many (600 a minute per key is the default): a handful of keys
    // drives the goals' rates. The limit's own cost per request stays (its guard runs either way).
    RATE_LIMIT_PER_MINUTE: process.env.RATE_LIMIT_PER_MINUTE ?? 'off',
  };
  const webhookHosts = [
    ...new Set([
      ...(process.env.WEBHOOK_ALLOWED_HOSTS ?? '')
        .split(',')
        .map((host) => host.trim())
        .filter((host) => host !== ''),
      '127.0.0.1',
    ]),
  ].join(',');
  const product = await Product.start(worldOptions, {
    serverUrl: SERVER,
    redisUrl: REDIS,
    overrides,
    webhookHosts,
    workerGateway: { url: gateway.url, secret: gateway.secret },
  });
  cleanups.push(async () => {
    progress.say('Stopping the product...');
    await product.stop();
    if (!options.keepLog) product.removeLog();
  });
  progress.update('Starting the product (node dist/apps/launcher/src/main.js, as npm start)...', true);
  await product.ready(budget(0, 0, 120_000));
  progress.done(
    `product up: api ${product.pids.get('api') ?? '?'}, matcher ${product.pids.get('matcher') ?? '?'}, notifier ${product.pids.get('notifier') ?? '?'}; ` +
      `${Object.entries(overrides)
        .map(([name, value]) => `${name}=${value}`)
        .join(', ')}; log ${product.logFile}${options.keepLog ? '' : ' (removed at the end; --keep-log keeps it)'}`,
  );
  const fixedPid =
    (name: 'api' | 'matcher' | 'notifier'): RolePids =>
    () => {
      const pid = product.pids.get(name);
      return Promise.resolve(pid === undefined ? undefined : [pid]);
    };
  const cpu = new CpuMeter(
    new Map([
      ['api', fixedPid('api')],
      ['matcher', fixedPid('matcher')],
      ['notifier', fixedPid('notifier')],
      ['postgres', postgresPids('product')],
      ['redis', redisRole],
      ['bench', benchRole],
    ]),
  );
  const driver = new HttpDriver(product.apiUrl, 128);
  cleanups.push(() => driver.close());
  const context: BenchContext = {
    options,
    world,
    api: new ApiClient(product.apiUrl),
    driver,
    pipeline,
    cpu,
    sink,
    progress,
    adminKey: product.adminKey,
    desks: [],
    employers: [],
    merchants: [],
    slots: new Map(),
  };
  await createAccounts(context);
  if (redis === undefined) console.log('Redis runs on another machine: its CPU is not counted.');

  if (options.people > 0) {
    const loaded = await bulkImport(context, options.people, 'loading people', budget(options.people, 15));
    cpuRows.push({ phase: `load ${count(options.people)} people (bulk)`, items: loaded.accepted, perItem: perItem(loaded.cpu.ms, loaded.accepted) });
  }
  progress.update(`posting ${count(options.openings)} openings and ${count(options.slots)} slots that stay open...`, true);
  const offers = await postOffers(context);
  await settle(context, 'open offers: matching', budget(offers.openings + offers.slots, 200));
  progress.done(`${count(offers.openings)} openings and ${count(offers.slots)} slots open, matched against the people loaded`);

  // What the processes use doing nothing (relays polling the outbox, queue workers waiting, the bench's
  // own polls): a phase's CPU includes it, so at low rates it weighs on the figure per item.
  const idle = await cpu.begin();
  await sleep(IDLE_MS);
  const idleCpu = await idle.end();
  cpuRows.push({ phase: 'idle, per second', items: Math.round(idleCpu.wallMs / 1000), perItem: perItem(idleCpu.ms, idleCpu.wallMs / 1000) });

  if (options.soak) {
    await runSoak(context, options.soakMinutes, gateway);
    return;
  }

  // --- intake -----------------------------------------------------------------------------------------
  const intakes: IntakeOutcome[] = [];
  if (options.phases.has('intake')) {
    for (const concurrency of options.concurrency) {
      const outcome = await intake(context, concurrency);
      intakes.push(outcome);
      cpuRows.push({ phase: `intake c=${concurrency}`, items: outcome.registrations, perItem: perItem(outcome.cpu.ms, outcome.registrations) });
    }
  }

  // --- a job fair's intents --------------------------------------------------------------------------
  const intentSteps: IntentsOutcome[] = [];
  if (options.phases.has('intents')) {
    const fair = await benchFair(context);
    for (const perSecond of options.intentsRates) {
      const step = await fairIntents(context, fair, perSecond, options.intentsSeconds);
      intentSteps.push(step);
      cpuRows.push({ phase: `intents ${formatRate(step.rate)}`, items: step.taken, perItem: perItem(step.cpu.ms, step.taken) });
    }
  }

  // --- openings ---------------------------------------------------------------------------------------
  const steps: OpeningsOutcome[] = [];
  if (options.phases.has('openings')) {
    for (const perSecond of options.rates) steps.push(await openings(context, perSecond, options.sustainSeconds, GOALS.openingsP99Ms));
    // The knee: from the lowest rate, x factor, up from the highest rate that kept up, until one does not.
    const lowest = Math.min(...options.rates);
    const keptUp = steps.filter((step) => step.keptUp).map((step) => step.rate);
    const failed = steps.filter((step) => !step.keptUp).map((step) => step.rate);
    const ceiling = failed.length === 0 ? Infinity : Math.min(...failed);
    const floor = Math.max(0, ...keptUp.filter((value) => value < ceiling));
    for (let next = lowest * options.stepFactor; next <= options.maxRate; next *= options.stepFactor) {
      if (next <= floor) continue;
      if (next >= ceiling) break;
      const step = await openings(context, next, options.stepSeconds, GOALS.openingsP99Ms);
      steps.push(step);
      if (!step.keptUp) break;
    }
  }

  // --- bulk -------------------------------------------------------------------------------------------
  let bulk: BulkOutcome | undefined;
  if (options.phases.has('bulk') && options.bulk > 0) {
    const scaledGoalMs = (GOALS.bulkMatchedMs * options.bulk) / GOALS.bulkPeople;
    bulk = await bulkImport(
      context,
      options.bulk,
      `bulk import of ${count(options.bulk)}`,
      Math.min(budget(options.bulk, 15), 60_000 + 10 * scaledGoalMs + budget(0, 0)),
    );
    cpuRows.push({ phase: `bulk ${count(options.bulk)}`, items: bulk.accepted, perItem: perItem(bulk.cpu.ms, bulk.accepted) });
  }

  // --- the table --------------------------------------------------------------------------------------
  for (const outcome of intakes) {
    const peer = peerSingles.find((single) => single.concurrency === outcome.concurrency);
    const goal = outcome.concurrency === GOALS.intakeConcurrency;
    const phase = `intake c=${outcome.concurrency}`;
    rows.push({
      phase,
      figure: 'registrations/s (201)',
      measured: `${rate(outcome.perSecond)}${outcome.errors > 0 ? ` (${count(outcome.errors)} not 201)` : ''}`,
      goal: goal ? `>= ${rate(GOALS.intakePerSecond)}` : '',
      met: goal ? outcome.perSecond >= GOALS.intakePerSecond && outcome.errors === 0 : undefined,
      peer: peer === undefined ? '' : `${rate(peer.perSecond)} committed`,
    });
    rows.push({
      phase,
      figure: 'POST p50 / p95 / p99',
      measured: `${ms(outcome.p50)} / ${ms(outcome.p95)} / ${ms(outcome.p99)}`,
      goal: goal ? `p99 <= ${ms(GOALS.intakeP99Ms)}` : '',
      met: goal ? outcome.p99 <= GOALS.intakeP99Ms : undefined,
      peer: peer === undefined ? '' : `${ms(peer.p50)} / - / ${ms(peer.p99)}`,
    });
    const cpuAll = perItem(outcome.cpu.ms, outcome.registrations);
    rows.push({
      phase,
      figure: 'CPU per registration, all',
      measured: `${ms(cpuAll.get('all'))}${outcome.settled ? '' : ' (pipeline not done)'}`,
      goal: '',
      met: undefined,
      peer: peer === undefined ? '' : `PostgreSQL ${ms(peer.pgCpuMsPerWrite)}`,
    });
  }
  for (const intents of intentSteps) {
    const phase = `intents ${formatRate(intents.rate)} ${intents.seconds} s`;
    const atGoalRate = intents.rate === GOALS.intentsPerSecond;
    rows.push({
      phase,
      figure: `POST p50 / p95 / p99 (${count(intents.taken)} taken)`,
      measured: `${ms(intents.latency.p50)} / ${ms(intents.latency.p95)} / ${ms(intents.latency.p99)}${intents.errors === '' ? '' : ` (not 201: ${intents.errors})`}`,
      goal: atGoalRate ? `p99 <= ${ms(GOALS.intentsP99Ms)}` : '',
      met: atGoalRate ? intents.errors === '' && intents.latency.p99 <= GOALS.intentsP99Ms : undefined,
      peer: '',
    });
    rows.push({
      phase,
      figure: 'leads made after the last answer',
      measured:
        intents.leadsMs === undefined
          ? `did not keep up (${count(intents.leads)} of ${count(intents.intents)} intents)`
          : `${seconds(intents.leadsMs)} (${count(intents.leads)} leads of ${count(intents.intents)} intents)`,
      goal: '',
      met: undefined,
      peer: '',
    });
    rows.push({ phase, figure: 'CPU per intent, all', measured: ms(perItem(intents.cpu.ms, intents.taken).get('all')), goal: '', met: undefined, peer: '' });
  }
  if (intentSteps.length > 0) {
    const within = intentSteps.filter((step) => step.errors === '' && step.latency.p99 <= GOALS.intentsP99Ms).map((step) => step.rate);
    rows.push({
      phase: 'intents',
      figure: `highest rate run with p99 <= ${ms(GOALS.intentsP99Ms)}`,
      measured: within.length === 0 ? `< ${formatRate(Math.min(...intentSteps.map((step) => step.rate)))}` : formatRate(Math.max(...within)),
      goal: `>= ${formatRate(GOALS.intentsPerSecond)}`,
      met: within.length > 0 && Math.max(...within) >= GOALS.intentsPerSecond,
      peer: '',
    });
  }
  if (bulk !== undefined) {
    const scale = options.bulk / GOALS.bulkPeople;
    const acceptGoal = GOALS.bulkAcceptedMs * scale;
    const matchGoal = GOALS.bulkMatchedMs * scale;
    const phase = `bulk ${count(options.bulk)}`;
    // The goals are for a million people; a smaller run is held to them in proportion.
    const scaled = options.bulk !== GOALS.bulkPeople;
    rows.push({
      phase,
      figure: 'accepted in',
      measured: `${seconds(bulk.acceptedMs)} (${rate((bulk.accepted / bulk.acceptedMs) * 1000)})${bulk.rejected > 0 ? `, ${count(bulk.rejected)} refused` : ''}`,
      goal: `<= ${ms(acceptGoal)}${scaled ? ' (1M: 60 s)' : ''}`,
      met: bulk.acceptedMs <= acceptGoal && bulk.rejected === 0,
      peer: peerBulk === undefined ? '' : `${seconds(peerBulk.ms)} (${rate(peerBulk.perSecond)})`,
    });
    rows.push({
      phase,
      figure: 'matched after the last chunk',
      measured: bulk.matchedMs === undefined ? 'did not keep up' : seconds(bulk.matchedMs),
      goal: `<= ${ms(matchGoal)}${scaled ? ' (1M: 120 s)' : ''}`,
      met: bulk.matchedMs !== undefined && bulk.matchedMs <= matchGoal,
      peer: '',
    });
    rows.push({
      phase,
      figure: 'CPU per person, all',
      measured: ms(perItem(bulk.cpu.ms, bulk.accepted).get('all')),
      goal: '',
      met: undefined,
      peer: peerBulk === undefined ? '' : `PostgreSQL ${ms(peerBulk.pgCpuMsPerPerson)}`,
    });
  }
  const peerWrite = peerSingles.at(-1);
  for (const step of steps) {
    const goalStep = step.rate === GOALS.openingsRate;
    const phase = `openings ${formatRate(step.rate)} ${step.seconds} s`;
    rows.push({
      phase,
      figure: `webhook p50 / p95 / p99 (${count(step.lists)} lists)`,
      measured: `${ms(step.list.p50)} / ${ms(step.list.p95)} / ${ms(step.list.p99)}${step.keptUp ? '' : ', did not keep up'}`,
      goal: goalStep ? `p99 <= ${ms(GOALS.openingsP99Ms)} (${GOALS.openingsSeconds} s, ${count(GOALS.openingsPeople / 1000)}k people)` : '',
      met: goalStep ? step.keptUp && step.list.p99 <= GOALS.openingsP99Ms : undefined,
      peer: goalStep && peerWrite !== undefined ? `a committed write: p99 ${ms(peerWrite.p99)}` : '',
    });
    if (goalStep)
      rows.push({
        phase,
        figure: 'POST /v1/openings p50 / p99',
        measured: `${ms(step.post.p50)} / ${ms(step.post.p99)}${step.posted === step.scheduled ? '' : ` (${count(step.scheduled - step.posted)} not 201)`}`,
        goal: '',
        met: undefined,
        peer: '',
      });
    cpuRows.push({ phase, items: step.posted, perItem: perItem(step.cpu.ms, step.posted) });
  }
  const goalStep = steps.find((step) => step.rate === GOALS.openingsRate) ?? steps.at(0);
  if (goalStep !== undefined) {
    const cpuAll = perItem(goalStep.cpu.ms, goalStep.posted).get('all');
    rows.push({
      phase: `openings ${formatRate(goalStep.rate)}`,
      figure: 'CPU per opening, all',
      measured: ms(cpuAll),
      goal: `<= ${ms(GOALS.cpuPerOpeningMs)}`,
      met: cpuAll !== undefined && cpuAll <= GOALS.cpuPerOpeningMs,
      peer: peerWrite === undefined ? '' : `PostgreSQL ${ms(peerWrite.pgCpuMsPerWrite)} a write`,
    });
    const withinGoal = steps.filter((step) => step.keptUp && step.list.p99 <= GOALS.openingsP99Ms).map((step) => step.rate);
    const keeping = steps.filter((step) => step.keptUp).map((step) => step.rate);
    const knee = withinGoal.length === 0 ? 0 : Math.max(...withinGoal);
    rows.push({
      phase: 'openings',
      figure: `knee (p99 <= ${ms(GOALS.openingsP99Ms)}, no backlog)`,
      measured: knee === 0 ? `< ${formatRate(Math.min(...steps.map((step) => step.rate)))}` : formatRate(knee),
      goal: `>= ${formatRate(GOALS.kneePerSecond)}`,
      met: knee >= GOALS.kneePerSecond,
      peer: '',
    });
    rows.push({
      phase: 'openings',
      figure: 'keeps up (no backlog) to',
      measured: keeping.length === 0 ? `< ${formatRate(Math.min(...steps.map((step) => step.rate)))}` : formatRate(Math.max(...keeping)),
      goal: '',
      met: undefined,
      peer: '',
    });
  }

  const people = (await pipeline.client.query<{ n: number }>(`SELECT count(*)::int AS n FROM candidates WHERE status = 'active'`)).rows[0]?.n ?? 0;
  console.log(
    `\nRun: --people ${options.people} --bulk ${options.bulk} --chunk ${options.chunk} --desks ${options.desks} --employers ${options.employers} --openings ${options.openings} --slots ${options.slots} ` +
      `--intake-seconds ${options.intakeSeconds} --concurrency ${options.concurrency.join(',')} --intents-rates ${options.intentsRates.join(',')} --intents-seconds ${options.intentsSeconds} --rates ${options.rates.join(',')} --sustain ${options.sustainSeconds} ` +
      `--step-seconds ${options.stepSeconds} --step-factor ${options.stepFactor}; ${count(people)} people in the database at the end; load average ${loadAverage()}`,
  );
  console.log(`\n${formatRows(rows)}\n`);
  console.log(`${formatCpu(cpuRows)}\n`);
  console.log(
    `CPU from /proc (utime+stime) from a phase's first request until the pipeline finished its work; postgres = the backends of the bench's database and the server's own processes (shared with any other database's work); redis = the whole server; bench = this process (client and sinks).` +
      ` Webhooks seen: ${count(sink.lists.length)} candidate lists, ${[...sink.others].map(([type, n]) => `${count(n)} ${type}`).join(', ') || 'nothing else'}; ${count(sink.duplicates)} repeated; ${count(gateway.offers)} offers at the worker gateway.`,
  );
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    interrupted = true;
    progress.say(`${signal}: stopping.`);
    void cleanUp().then(() => process.exit(130));
  });
}

main()
  .then(() => cleanUp())
  .then(() => process.exit(0))
  .catch(async (error: unknown) => {
    // Stopped by a signal: what failed is what the clean-up closed under the running phase.
    if (interrupted) return;
    console.error(error instanceof OptionError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error));
    await cleanUp();
    process.exit(1);
  });
