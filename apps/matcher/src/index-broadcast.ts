import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { type RedisClient, createRedisClient } from '@huigong/messaging';
import { APP_CONFIG, type AppConfig } from '@huigong/platform';
import { randomUUID } from 'node:crypto';
import { type IndexChange, MatchingService } from './matching.service';

/**
 * Several matchers compete for the same queue, each with its own copy of the index. The one that handled
 * an event tells the others, over Redis pub/sub, which entities changed; they re-read those rows from
 * PostgreSQL and reconsider them against what they know, so that a person and an offer handled at the
 * same moment by two matchers still meet; and which people it freed places for (matches withdrawn or
 * declined), so that they re-read those counts. A message lost while a matcher was disconnected costs at
 * most a stale copy until the next change of that entity (the writes are checked against the database
 * under locks), and a count that says "full" is re-read before it hides anyone once it is a few seconds old.
 */
@Injectable()
export class IndexBroadcast implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(IndexBroadcast.name);
  private readonly origin = randomUUID();
  private readonly channel: string;
  private publisher?: RedisClient;
  private subscriber?: RedisClient;

  constructor(
    private readonly matching: MatchingService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.channel = `${config.queuePrefix}:matcher:index-changes`;
  }

  async onApplicationBootstrap(): Promise<void> {
    // On a Redis Cluster, PUBLISH reaches the subscribers of every node (the cluster bus forwards it).
    this.publisher = createRedisClient(this.config, 'producer', { lazyConnect: true });
    this.subscriber = createRedisClient(this.config, 'worker', { lazyConnect: true });
    for (const client of [this.publisher, this.subscriber]) client.on('error', () => undefined);
    this.subscriber.on('message', (_channel: string, message: string) => void this.receive(message));
    await this.subscriber.connect().catch(() => undefined);
    await this.subscriber.subscribe(this.channel).catch((error: unknown) => {
      this.logger.warn(`Cannot subscribe to index changes: ${describe(error)}`);
    });
    await this.publisher.connect().catch(() => undefined);
  }

  onApplicationShutdown(): void {
    this.subscriber?.disconnect();
    this.publisher?.disconnect();
  }

  async publish(changes: IndexChange[], correlationId: string): Promise<void> {
    if (changes.length === 0 || this.publisher === undefined) return;
    await this.publisher.publish(this.channel, JSON.stringify({ origin: this.origin, correlationId, changes })).catch((error: unknown) => {
      this.logger.warn(`Index change not broadcast: ${describe(error)}`);
    });
  }

  private async receive(message: string): Promise<void> {
    try {
      const { origin, correlationId, changes } = JSON.parse(message) as { origin: string; correlationId: string; changes: IndexChange[] };
      if (origin === this.origin) return;
      await this.matching.heard(changes, correlationId);
    } catch (error) {
      this.logger.warn(`Index change not applied: ${describe(error)}`);
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
