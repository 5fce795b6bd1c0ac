/**
 * The intake API, the matcher and the notifier as child processes, started the way `npm start` (the
 * launcher) starts them, with their logs in one file so that the demo's own output stays readable.
 *
 * Unlike the launcher, the children get a process group of their own: Ctrl-C in a terminal reaches the
 * demo alone, which then stops them once (SIGTERM) and waits, instead of each child seeing two signals.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const APP_NAMES = ['api', 'matcher', 'notifier'] as const;
export type AppName = (typeof APP_NAMES)[number];

export class DemoApps {
  private readonly children = new Map<AppName, ChildProcess>();
  private stopping = false;

  private constructor(readonly logFile: string) {}

  /**
   * Forks the three processes with `env`; `onUnexpectedExit` is called once if one of them stops before
   * `stop()` was asked.
   */
  static start(env: NodeJS.ProcessEnv, logFile: string, onUnexpectedExit: (name: AppName, how: string) => void): DemoApps {
    const apps = new DemoApps(logFile);
    const fd = openSync(logFile, 'w');
    let reported = false;
    for (const name of APP_NAMES) {
      // dist/demo/main.js -> dist/apps/<name>/src/main.js
      const child = fork(join(__dirname, '..', 'apps', name, 'src', 'main.js'), [], { env, stdio: ['ignore', fd, fd, 'ipc'], detached: true });
      apps.children.set(name, child);
      child.on('exit', (code, signal) => {
        apps.children.delete(name);
        if (!apps.stopping && !reported) {
          reported = true;
          onUnexpectedExit(name, signal ?? `exit code ${code}`);
        }
      });
    }
    closeSync(fd);
    // Whatever ends the demo, the children must not outlive it.
    process.once('exit', () => {
      apps.killNow();
    });
    return apps;
  }

  get running(): number {
    return this.children.size;
  }

  /** SIGTERM to each, then waits for them to finish their work; SIGKILL after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    this.stopping = true;
    const exits = [...this.children.values()].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) resolve();
          else
            child.once('exit', () => {
              resolve();
            });
        }),
    );
    for (const child of this.children.values()) child.kill('SIGTERM');
    const timer = setTimeout(() => {
      this.killNow();
    }, graceMs);
    await Promise.all(exits);
    clearTimeout(timer);
  }

  private killNow(): void {
    for (const child of this.children.values()) if (child.exitCode === null) child.kill('SIGKILL');
  }

  /** The last lines the processes wrote, to show when one of them stopped. */
  tail(lines = 15): string {
    try {
      return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }
}
