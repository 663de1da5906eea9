import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { makeCounterProvider, makeGaugeProvider } from '@willsoto/nestjs-prometheus';

import { CacheBreaker } from '@app/cache';

import { breakerStateGauge, MetricSources } from '../../metrics/metric-sources';
import { CacheStats, FavoritesCache } from './favorites-cache';

const caches = new MetricSources<FavoritesCache>();
const breakers = new MetricSources<CacheBreaker>();

/** A counter read from CacheStats at scrape time: the cache keeps plain numbers on its hot path. */
function statsCounter(
  name: string,
  help: string,
  label: string,
  of: Record<string, keyof CacheStats>,
) {
  return makeCounterProvider({
    name,
    help,
    labelNames: [label],
    collect() {
      this.reset();
      for (const [value, field] of Object.entries(of)) {
        this.inc(
          { [label]: value },
          caches.sum((cache) => cache.stats[field]),
        );
      }
    },
  });
}

export const FAVORITES_CACHE_METRICS = [
  statsCounter(
    'favorites_cache_reads_total',
    'List reads tried on the cache, by result',
    'result',
    {
      hit: 'hits',
      miss: 'misses',
    },
  ),
  statsCounter(
    'favorites_cache_repairs_total',
    'Background list rebuilds (read-repair), by outcome; discarded: a write came in meanwhile',
    'outcome',
    { committed: 'repairs', discarded: 'repairsDiscarded', failed: 'repairFailures' },
  ),
  makeGaugeProvider({
    name: 'favorites_cache_stale_lists',
    help: 'Lists whose cache update failed and which are read from PostgreSQL until invalidated',
    collect() {
      this.set(caches.sum((cache) => cache.staleCount));
    },
  }),
  breakerStateGauge(
    'cache_circuit_breaker_state',
    'Redis circuit breakers in each state (1 = this one): open means the cache is bypassed',
    breakers,
  ),
];

/** Reports this instance's cache and breaker while the application runs. */
@Injectable()
export class FavoritesCacheMetrics implements OnModuleInit, OnModuleDestroy {
  constructor(
    private readonly cache: FavoritesCache,
    private readonly breaker: CacheBreaker,
  ) {}

  onModuleInit(): void {
    caches.add(this.cache);
    breakers.add(this.breaker);
  }

  onModuleDestroy(): void {
    caches.delete(this.cache);
    breakers.delete(this.breaker);
  }
}
