/**
 * `npm run demo`: the product at work on the brief's scenarios, for a newcomer.
 *
 * Checks PostgreSQL and Redis (one sentence and the way to start them if either is missing), creates a
 * fresh database and queue prefix of its own, starts the intake API, the matcher and the notifier with a
 * random admin key and a worker gateway inside this process, loads the Dinghai Road street and the Baise
 * job fair through the public API while showing progress, waits for the matcher to catch up, prints what
 * happened, and keeps running until Ctrl-C, which stops the three processes cleanly.
 */
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient, sleep } from './api-client';
import { DemoApps } from './apps';
import { courseFromOrders } from './course-menu';
import { baiseFairLive } from './live-fair';
import { emptyQueues, freshDatabase } from './fresh-world';
import { loadScenarios } from './loader';
import { waitForMatching } from './matching-watch';
import { DemoOptionError, type DemoOptions, USAGE, parseOptions } from './options';
import { checkPortFree, checkPostgres, checkRedis, freePort, serverAddress } from './preflight';
import { Progress, count, seconds } from './progress';
import { benefitMapNear, fillOneOpening, redeemSomeOffers, uptakePerMerchant } from './follow-up';
import { formatReport, gatherReport } from './report';
import { DINGHAI_ROAD, demoScenarios } from './scenarios';
import { DemoWorkerGateway } from './worker-gateway';

const progress = new Progress();
let apps: DemoApps | undefined;
let gateway: DemoWorkerGateway | undefined;
let stopping = false;

/** Stops the three processes (SIGTERM, then waits for them to finish their work) and exits. */
async function shutdown(code: number, message?: string): Promise<never> {
  if (!stopping) {
    stopping = true;
    if (message) progress.say(message);
    if (apps !== undefined && apps.running > 0) {
      progress.say('Stopping the API, the matcher and the notifier...');
      await apps.stop();
    }
    await gateway?.close();
    progress.say(code === 0 ? 'Stopped.' : 'Stopped after an error.');
    process.exit(code);
  }
  return new Promise<never>(() => undefined);
}

async function waitForApi(api: ApiClient, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      // Serving once an unauthenticated call is refused with 401.
      const response = await fetch(`${api.baseUrl}/v1/inbox`, { signal: AbortSignal.timeout(2_000) });
      if (response.status === 401) return;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error(`the API did not answer on ${api.baseUrl} within ${timeoutMs / 1000} s`);
}

