/** What `npm run demo` takes from its flags and the environment. */
export interface DemoOptions {
  /** 1 = the brief's numbers; 0.05 shrinks the street and the job fair for a small machine or a test. */
  scale: number;
  /** The intake API's port. */
  port: number;
  /** The database the demo drops and creates; its name also prefixes the demo's queue keys. */
  database: string;
  /** DATABASE_URL with the demo's database in it. */
  databaseUrl: string;
  /** The same server's maintenance database, to drop and create the demo's. */
  serverUrl: string;
  redisUrl: string;
  queuePrefix: string;
}

export const USAGE = `npm run demo -- [--scale 0.05] [--port 3000] [--database huigong_demo]

Loads the brief's scenarios (the Dinghai Road street and the Baise job fair) into a fresh database through
the public API, runs the intake API, the matcher and the notifier, prints what they did, and keeps running
until Ctrl-C. PostgreSQL and Redis are read from DATABASE_URL (its server; the database is the demo's own)
and REDIS_URL. DEMO_DATABASE sets the database too; the demo drops it first, so its name must contain
"demo" or "test".`;

/** A flag or variable the demo cannot use: the message is one sentence. */
export class DemoOptionError extends Error {}

const DATABASE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

function flag(argv: readonly string[], name: string): string | undefined {
  const index = argv.indexOf(`--${name}`);
  if (index >= 0) {
    const value = argv.at(index + 1);
    if (value === undefined || value.startsWith('--')) throw new DemoOptionError(`--${name} needs a value.`);
    return value;
  }
  const inline = argv.find((arg) => arg.startsWith(`--${name}=`));
  return inline?.slice(name.length + 3);
}

export function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv): DemoOptions {
  const known = new Set(['--scale', '--port', '--database']);
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].split('=')[0];
    if (!known.has(name)) throw new DemoOptionError(`Unknown argument "${argv[i]}"; the demo takes --scale, --port and --database.`);
    if (!argv[i].includes('=')) i += 1;
  }

  const scaleText = flag(argv, 'scale') ?? '1';
  const scale = Number(scaleText);
  if (!Number.isFinite(scale) || scale <= 0 || scale > 1) throw new DemoOptionError(`--scale must be a number above 0 and at most 1, got "${scaleText}".`);

  const portText = flag(argv, 'port') ?? env.PORT?.trim() ?? '3000';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 65535) throw new DemoOptionError(`--port must be a whole number from 1 to 65535, got "${portText}".`);

  const database = flag(argv, 'database') ?? (env.DEMO_DATABASE?.trim() || 'huigong_demo');
  if (!DATABASE_NAME.test(database))
    throw new DemoOptionError(`--database must be a lower-case PostgreSQL name (letters, digits, underscores), got "${database}".`);
  // The demo drops its database before it starts: never one that could hold the product's data.
  if (!/demo|test/.test(database)) throw new DemoOptionError(`--database must contain "demo" or "test" because the demo drops it first, got "${database}".`);

  let server: URL;
  const databaseUrlText = env.DATABASE_URL?.trim() || 'postgres://postgres@127.0.0.1:5432/huigong';
  try {
    server = new URL(databaseUrlText);
    if (server.protocol !== 'postgres:' && server.protocol !== 'postgresql:') throw new Error('protocol');
  } catch {
    throw new DemoOptionError('DATABASE_URL must be a postgres:// URL.');
  }
  const redisUrl = env.REDIS_URL?.trim() || 'redis://127.0.0.1:6379';
  try {
    const redis = new URL(redisUrl);
    if (redis.protocol !== 'redis:' && redis.protocol !== 'rediss:') throw new Error('protocol');
  } catch {
    throw new DemoOptionError('REDIS_URL must be a redis:// URL.');
  }

  const databaseUrl = new URL(server);
  databaseUrl.pathname = `/${database}`;
  const serverUrl = new URL(server);
  serverUrl.pathname = '/postgres';
  return { scale, port, database, databaseUrl: databaseUrl.toString(), serverUrl: serverUrl.toString(), redisUrl, queuePrefix: database };
}
