import { Global, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';

import { AllConfig } from '@app/config';

import { CacheBreaker } from './cache-breaker';
import { CacheHealth } from './cache-health';
import { REDIS } from './redis.token';
import { createRedisClient, RedisClient } from './redis-client';

@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [ConfigService],
      useFactory: (config: ConfigService<AllConfig, true>): RedisClient | null => {
        const cache = config.get('cache', { infer: true });
        const logger = new Logger('Cache');
        if (!cache.enabled) logger.log('CACHE_ENABLED=false: lists are read from PostgreSQL');
        if (!cache.redis) {
          logger.log(
            'Neither REDIS_URL nor REDIS_CLUSTER_NODES is set: cache and rate limits are ' +
              'in-process (one instance only)',
          );
          return null;
        }
        // Connected even with the list cache off: the rate limits count in the same Redis.
        return createRedisClient(cache.redis, cache.commandTimeoutMs);
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
    @Inject(REDIS) private readonly redis: RedisClient | null,
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
