import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { IndexBroadcast } from './index-broadcast';
import { MatchingService } from './matching.service';

/**
 * The `ExpireOffers` tick (every 30 s, MatcherTicksProcessor): slot offers past their occurrence expire,
 * and their seats are offered to the next people; openings past their validUntil lose their open matches,
 * as if closed, and the people they held are free for other openings (the other matchers are told, as for
 * an event).
 */
@Injectable()
export class SlotOfferExpiry {
  constructor(
    private readonly matching: MatchingService,
    private readonly broadcast: IndexBroadcast,
  ) {}

  async sweep(): Promise<void> {
    await this.matching.expireSlotOffers();
    await this.broadcast.publish(await this.matching.expireLapsedOpenings(), randomUUID());
  }
}