async function run(options: DemoOptions): Promise<void> {
  const scenarios = demoScenarios(options.scale);
  const [street, fair] = scenarios;
  const sum = (list: { candidates: unknown[] }[]) => list.reduce((total, c) => total + c.candidates.length, 0);
  const positions = fair.employers.reduce((total, e) => total + e.openings.reduce((s, o) => s + o.positions, 0), 0);
  console.log(
    `huigong demo at scale ${options.scale}: the Dinghai Road street (${count(street.merchants.length)} service points, ${count(sum(street.caseworkers))} workers) ` +
      `and the Baise job fair (${count(fair.employers.length)} employers, ${count(positions)} positions, ${count(sum(fair.caseworkers))} seekers).`,
  );

  const problems = (await Promise.all([checkPostgres(options.serverUrl), checkRedis(options.redisUrl), checkPortFree(options.port)])).filter(
    (problem): problem is string => problem !== undefined,
  );
  if (problems.length > 0) {
    for (const problem of problems) console.error(problem);
    process.exit(1);
  }

  const migrations = await freshDatabase(options);
  await emptyQueues(options);
  console.log(`PostgreSQL and Redis answer; a fresh database ${options.database} (${migrations.length} migrations) and queue prefix ${options.queuePrefix}.`);

  gateway = await DemoWorkerGateway.start();
  const adminKey = `hg_admin_${randomBytes(24).toString('base64url')}`;
  const [matcherOps, notifierOps] = [await freePort(), await freePort()];
  const logFile = join(tmpdir(), `${options.database}.log`);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: process.env.NODE_ENV?.trim() || 'development',
    DATABASE_URL: options.databaseUrl,
    REDIS_URL: options.redisUrl,
    PORT: String(options.port),
    ADMIN_API_KEY: adminKey,
    QUEUE_PREFIX: options.queuePrefix,
    WORKER_GATEWAY_URL: gateway.url,
    WORKER_GATEWAY_SECRET: gateway.secret,
    // The demo shows offers going out whatever the hour; the daily cap per worker still applies.
    OFFER_QUIET_HOURS: process.env.OFFER_QUIET_HOURS?.trim() || 'off',
    MATCHER_OPS_PORT: String(matcherOps),
    NOTIFIER_OPS_PORT: String(notifierOps),
  };
  console.log(`Admin key of this run: ${adminKey}`);

  apps = DemoApps.start(env, logFile, (name, how) => {
    void shutdown(1, `The ${name} process stopped (${how}). The last lines of the apps' log (${logFile}):\n${apps?.tail() ?? ''}`);
  });
  const api = new ApiClient(`http://127.0.0.1:${options.port}`);
  progress.update('Starting the intake API, the matcher and the notifier...', true);
  await waitForApi(api);
  progress.done(`The intake API (${api.baseUrl}), the matcher and the notifier are up; their log: ${logFile}`);

  const started = performance.now();
  const world = await loadScenarios(api, adminKey, scenarios, progress);
  const loadMs = performance.now() - started;
  progress.done(`Loaded everything through the API in ${seconds(loadMs)}; ${count(world.events)} domain events for the matcher.`);

  const outcome = await waitForMatching(
    options.redisUrl,
    options.queuePrefix,
    world.events,
    started,
    progress,
    () => `${count(gateway?.delivered ?? 0)} offers delivered`,
  );
  progress.done(
    outcome.caughtUp
      ? `The matcher caught up: ${count(outcome.eventsHandled)} events handled ${seconds(outcome.ms)} after loading began.`
      : `The matcher had not caught up after ${seconds(outcome.ms)}; the report shows what it did so far.`,
  );

  const data = await gatherReport(api, world, gateway.offersPerSlot);
  // After the matches: caseworkers hire up to one opening's positions, merchants redeem codes workers show.
  progress.update('Caseworkers record hires; merchants redeem codes at the counter...', true);
  const filled = await fillOneOpening(api, world);
  const redeemed = await redeemSomeOffers(api, world, gateway.codesPerSlot);
  const uptake = await uptakePerMerchant(api, adminKey);
  const benefitMap = await benefitMapNear(api, adminKey, DINGHAI_ROAD);
  progress.done(`Hires recorded${filled === undefined ? '' : ` for ${filled.title}`}; ${count(redeemed)} offers redeemed.`);
  progress.update("Minle county's worker station: workers order courses from its menu...", true);
  const courseMenu = await courseFromOrders(api, adminKey);
  progress.done(
    `Minle county: ${count(courseMenu.orders)} course orders; ${courseMenu.course === undefined ? 'no course scheduled' : `a course scheduled from them, offered to ${count(courseMenu.course.offered)}`}.`,
  );
  progress.update('The Baise fair goes live: viewers tap the openings shown on the stream...', true);
  const liveFair = await baiseFairLive(api, adminKey, world, options.scale);
  progress.done(
    `Baise fair live: ${count(liveFair.sent)} intents from the stream in ${seconds(liveFair.burstMs)}; ${count(liveFair.board?.totals.intents ?? 0)} on the live board, each a lead on its town desk's list.`,
  );
  console.log(
    formatReport({
      world,
      data,
      loadMs,
      matchingMs: outcome.ms,
      caughtUp: outcome.caughtUp,
      eventsHandled: outcome.eventsHandled,
      failedJobs: outcome.failed,
      gatewayDelivered: gateway.delivered,
      gatewayRejected: gateway.rejected,
      requests: api.requests,
      baseUrl: api.baseUrl,
      adminKey,
      caseworkerKey: world.caseworkers[0]?.apiKey ?? '',
      merchantKey: world.slots[0]?.merchantKey ?? '',
      filled,
      uptake,
      benefitMap,
      courseMenu,
      liveFair,
      opsUrls: { matcher: `http://127.0.0.1:${matcherOps}`, notifier: `http://127.0.0.1:${notifierOps}` },
      logFile,
      database: options.database,
      queuePrefix: options.queuePrefix,
    }),
  );
}

function start(): void {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return;
  }
  let options: DemoOptions;
  try {
    options = parseOptions(argv, process.env);
  } catch (error) {
    console.error(error instanceof DemoOptionError ? error.message : String(error));
    process.exit(1);
  }
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void shutdown(0));
  run(options).catch((error: unknown) => {
    // One sentence, not a stack trace: what failed, and where the apps' log is.
    const what = error instanceof Error ? error.message : String(error);
    const log = apps ? ` The apps' log: ${apps.logFile}.` : '';
    void shutdown(
      1,
      `The demo stopped: ${what.replace(/\.$/, '')} (PostgreSQL at ${serverAddress(options.serverUrl)}, Redis at ${serverAddress(options.redisUrl)}).${log}`,
    );
  });
}

start();
