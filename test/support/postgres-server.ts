import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './redis-server';

const run = promisify(execFile);

/** The newest PostgreSQL server binaries Debian installed (initdb, pg_ctl). */
function serverBinaries(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((name) => existsSync(join(root, name, 'bin', 'initdb'))) : [];
  const newest = versions.sort((a, b) => Number(a) - Number(b)).at(-1);
  if (newest === undefined)
    throw new Error('PostgreSQL server binaries (initdb, pg_ctl) were not found under /usr/lib/postgresql: install the postgresql package.');
  return join(root, newest, 'bin');
}

/**
 * A PostgreSQL cluster of this test's own, in a temporary folder on its own port, that the test may stop
 * and start again without touching the shared server: its data survives a restart, as a real one's does.
 * As root, the cluster belongs to the `postgres` user (PostgreSQL refuses to run as root).
 */
export class DisposablePostgres {
  private constructor(
    readonly port: number,
    private readonly folder: string,
    private readonly bin: string,
  ) {}

  static async start(): Promise<DisposablePostgres> {
    const folder = mkdtempSync(join(tmpdir(), 'huigong-pg-'));
    const server = new DisposablePostgres(await freePort(), folder, serverBinaries());
    if (process.getuid?.() === 0) await run('chown', ['postgres:postgres', folder]);
    await server.asOwner('initdb', ['-D', server.dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
    await server.start();
    return server;
  }

  private get dataDir(): string {
    return join(this.folder, 'data');
  }

  /** The server's maintenance database, as TEST_DATABASE_SERVER_URL would name it. */
  get serverUrl(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  private asOwner(tool: string, args: string[]) {
    const command = join(this.bin, tool);
    return process.getuid?.() === 0 ? run('runuser', ['-u', 'postgres', '--', command, ...args]) : run(command, args);
  }

  async start(): Promise<void> {
    const options = `-p ${this.port} -c listen_addresses=127.0.0.1 -k ${this.folder} -c fsync=off -c max_connections=100`;
    await this.asOwner('pg_ctl', ['-D', this.dataDir, '-o', options, '-l', join(this.folder, 'server.log'), '-w', '-t', '30', 'start']);
    const deadline = Date.now() + 10_000;
    for (;;) {
      const client = new pg.Client({ connectionString: this.serverUrl });
      try {
        await client.connect();
        await client.query('SELECT 1');
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
      } finally {
        await client.end().catch(() => undefined);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Stops the server in fast mode: sessions are cut, in-flight transactions roll back. */
  async stop(): Promise<void> {
    await this.asOwner('pg_ctl', ['-D', this.dataDir, '-m', 'fast', '-w', 'stop']);
  }

  async destroy(): Promise<void> {
    await this.asOwner('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
    rmSync(this.folder, { recursive: true, force: true });
  }
}
