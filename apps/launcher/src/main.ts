import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { runMigrations } from '@huigong/persistence';
import { loadConfig, runProcess } from '@huigong/platform';

/** The three processes `npm start` runs side by side; each also starts alone for scaling out. */
const PROCESSES = ['api', 'matcher', 'notifier'] as const;

/**
 * `npm start`: applies pending migrations once, then runs the intake API, the matcher and the notifier as
 * child processes. SIGTERM/SIGINT is passed on to all three and the launcher exits when they have stopped;
 * if one of them dies, the others are stopped too and the launcher exits non-zero.
 */
runProcess(
  'launcher',
  async () => {
    const logger = new Logger('launcher');
    const config = loadConfig();
    const applied = await runMigrations(config.databaseUrl);
    logger.log(applied.length === 0 ? 'Database schema is up to date.' : `Applied migrations: ${applied.join(', ')}.`);
    // Children must share one admin key: pass on the generated one.
    const env = { ...process.env, ADMIN_API_KEY: config.adminApiKey };
    if (config.adminApiKeyGenerated) logger.warn(`No ADMIN_API_KEY was set; this development run uses the admin key ${config.adminApiKey}`);

    const children = new Map<string, ChildProcess>();
    let stopping = false;
    let exitCode = 0;
    const stopAll = (signal: NodeJS.Signals): void => {
      if (stopping) return;
      stopping = true;
      for (const child of children.values()) child.kill(signal);
    };
    for (const name of PROCESSES) {
      const child = fork(join(__dirname, '..', '..', name, 'src', 'main.js'), [], { env, stdio: 'inherit' });
      children.set(name, child);
      child.on('exit', (code, signal) => {
        children.delete(name);
        if (!stopping) {
          logger.error(`The ${name} process stopped (${signal ?? `exit code ${code}`}); stopping the others.`);
          exitCode = 1;
          stopAll('SIGTERM');
        }
        if (children.size === 0) process.exit(exitCode);
      });
    }
    // One environment for all three: each worker reads its own ops port (MATCHER_OPS_PORT, NOTIFIER_OPS_PORT).
    const ops = (port: number | null) => (port === null ? 'off' : `:${port}`);
    logger.log(
      `Health (/health/live, /health/ready) and /metrics: api :${config.port}, matcher ${ops(config.opsPorts.matcher)}, notifier ${ops(config.opsPorts.notifier)}; queue board at /admin/queues on the api.`,
    );
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.on(signal, () => {
        stopAll(signal);
      });
    }
  },
  () => loadConfig(),
);
