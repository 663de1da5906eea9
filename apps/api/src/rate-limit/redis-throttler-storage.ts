import { createHash } from 'node:crypto';

import { ThrottlerStorage, ThrottlerStorageService } from '@nestjs/throttler';

import { CacheBreaker, RedisClient } from '@app/cache';

// KEYS hits, block; ARGV window ms, limit, block ms. A window starts at its first hit; the hit
// past the limit blocks the key for the block time and starts the count again after it.
const HIT = `
local blocked = redis.call('PTTL', KEYS[2])
if blocked > 0 then return {tonumber(ARGV[2]) + 1, blocked, 1, blocked} end
local hits = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
if hits > tonumber(ARGV[2]) then
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
  redis.call('DEL', KEYS[1])
  return {hits, ttl, 1, tonumber(ARGV[3])}
end
return {hits, ttl, 0, 0}`;

/** What a storage answers for one hit (not exported by @nestjs/throttler's index). */
export type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

type HitReply = [number, number, 0 | 1, number];

interface RateLimitCommands {
  rateLimitHit(
    hits: string,
    block: string,
    windowMs: number,
    limit: number,
    blockMs: number,
  ): Promise<HitReply>;
}

/** The Redis key of a throttler's counter: the tracker (email, address) only as a digest. */
export function redisKeyOf(prefix: string, key: string): string {
  const digest = createHash('sha256').update(key).digest('base64url').slice(0, 22);
  return `${prefix}{${digest}}`;
}

/**
 * Exact counts shared by every instance: one Lua script per hit, so a hit is counted, compared and
 * blocked atomically. Through the cache's circuit breaker: while Redis fails or the breaker is
 * open, the hit is counted in this process instead (Nest's in-process storage), so limits still
 * hold per instance rather than not at all.
 */
export class RedisThrottlerStorage implements ThrottlerStorage {
  private readonly redis: RedisClient & RateLimitCommands;

  constructor(
    redis: RedisClient,
    private readonly breaker: CacheBreaker,
    private readonly fallback: ThrottlerStorageService,
    private readonly prefix: string,
  ) {
    redis.defineCommand('rateLimitHit', { numberOfKeys: 2, lua: HIT });
    this.redis = redis as RedisClient & RateLimitCommands;
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    const base = redisKeyOf(this.prefix, key);
    let reply: HitReply;
    try {
      reply = await this.breaker.run(() =>
        this.redis.rateLimitHit(`${base}:n`, `${base}:b`, ttl, limit, blockDuration),
      );
    } catch {
      return this.fallback.increment(key, ttl, limit, blockDuration, throttlerName);
    }
    const [totalHits, expiresInMs, blocked, blockExpiresInMs] = reply;
    return {
      totalHits,
      timeToExpire: Math.ceil(expiresInMs / 1000),
      isBlocked: blocked === 1,
      timeToBlockExpire: Math.ceil(blockExpiresInMs / 1000),
    };
  }
}
