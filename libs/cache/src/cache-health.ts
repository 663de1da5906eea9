import { Inject, Injectable } from '@nestjs/common';

import { BreakerState, CacheBreaker } from './cache-breaker';
import { REDIS } from './redis.token';
import { isCluster, RedisClient } from './redis-client';

export interface CacheHealthReport {
  status: 'up' | 'down';
  backend: 'redis' | 'redis-cluster' | 'in-process';
  breaker: BreakerState;
  /** On a cluster: the masters of the slot map, and how many answered a PING. */
  masters?: { total: number; up: number };
}

/**
 * How the cache is doing, for the health endpoints' bodies. It never gates readiness: with Redis
 * down the service reads PostgreSQL and stays ready. A cluster is up when the client holds a slot
 * map and every master in it answers: with one master gone, a third of the users' lists and
 * counters are unreachable.
 */
@Injectable()
export class CacheHealth {
  constructor(
    @Inject(REDIS) private readonly redis: RedisClient | null,
    private readonly breaker: CacheBreaker,
  ) {}

  async report(): Promise<CacheHealthReport> {
    const breaker = this.breaker.state;
    if (!this.redis) return { status: 'up', backend: 'in-process', breaker };
    if (isCluster(this.redis)) {
      const masters = this.redis.status === 'ready' ? this.redis.nodes('master') : [];
      const answers = await Promise.allSettled(masters.map((node) => node.ping()));
      const up = answers.filter((answer) => answer.status === 'fulfilled').length;
      const status = masters.length > 0 && up === masters.length ? 'up' : 'down';
      return { status, backend: 'redis-cluster', breaker, masters: { total: masters.length, up } };
    }
    let status: CacheHealthReport['status'] = 'up';
    try {
      await this.redis.ping();
    } catch {
      status = 'down';
    }
    return { status, backend: 'redis', breaker };
  }
}
