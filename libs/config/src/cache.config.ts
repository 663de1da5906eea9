import { registerAs } from '@nestjs/config';

import { validateEnvironment } from './environment';

export interface CacheConfig {
  enabled: boolean;
  /** Absent: an in-process cache stands in (the embedded default). */
  redisUrl?: string;
  commandTimeoutMs: number;
  breakerResetMs: number;
  repairConcurrency: number;
  maxListSize: number;
  ttlSeconds: number;
}

export const cacheConfig = registerAs('cache', (): CacheConfig => {
  const env = validateEnvironment(process.env);
  return {
    enabled: env.CACHE_ENABLED,
    redisUrl: env.REDIS_URL ?? (env.REDIS_ADDR ? `redis://${env.REDIS_ADDR}` : undefined),
    commandTimeoutMs: env.CACHE_COMMAND_TIMEOUT_MS,
    breakerResetMs: env.CACHE_BREAKER_RESET_MS,
    repairConcurrency: env.CACHE_REPAIR_CONCURRENCY,
    maxListSize: env.CACHE_MAX_LIST_SIZE,
    ttlSeconds: env.CACHE_TTL_SECONDS,
  };
});
