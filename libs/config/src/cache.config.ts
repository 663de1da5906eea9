import { registerAs } from '@nestjs/config';

import { Environment, validateEnvironment } from './environment';
import { parseRedisClusterNodes, RedisConnection } from './redis-connection';

export interface CacheConfig {
  enabled: boolean;
  /** Absent: an in-process cache and rate-limit counters stand in (one instance only). */
  redis?: RedisConnection;
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
    redis: redisConnectionOf(env),
    commandTimeoutMs: env.CACHE_COMMAND_TIMEOUT_MS,
    breakerResetMs: env.CACHE_BREAKER_RESET_MS,
    repairConcurrency: env.CACHE_REPAIR_CONCURRENCY,
    maxListSize: env.CACHE_MAX_LIST_SIZE,
    ttlSeconds: env.CACHE_TTL_SECONDS,
  };
});

/** REDIS_CLUSTER_NODES, else REDIS_URL, else the Go service's REDIS_ADDR (validated already). */
export function redisConnectionOf(env: Environment): RedisConnection | undefined {
  if (env.REDIS_CLUSTER_NODES !== undefined) {
    const cluster = parseRedisClusterNodes(env.REDIS_CLUSTER_NODES);
    if (typeof cluster === 'string') throw new Error(`REDIS_CLUSTER_NODES: ${cluster}`);
    return cluster;
  }
  const url = env.REDIS_URL ?? (env.REDIS_ADDR ? `redis://${env.REDIS_ADDR}` : undefined);
  return url === undefined ? undefined : { kind: 'standalone', url };
}
