import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { MatchingService } from './matching.service';

/** Every 30 seconds: slot offers past their occurrence expire, and their seats are offered to the next people. */
@Injectable()
export class SlotOfferExpiry implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SlotOfferExpiry.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(private readonly matching: MatchingService) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      if (this.running !== undefined) return;
      this.running = this.matching
        .expireSlotOffers()
        .catch((error: Error) => this.logger.warn(`Expiry of slot offers failed, will retry: ${error.message}`))
        .finally(() => (this.running = undefined));
    }, 30_000);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
