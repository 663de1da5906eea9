import { Global, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import Redis from 'ioredis';

import { AllConfig } from '@app/config';

import { CacheBreaker } from './cache-breaker';
import { CacheHealth } from './cache-health';
import { REDIS } from './redis.token';
import { createRedisClient } from './redis-client';

@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [ConfigService],
      useFactory: (config: ConfigService<AllConfig, true>): Redis | null => {
        const cache = config.get('cache', { infer: true });
        const logger = new Logger('Cache');
        if (!cache.enabled) logger.log('CACHE_ENABLED=false: lists are read from PostgreSQL');
        if (!cache.redisUrl) {
          logger.log(
            'REDIS_URL is not set: cache and rate limits are in-process (one instance only)',
          );
          return null;
        }
        // Connected even with the list cache off: the rate limits count in the same Redis.
        return createRedisClient(cache.redisUrl, cache.commandTimeoutMs);
      },
    },
    {
      provide: CacheBreaker,
      inject: [ConfigService],
      useFactory: (config: ConfigService<AllConfig, true>) => {
        const cache = config.get('cache', { infer: true });
        return new CacheBreaker({ resetMs: cache.breakerResetMs });
      },
    },
    CacheHealth,
  ],
  exports: [REDIS, CacheBreaker, CacheHealth],
})
export class CacheModule implements OnApplicationShutdown {
  constructor(
    @Inject(REDIS) private readonly redis: Redis | null,
    private readonly breaker: CacheBreaker,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    this.breaker.shutdown();
    if (!this.redis) return;
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
  }
}
