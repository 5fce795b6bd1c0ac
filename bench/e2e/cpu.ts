/**
 * CPU time per process from /proc/<pid>/stat (utime + stime, the whole thread group), sampled while a
 * phase runs so that a process which ends during it (a PostgreSQL backend closed by an idle pool) still
 * counts what it used up to its last sample. Roles are sets of pids that may change while the phase runs
 * (the PostgreSQL backends of the bench's database are listed again at every sample).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

/** Clock ticks per second, as /proc counts CPU time. */
export const CLOCK_TICKS = (() => {
  try {
    const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isFinite(ticks) && ticks > 0 ? ticks : 100;
  } catch {
    return 100;
  }
})();

export interface ProcStat {
  ppid: number;
  /** utime + stime, in clock ticks. */
  cpuTicks: number;
  /** When the process started, in clock ticks since boot. */
  startTicks: number;
}

/** The fields of /proc/<pid>/stat this bench needs; undefined when the process is gone. */
export function procStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name is in parentheses and may hold spaces or parentheses: the fields start after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // After the name: state(3) ppid(4) ... utime(14) stime(15) ... starttime(22), numbered from 1 with pid and comm first.
  const field = (n: number) => Number(fields.at(n - 3) ?? NaN);
  return { ppid: field(4), cpuTicks: field(14) + field(15), startTicks: field(22) };
}

/** Every process whose parent is `ppid`, with its command line. */
export function childrenOf(ppid: number): { pid: number; commandLine: string }[] {
  const children: { pid: number; commandLine: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (procStat(pid)?.ppid !== ppid) continue;
    try {
      children.push({ pid, commandLine: readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ') });
    } catch {
      // gone meanwhile
    }
  }
  return children;
}

/** The command name of a process (/proc/<pid>/comm), or undefined if it is not on this machine. */
export function commandName(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function uptimeTicks(): number {
  return Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]) * CLOCK_TICKS;
}

/** A role's processes: fixed pids, or a function listing them now (undefined: not measurable here). */
export type RolePids = () => Promise<number[] | undefined>;

export interface CpuReport {
  /** Milliseconds of CPU per role over the phase; undefined where the role could not be measured. */
  ms: Map<string, number | undefined>;
  wallMs: number;
}

/** One phase's measurement: started by `CpuMeter.begin`, ended by `end()`. */
export class CpuPhase {
  /** Per role, per pid: the reading at the phase's start (or 0 for a process born since) and the latest one. */
  private readonly readings = new Map<string, Map<number, { base: number; last: number }>>();
  private readonly measurable = new Map<string, boolean>();
  private readonly timer: NodeJS.Timeout;
  private sampling: Promise<void> = Promise.resolve();
  private readonly startedAt = performance.now();
  private readonly startTicks = uptimeTicks();

  constructor(
    private readonly roles: ReadonlyMap<string, RolePids>,
    everyMs: number,
  ) {
    for (const name of roles.keys()) this.readings.set(name, new Map());
    this.timer = setInterval(() => {
      this.sampling = this.sampling.then(() => this.sample());
    }, everyMs);
  }

  async sample(): Promise<void> {
    for (const [name, list] of this.roles) {
      const pids = await list().catch(() => undefined);
      if (pids === undefined) {
        if (!this.measurable.has(name)) this.measurable.set(name, false);
        continue;
      }
      this.measurable.set(name, true);
      const readings = this.readings.get(name) ?? new Map<number, { base: number; last: number }>();
      for (const pid of pids) {
        const stat = procStat(pid);
        if (stat === undefined) continue;
        const known = readings.get(pid);
        if (known !== undefined) known.last = stat.cpuTicks;
        // First seen: born during the phase counts from zero; seen late (listed only now) counts from here.
        else readings.set(pid, { base: stat.startTicks >= this.startTicks ? 0 : stat.cpuTicks, last: stat.cpuTicks });
      }
      // Processes listed before and no longer listed keep their last reading.
      for (const [pid, reading] of readings) {
        if (pids.includes(pid)) continue;
        const stat = procStat(pid);
        if (stat !== undefined) reading.last = stat.cpuTicks;
      }
    }
  }

  async end(): Promise<CpuReport> {
    clearInterval(this.timer);
    await this.sampling;
    await this.sample();
    const ms = new Map<string, number | undefined>();
    for (const [name, readings] of this.readings) {
      if (this.measurable.get(name) !== true) {
        ms.set(name, undefined);
        continue;
      }
      let ticks = 0;
      for (const { base, last } of readings.values()) ticks += last - base;
      ms.set(name, (ticks / CLOCK_TICKS) * 1000);
    }
    return { ms, wallMs: performance.now() - this.startedAt };
  }
}

export class CpuMeter {
  constructor(
    private readonly roles: ReadonlyMap<string, RolePids>,
    private readonly everyMs = 500,
  ) {}

  /** Starts measuring: the first sample is taken before this resolves. */
  async begin(): Promise<CpuPhase> {
    const phase = new CpuPhase(this.roles, this.everyMs);
    await phase.sample();
    return phase;
  }
}
