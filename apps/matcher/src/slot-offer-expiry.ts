import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { IndexBroadcast } from './index-broadcast';
import { MatchingService } from './matching.service';

/**
 * Every 30 seconds: slot offers past their occurrence expire, and their seats are offered to the next
 * people; openings past their validUntil lose their open matches, as if closed, and the people they held
 * are free for other openings (the other matchers are told, as for an event).
 */
@Injectable()
export class SlotOfferExpiry implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SlotOfferExpiry.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(
    private readonly matching: MatchingService,
    private readonly broadcast: IndexBroadcast,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      if (this.running !== undefined) return;
      this.running = this.sweep()
        .catch((error: unknown) => {
          this.logger.warn(`Expiry of offers failed, will retry: ${error instanceof Error ? error.message : String(error)}`);
        })
        .finally(() => {
          this.running = undefined;
        });
    }, 30_000);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private async sweep(): Promise<void> {
    await this.matching.expireSlotOffers();
    await this.broadcast.publish(await this.matching.expireLapsedOpenings(), randomUUID());
  }
}
