import { Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { APP_GUARD, Reflector } from '@nestjs/core';
import { ThrottlerModule, ThrottlerStorage } from '@nestjs/throttler';

import { CacheBreaker, REDIS, RedisClient } from '@app/cache';
import { AllConfig } from '@app/config';

import { RateLimitGuard } from './rate-limit.guard';
import { RateLimitStorage } from './rate-limit-storage';
import { throttlers } from './throttlers';

/**
 * Rate limits (ADR-0025): login per account and per address, sign-up per address, every
 * authenticated request per user. Counted in the shared Redis when one is configured (so they
 * hold across instances), in process otherwise or while Redis fails. AppModule imports it after
 * AuthModule, so its guard runs after the JWT guard.
 */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [ConfigService, Reflector, REDIS, CacheBreaker],
      useFactory: (
        config: ConfigService<AllConfig, true>,
        reflector: Reflector,
        redis: RedisClient | null,
        breaker: CacheBreaker,
      ) => {
        const rateLimit = config.get('rateLimit', { infer: true });
        return {
          throttlers: throttlers(rateLimit, reflector),
          storage: new RateLimitStorage(redis, breaker, rateLimit),
          // The guard sets the draft IETF fields itself, not X-RateLimit-*.
          setHeaders: false,
        };
      },
    }),
  ],
  providers: [{ provide: APP_GUARD, useClass: RateLimitGuard }],
})
export class RateLimitModule implements OnApplicationShutdown {
  constructor(@Inject(ThrottlerStorage) private readonly storage: RateLimitStorage) {}

  onApplicationShutdown(): void {
    this.storage.close();
  }
}
