import { ThrottlerStorage, ThrottlerStorageService } from '@nestjs/throttler';

import { CacheBreaker, RedisClient } from '@app/cache';
import { RateLimitConfig } from '@app/config';

import { RedisThrottlerStorage, ThrottlerStorageRecord } from './redis-throttler-storage';
import { SyncedWindowCounters } from './synced-window-counters';
import { USER_THROTTLER } from './throttlers';

/**
 * The storage the guard sees. The per-user limit, met by every authenticated request, goes to
 * the synced local counters (no Redis round trip per request); the login and sign-up limits, rare
 * and security-relevant, are counted exactly, one Redis script per hit, or in process when no
 * Redis is configured or it fails (ADR-0025). `RATE_LIMIT_USER_SYNC_MS=0` sends the per-user hits
 * to the exact storage too.
 */
export class RateLimitStorage implements ThrottlerStorage {
  private readonly local = new ThrottlerStorageService();
  private readonly exact: ThrottlerStorage;
  private readonly perUser: ThrottlerStorage;
  readonly counters: SyncedWindowCounters;

  constructor(redis: RedisClient | null, breaker: CacheBreaker, config: RateLimitConfig) {
    this.exact = redis
      ? new RedisThrottlerStorage(redis, breaker, this.local, config.keyPrefix)
      : this.local;
    this.counters = new SyncedWindowCounters(
      redis,
      breaker,
      config.keyPrefix,
      config.userSyncMs || 1000,
    );
    this.perUser = redis && config.userSyncMs === 0 ? this.exact : this.counters;
  }

  increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    const storage = throttlerName === USER_THROTTLER ? this.perUser : this.exact;
    return storage.increment(key, ttl, limit, blockDuration, throttlerName);
  }

  /** True when the throttler counts in memory (the per-user limit on the synced counters). */
  countsInMemory(throttlerName: string): boolean {
    return throttlerName === USER_THROTTLER && this.perUser === this.counters;
  }

  /** increment for a throttler that countsInMemory, answered at once rather than in a promise. */
  countNow(key: string, ttl: number, limit: number): ThrottlerStorageRecord {
    return this.counters.hit(key, ttl, limit);
  }

  close(): void {
    this.counters.close();
    this.local.onApplicationShutdown();
  }
}
