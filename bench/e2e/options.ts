/** What `npm run bench:e2e` takes from its flags, with defaults that finish in a few minutes on 2 cores. */
export interface E2eOptions {
  /** People loaded through the API (bulk) before the measured phases. */
  people: number;
  /** People in the bulk phase. */
  bulk: number;
  /** Lines per bulk request (the contract allows 100,000 and 32 MiB). */
  chunk: number;
  /** Bulk requests in flight at once. */
  bulkConcurrency: number;
  /** Caseworker desks, each with a webhook at the sink; people belong to the desk nearest to them. */
  desks: number;
  employers: number;
  /** Openings and slots posted before the phases and left open: what new people are matched against. */
  openings: number;
  slots: number;
  /** Closed-loop intake: seconds per run, and the concurrencies run. */
  intakeSeconds: number;
  concurrency: number[];
  /** Open-loop openings: the rates held for `sustainSeconds` each. */
  rates: number[];
  sustainSeconds: number;
  /** The knee: steps of `stepSeconds`, each `stepFactor` times the last, up to `maxRate`. */
  stepSeconds: number;
  stepFactor: number;
  maxRate: number;
  /** Open-loop intents of a job fair's partner: the rates, each held for `intentsSeconds`. */
  intentsRates: number[];
  intentsSeconds: number;
  phases: Set<Phase>;
  soak: boolean;
  soakMinutes: number;
  keepLog: boolean;
}

export const PHASES = ['peer', 'intake', 'intents', 'bulk', 'openings'] as const;
export type Phase = (typeof PHASES)[number];

export const USAGE = `npm run bench:e2e -- [flags]

Starts the product as \`npm start\` does on a fresh database (huigong_bench_e2e_*, dropped at the end), loads
people through API v1, and measures it as a client: intake (closed loop), bulk import, and openings to
candidate-list webhooks (open loop, then stepping the rate up to find the knee), with CPU per item per
process and the plain-pg peer beside each figure. See bench/README.md.

  --people N           people loaded before the phases (10000; the goals: 100000)
  --bulk N             people in the bulk phase (10000; the goal: 1000000)
  --chunk N            lines per bulk request (5000)
  --bulk-concurrency N bulk requests at once (2)
  --desks N            caseworkers with a webhook (10)
  --employers N        employers posting the openings (20)
  --openings N         openings left open while people arrive (200)
  --slots N            slots left open while people arrive (20)
  --intake-seconds S   each intake run (10; the goals: 30)
  --concurrency LIST   intake clients per run (16,32)
  --intents-rates LIST a job fair's intents per second, open loop, one step each (100,300,1000; the goal: 1000)
  --intents-seconds S  seconds each intents rate is held (10)
  --rates LIST         openings per second held for --sustain each (20,100)
  --sustain S          seconds per rate (15; the goal: 60)
  --step-seconds S     seconds per step of the knee search (10)
  --step-factor F      each step's rate over the last (1.5)
  --max-rate N         the knee search stops here (2000)
  --phases LIST        of peer,intake,intents,bulk,openings (all)
  --soak               a mixed load instead (openings, registrations, PATCHes, redemptions), p99 per 10 s window
  --soak-minutes M     (10)
  --keep-log           keep the product's log file (its path is printed)

The goals' sizes: npm run bench:e2e -- --people 100000 --bulk 1000000 --sustain 60 --intake-seconds 30`;

export class OptionError extends Error {}

export function parseOptions(argv: readonly string[]): E2eOptions {
  const values = new Map<string, string>();
  const switches = new Set<string>();
  const SWITCHES = new Set(['soak', 'keep-log', 'help']);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new OptionError(`Unexpected argument "${arg}".`);
    const equals = arg.indexOf('=');
    const name = equals < 0 ? arg.slice(2) : arg.slice(2, equals);
    const inline = equals < 0 ? undefined : arg.slice(equals + 1);
    if (SWITCHES.has(name)) {
      switches.add(name);
      continue;
    }
    const value = inline ?? argv.at(++i);
    if (value === undefined) throw new OptionError(`--${name} needs a value.`);
    values.set(name, value);
  }
  const known = new Set([
    'people',
    'bulk',
    'chunk',
    'bulk-concurrency',
    'desks',
    'employers',
    'openings',
    'slots',
    'intake-seconds',
    'concurrency',
    'intents-rates',
    'intents-seconds',
    'rates',
    'sustain',
    'step-seconds',
    'step-factor',
    'max-rate',
    'phases',
    'soak-minutes',
  ]);
  for (const name of values.keys()) if (!known.has(name)) throw new OptionError(`Unknown flag --${name}; see --help.`);

  const number = (name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number => {
    const text = values.get(name);
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!Number.isFinite(value) || value < min || value > max) throw new OptionError(`--${name} must be a number from ${min} to ${max}, got "${text}".`);
    return value;
  };
  const whole = (name: string, fallback: number, min: number, max?: number): number => {
    const value = number(name, fallback, min, max);
    if (!Number.isInteger(value)) throw new OptionError(`--${name} must be a whole number, got "${String(value)}".`);
    return value;
  };
  const list = (name: string, fallback: number[]): number[] => {
    const text = values.get(name);
    if (text === undefined) return fallback;
    const items = text.split(',').map(Number);
    if (items.length === 0 || items.some((item) => !Number.isFinite(item) || item <= 0))
      throw new OptionError(`--${name} must be positive numbers separated by commas, got "${text}".`);
    return items;
  };
  const phaseText = values.get('phases');
  const phases = new Set<Phase>();
  for (const name of phaseText === undefined ? PHASES : phaseText.split(',')) {
    const phase = PHASES.find((known) => known === name);
    if (phase === undefined) throw new OptionError(`--phases takes ${PHASES.join(', ')}; got "${name}".`);
    phases.add(phase);
  }
  return {
    people: whole('people', 10_000, 0),
    bulk: whole('bulk', 10_000, 0),
    chunk: whole('chunk', 5_000, 1, 100_000),
    bulkConcurrency: whole('bulk-concurrency', 2, 1, 64),
    desks: whole('desks', 10, 1, 1_000),
    employers: whole('employers', 20, 1, 10_000),
    openings: whole('openings', 200, 0),
    slots: whole('slots', 20, 0),
    intakeSeconds: number('intake-seconds', 10, 1),
    concurrency: list('concurrency', [16, 32]).map(Math.round),
    intentsRates: list('intents-rates', [100, 300, 1_000]),
    intentsSeconds: number('intents-seconds', 10, 1),
    rates: list('rates', [20, 100]),
    sustainSeconds: number('sustain', 15, 1),
    stepSeconds: number('step-seconds', 10, 1),
    stepFactor: number('step-factor', 1.5, 1.05, 10),
    maxRate: number('max-rate', 2_000, 1),
    phases,
    soak: switches.has('soak'),
    soakMinutes: number('soak-minutes', 10, 0.5),
    keepLog: switches.has('keep-log'),
  };
}

export function wantsHelp(argv: readonly string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}
