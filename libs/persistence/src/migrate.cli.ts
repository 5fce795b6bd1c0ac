import { ConfigError, loadConfig } from '@huigong/platform';
import { runMigrations } from './migrate';

/** `npm run migrate`: applies pending migrations and exits. */
async function main(): Promise<void> {
  const config = loadConfig();
  const applied = await runMigrations(config.databaseUrl);
  console.log(applied.length === 0 ? 'Database schema is up to date.' : `Applied migrations: ${applied.join(', ')}.`);
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : `Migration failed: ${(error as Error).message}`);
  process.exit(1);
});
