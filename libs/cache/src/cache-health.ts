import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';

import { BreakerState, CacheBreaker } from './cache-breaker';
import { REDIS } from './redis.token';

export interface CacheHealthReport {
  status: 'up' | 'down';
  backend: 'redis' | 'in-process';
  breaker: BreakerState;
}

/**
 * How the cache is doing, for the health endpoints' bodies. It never gates readiness: with Redis
 * down the service reads PostgreSQL and stays ready.
 */
@Injectable()
export class CacheHealth {
  constructor(
    @Inject(REDIS) private readonly redis: Redis | null,
    private readonly breaker: CacheBreaker,
  ) {}

  async report(): Promise<CacheHealthReport> {
    if (!this.redis) return { status: 'up', backend: 'in-process', breaker: this.breaker.state };
    let status: CacheHealthReport['status'] = 'up';
    try {
      await this.redis.ping();
    } catch {
      status = 'down';
    }
    return { status, backend: 'redis', breaker: this.breaker.state };
  }
}
