import { createHash, randomBytes } from 'node:crypto';
import type { ThrottlerStorage } from '@nestjs/throttler';
import type { Cluster, Redis } from 'ioredis';

/** One Redis or a Redis Cluster: both run a script by its hash (EVALSHA) on the node of its one key. */
export type RateLimitRedis = Redis | Cluster;

/**
 * The sliding window as one Lua script, so that the count and the decision are one atomic step however many
 * API instances ask at once. A sorted set per tracker holds each counted request (scored by its time in ms):
 * the requests of the last window are exactly the members, so "at most N in any 60 s" holds to the
 * millisecond, a refused request is not counted, and Retry-After is the time until the oldest one leaves.
 * Two fixed windows weighted would keep two counters instead of N members, but only estimate the count
 * (it assumes the previous minute's requests were evenly spread) and cannot say when the next one fits.
 * The set holds at most `limit` members (600 by default: about 80 KB; a partner key at 120,000 a minute: about
 * 14 MB while it sends at that rate, by MEMORY USAGE), and it expires a window after its newest member.
 *
 * KEYS[1]: the tracker's set. ARGV: the window (ms), the limit, a member naming this request, and the time in
 * ms: empty in service, where Redis's clock is the one clock every API instance shares; a test's own clock.
 * Returns { requests counted in the window (this one included when allowed), 1 if refused, ms until the
 * oldest counted request leaves the window }.
 */
export const SLIDING_WINDOW_SCRIPT = `
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local now = tonumber(ARGV[4])
if not now then
  local time = redis.call('TIME')
  now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local hits = redis.call('ZCARD', KEYS[1])
local refused = 1
if hits < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  hits = hits + 1
  refused = 0
end
local untilRoom = window
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if oldest[2] then untilRoom = tonumber(oldest[2]) + window - now end
return { hits, refused, untilRoom }
`;

/** What the guard reads back (the package does not export its name). */
type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

const SCRIPT_SHA = createHash('sha1').update(SLIDING_WINDOW_SCRIPT).digest('hex');

export interface RedisRateLimitStorageOptions {
  /** QUEUE_PREFIX: deployments and test runs sharing one Redis count apart. */
  prefix: string;
  /** Tests only: the time in ms to count with, instead of Redis's clock. */
  clock?: () => number;
}

/**
 * The throttler's count kept in Redis and shared by every API instance: one EVALSHA per request (EVAL once
 * per connection, when Redis does not know the script yet). It throws when Redis does not answer; the guard
 * decides what that means for the request.
 */
export class RedisRateLimitStorage implements ThrottlerStorage {
  /** Members are unique per request across instances: this process's tag and a sequence number. */
  private readonly instance = randomBytes(6).toString('base64url');
  private sequence = 0;

  constructor(
    private readonly redis: RateLimitRedis,
    private readonly options: RedisRateLimitStorageOptions,
  ) {}

  /**
   * `${prefix}:ratelimit:{<tracker>}`: the hash tag keeps a tracker's key on one Redis Cluster slot (and its
   * name under QUEUE_PREFIX, which the tests' cleanup and an operator's SCAN rely on). A QUEUE_PREFIX that
   * holds a hash tag itself puts every tracker in that one slot: still correct, one key per script.
   */
  redisKey(key: string, throttlerName: string): string {
    return `${this.options.prefix}:ratelimit:{${key}}${throttlerName === 'default' ? '' : `:${throttlerName}`}`;
  }

  async increment(key: string, ttl: number, limit: number, _blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    const member = `${this.instance}.${(this.sequence++).toString(36)}`;
    const now = this.options.clock === undefined ? '' : String(Math.floor(this.options.clock()));
    const args = [this.redisKey(key, throttlerName), ttl, limit, member, now];
    const reply = await this.redis.evalsha(SCRIPT_SHA, 1, ...args).catch((error: unknown) => {
      // Redis forgets scripts on a restart, a failover or SCRIPT FLUSH: EVAL sends it once more.
      if (error instanceof Error && error.message.startsWith('NOSCRIPT')) return this.redis.eval(SLIDING_WINDOW_SCRIPT, 1, ...args);
      throw error;
    });
    const [hits, refused, untilRoomMs] = reply as [number, number, number];
    const untilRoom = Math.ceil(untilRoomMs / 1000);
    return {
      // As the throttler's own storage: a refused request is one over the count.
      totalHits: refused === 1 ? hits + 1 : hits,
      // Sent as RateLimit-Reset: seconds until the oldest counted request leaves, and one more fits.
      timeToExpire: untilRoom,
      isBlocked: refused === 1,
      timeToBlockExpire: refused === 1 ? untilRoom : 0,
    };
  }
}
