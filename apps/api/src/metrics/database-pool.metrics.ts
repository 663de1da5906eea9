import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { makeGaugeProvider } from '@willsoto/nestjs-prometheus';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';

import { DatabaseBreaker, poolOf } from '@app/database';

import { breakerStateGauge, MetricSources } from './metric-sources';

const pools = new MetricSources<Pool>();
const breakers = new MetricSources<DatabaseBreaker>();

export const DATABASE_POOL_METRICS = [
  makeGaugeProvider({
    name: 'db_pool_connections',
    help: 'PostgreSQL connections held by the pool, by state (idle, active)',
    labelNames: ['state'],
    collect() {
      const idle = pools.sum((pool) => pool.idleCount);
      this.set({ state: 'idle' }, idle);
      this.set({ state: 'active' }, pools.sum((pool) => pool.totalCount) - idle);
    },
  }),
  makeGaugeProvider({
    name: 'db_pool_max_connections',
    help: 'Connections the pool may open (DATABASE_POOL_SIZE)',
    collect() {
      this.set(pools.sum((pool) => pool.options.max));
    },
  }),
  makeGaugeProvider({
    name: 'db_pool_waiting_clients',
    help: 'Queries waiting for a pooled connection',
    collect() {
      this.set(pools.sum((pool) => pool.waitingCount));
    },
  }),
  breakerStateGauge(
    'db_circuit_breaker_state',
    'PostgreSQL circuit breakers in each state (1 = this one): open means database calls fail fast with 503',
    breakers,
  ),
];

/** Puts this instance's pg pool and breaker under the gauges while the application runs. */
@Injectable()
export class DatabasePoolMetrics implements OnModuleInit, OnModuleDestroy {
  private pool?: Pool;

  constructor(
    private readonly dataSource: DataSource,
    private readonly breaker: DatabaseBreaker,
  ) {}

  onModuleInit(): void {
    this.pool = poolOf(this.dataSource);
    pools.add(this.pool);
    breakers.add(this.breaker);
  }

  onModuleDestroy(): void {
    if (this.pool) pools.delete(this.pool);
    breakers.delete(this.breaker);
  }
}
