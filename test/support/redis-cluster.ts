import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePort } from './redis-server';

const run = promisify(execFile);

interface ClusterNode {
  port: number;
  busPort: number;
  process?: ChildProcess;
}

/** A master as CLUSTER NODES lists it: its port and the slot ranges it serves. */
export interface ClusterMaster {
  port: number;
  slots: [number, number][];
}

/**
 * A Redis Cluster of this test's own: three masters, each with a replica, on loopback ports, created with
 * `redis-cli --cluster create` as an operator would. Nodes keep nothing on disk. A master can be killed; its
 * replica takes over after the node timeout (1 s here), as in a production failover.
 */
export class DisposableRedisCluster {
  private constructor(
    private readonly directory: string,
    private readonly nodes: ClusterNode[],
  ) {}

  static async start(masters = 3): Promise<DisposableRedisCluster> {
    const directory = await mkdtemp(join(tmpdir(), 'huigong-redis-cluster-'));
    const nodes: ClusterNode[] = [];
    for (let i = 0; i < masters * 2; i++) nodes.push({ port: await freePort(), busPort: await freePort() });
    const cluster = new DisposableRedisCluster(directory, nodes);
    try {
      await Promise.all(nodes.map((node) => cluster.spawnNode(node)));
      await run('redis-cli', ['--cluster', 'create', ...nodes.map((node) => `127.0.0.1:${node.port}`), '--cluster-replicas', '1', '--cluster-yes']);
      await cluster.waitUntil(async () => (await cluster.healthy()) && (await cluster.masters()).length === masters, 'the cluster to form');
      // Each master's replica has synchronised, as in a cluster that has been running.
      await cluster.waitUntil(async () => (await cluster.replicasInSync()) === masters, 'the replicas to synchronise');
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  /** REDIS_CLUSTER_NODES as a deployment would set it: every node (a client needs only one that answers). */
  get nodeList(): string {
    return this.nodes.map((node) => `127.0.0.1:${node.port}`).join(',');
  }

  /** The masters now serving slots, asked of a node that is up. */
  async masters(): Promise<ClusterMaster[]> {
    const text = await this.ask((client) => client.cluster('NODES') as Promise<string>);
    return text
      .trim()
      .split('\n')
      .map((line) => line.split(' '))
      .filter((fields) => fields[2].split(',').includes('master') && !fields[2].includes('fail') && fields.length > 8)
      .map((fields) => ({
        port: Number(/:(\d+)@/.exec(fields[1])?.[1]),
        slots: fields.slice(8).map((range) => {
          const [from, to] = range.split('-').map(Number);
          return [from, range.includes('-') ? to : from] as [number, number];
        }),
      }));
  }

  /** The slot a key hashes to, as the cluster computes it (hash tags included). */
  async keySlot(key: string): Promise<number> {
    return this.ask((client) => client.cluster('KEYSLOT', key));
  }

  /** The port of the master serving a slot. */
  async masterOf(slot: number): Promise<number> {
    const master = (await this.masters()).find((candidate) => candidate.slots.some(([from, to]) => slot >= from && slot <= to));
    if (master === undefined) throw new Error(`no master serves slot ${slot}`);
    return master.port;
  }

  /** Kills a node at once (SIGKILL), as a machine lost; its replica is promoted after the node timeout. */
  async kill(port: number): Promise<void> {
    const node = this.nodes.find((candidate) => candidate.port === port);
    const child = node?.process;
    if (node === undefined || child === undefined || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => {
        resolve();
      });
      child.kill('SIGKILL');
    });
    node.process = undefined;
  }

  /** Waits until every slot is served again (cluster_state:ok on the nodes that are up). */
  async waitForFailover(timeoutMs = 30_000): Promise<void> {
    await this.waitUntil(() => this.healthy(), 'the cluster to fail over', timeoutMs);
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((node) => this.kill(node.port)));
    await rm(this.directory, { recursive: true, force: true });
  }

  private async spawnNode(node: ClusterNode): Promise<void> {
    node.process = spawn(
      'redis-server',
      [
        ...['--port', String(node.port), '--cluster-port', String(node.busPort), '--bind', '127.0.0.1'],
        ...['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${node.port}.conf`, '--cluster-node-timeout', '1000'],
        ...['--dir', this.directory, '--save', '', '--appendonly', 'no'],
      ],
      { stdio: 'ignore' },
    );
    await this.waitUntil(() => this.pingable(node.port), `redis-server on port ${node.port}`, 10_000);
  }

  private async pingable(port: number): Promise<boolean> {
    const client = connect(port);
    try {
      await client.connect();
      await client.ping();
      return true;
    } catch {
      return false;
    } finally {
      client.disconnect();
    }
  }

  /** How many replicas report their link to their master up. */
  private async replicasInSync(): Promise<number> {
    const links = await Promise.all(
      this.nodes.map(async (node) => {
        const client = connect(node.port);
        try {
          await client.connect();
          const info = await client.info('replication');
          return /role:slave/.test(info) && /master_link_status:up/.test(info) && !/master_sync_in_progress:1/.test(info);
        } catch {
          return false;
        } finally {
          client.disconnect();
        }
      }),
    );
    return links.filter(Boolean).length;
  }

  /** Every node that is up says the cluster is ok. */
  private async healthy(): Promise<boolean> {
    const up = this.nodes.filter((node) => node.process !== undefined);
    const states = await Promise.all(
      up.map(async (node) => {
        const client = connect(node.port);
        try {
          await client.connect();
          return /cluster_state:ok/.test(await client.cluster('INFO'));
        } catch {
          return false;
        } finally {
          client.disconnect();
        }
      }),
    );
    return states.every(Boolean);
  }

  /** Runs a command on the first node that answers. */
  private async ask<T>(command: (client: Redis) => Promise<T>): Promise<T> {
    let lastError: unknown;
    for (const node of this.nodes.filter((candidate) => candidate.process !== undefined)) {
      const client = connect(node.port);
      try {
        await client.connect();
        return await command(client);
      } catch (error) {
        lastError = error;
      } finally {
        client.disconnect();
      }
    }
    throw new Error(`no cluster node answered: ${String(lastError)}`);
  }

  private async waitUntil(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (await check()) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`timed out waiting for ${what}`);
  }
}

function connect(port: number): Redis {
  return new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, protocol: 2 });
}
