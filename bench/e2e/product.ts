/**
 * The product under test, run the way `npm start` runs it: `node dist/apps/launcher/src/main.js` with the
 * environment of this shell, on a fresh database and a queue prefix of this run's own. The launcher applies
 * the migrations (none pending: the bench created the schema first, for the peer) and forks the intake API,
 * the matcher and the notifier; the bench finds their pids under the launcher for /proc, waits until all
 * three answer /health/ready, and at the end stops them through the launcher (SIGTERM), drops the database
 * and deletes the queue keys.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { sleep } from '../../demo/api-client';
import { APP_NAMES, type AppName } from '../../demo/apps';
import { emptyQueues, freshDatabase } from '../../demo/fresh-world';
import type { DemoOptions } from '../../demo/options';
import { freePort } from '../../demo/preflight';
import { childrenOf } from './cpu';

export interface ProductSettings {
  serverUrl: string;
  redisUrl: string;
  /** Variables the bench sets beyond the database, queue prefix, ports, key and sinks, with the reason shown. */
  overrides: Record<string, string>;
  webhookHosts: string;
  workerGateway: { url: string; secret: string };
}

/** A database and queue prefix of this run's own: the name says bench, and a suffix keeps two runs apart. */
export async function freshWorld(serverUrl: string, redisUrl: string): Promise<DemoOptions> {
  const database = `huigong_bench_e2e_${randomBytes(3).toString('hex')}`;
  const databaseUrl = new URL(serverUrl);
  databaseUrl.pathname = `/${database}`;
  const options: DemoOptions = { scale: 1, port: await freePort(), database, databaseUrl: databaseUrl.toString(), serverUrl, redisUrl, queuePrefix: database };
  await freshDatabase(options);
  await emptyQueues(options);
  return options;
}

export async function dropWorld(options: DemoOptions): Promise<void> {
  const admin = new pg.Client({ connectionString: options.serverUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${options.database}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
  await emptyQueues(options);
}

export class Product {
  readonly pids = new Map<AppName, number>();
  private exited = false;

  private constructor(
    private readonly launcher: ChildProcess,
    readonly apiUrl: string,
    readonly adminKey: string,
    readonly opsUrls: { matcher: string; notifier: string },
    readonly logFile: string,
    readonly env: Record<string, string>,
  ) {
    launcher.once('exit', () => {
      this.exited = true;
    });
  }

  get launcherPid(): number | undefined {
    return this.launcher.pid;
  }

  get running(): boolean {
    return !this.exited;
  }

  static async start(world: DemoOptions, settings: ProductSettings): Promise<Product> {
    const adminKey = `hg_admin_${randomBytes(24).toString('base64url')}`;
    const [matcherOps, notifierOps] = [await freePort(), await freePort()];
    const env: Record<string, string> = {
      DATABASE_URL: world.databaseUrl,
      REDIS_URL: world.redisUrl,
      PORT: String(world.port),
      QUEUE_PREFIX: world.queuePrefix,
      ADMIN_API_KEY: adminKey,
      MATCHER_OPS_PORT: String(matcherOps),
      NOTIFIER_OPS_PORT: String(notifierOps),
      WEBHOOK_ALLOWED_HOSTS: settings.webhookHosts,
      WORKER_GATEWAY_URL: settings.workerGateway.url,
      WORKER_GATEWAY_SECRET: settings.workerGateway.secret,
      ...settings.overrides,
    };
    const logFile = join(tmpdir(), `${world.database}.log`);
    const fd = openSync(logFile, 'w');
    // dist/bench/e2e/product.js -> dist/apps/launcher/src/main.js, started as `npm start` starts it. A process
    // group of its own: Ctrl-C in the terminal reaches the bench, which stops the launcher once.
    const launcher = spawn(process.execPath, [join(__dirname, '..', '..', 'apps', 'launcher', 'src', 'main.js')], {
      env: { ...process.env, ...env },
      stdio: ['ignore', fd, fd],
      detached: true,
    });
    closeSync(fd);
    const product = new Product(
      launcher,
      `http://127.0.0.1:${world.port}`,
      adminKey,
      { matcher: `http://127.0.0.1:${matcherOps}`, notifier: `http://127.0.0.1:${notifierOps}` },
      logFile,
      env,
    );
    // Whatever ends the bench, the product must not outlive it.
    process.once('exit', () => {
      if (!product.exited) launcher.kill('SIGTERM');
    });
    return product;
  }

  /** Waits until the launcher's three children are there and each answers /health/ready with 200. */
  async ready(deadlineMs: number): Promise<void> {
    const until = performance.now() + deadlineMs;
    const launcherPid = this.launcher.pid;
    if (launcherPid === undefined) throw new Error('the launcher did not start');
    while (this.pids.size < APP_NAMES.length) {
      if (this.exited) throw new Error(`the launcher stopped while starting; its log: ${this.logFile}`);
      for (const { pid, commandLine } of childrenOf(launcherPid)) {
        const name = APP_NAMES.find((app) => commandLine.includes(`apps/${app}/src/main.js`));
        if (name !== undefined) this.pids.set(name, pid);
      }
      if (performance.now() > until)
        throw new Error(`the launcher had not started the three processes within ${Math.round(deadlineMs / 1000)} s; its log: ${this.logFile}`);
      if (this.pids.size < APP_NAMES.length) await sleep(100);
    }
    for (const url of [this.apiUrl, this.opsUrls.matcher, this.opsUrls.notifier]) {
      for (;;) {
        if (this.exited) throw new Error(`the launcher stopped while starting; its log: ${this.logFile}`);
        const status = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(2_000) }).then(
          (response) => response.status,
          () => 0,
        );
        if (status === 200) break;
        if (performance.now() > until)
          throw new Error(`${url}/health/ready did not answer 200 within ${Math.round(deadlineMs / 1000)} s; the log: ${this.logFile}`);
        await sleep(200);
      }
    }
  }

  /** SIGTERM to the launcher (it stops the three and waits for them); SIGKILL to all after `graceMs`. */
  async stop(graceMs = 30_000): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) =>
      this.launcher.once('exit', () => {
        resolve();
      }),
    );
    this.launcher.kill('SIGTERM');
    const timer = setTimeout(() => {
      for (const pid of this.pids.values()) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone already
        }
      }
      this.launcher.kill('SIGKILL');
    }, graceMs);
    await exited;
    clearTimeout(timer);
  }

  logBytes(): number {
    try {
      return statSync(this.logFile).size;
    } catch {
      return 0;
    }
  }

  removeLog(): void {
    rmSync(this.logFile, { force: true });
  }
}
