import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';

import { CacheBreaker } from '@app/cache';
import { AllConfig } from '@app/config';
import { Traced } from '@app/observability';

import { FavoriteRecord, FavoritesRepository } from '../favorites.repository';
import { assetTextOf } from '../favorites-page';
import { CachedSlice, CacheEntry, CachePosition, FavoritesStore } from './favorites-store';

/** Rows per database page and per Redis round trip while rebuilding a list. */
const REBUILD_BATCH = 1000;
/** Users waiting for a read-repair; beyond it a cold list is simply read from PostgreSQL again. */
const MAX_REPAIR_QUEUE = 10_000;
/** How often stale lists are retried for invalidation while Redis is failing. */
const INVALIDATE_RETRY_MS = 1000;

export function cacheEntryOf(record: FavoriteRecord): CacheEntry {
  const { id, createdAt, json } = assetTextOf(record);
  return { id, score: createdAt, json };
}

export interface CacheStats {
  hits: number;
  misses: number;
  repairs: number;
  repairFailures: number;
  repairsDiscarded: number;
}

/**
 * The favourites cache as the service sees it. Every call goes through the circuit breaker, and
 * no cache failure reaches a request: a failed read is a miss, a failed write marks the user's
 * list stale. A stale list is not read again until it has been invalidated in the store, which is
 * retried until Redis answers. A cold list is rebuilt in the background (read-repair): one
 * rebuild per user at a time, a bounded number across users, in batches.
 */
@Injectable()
export class FavoritesCache implements OnModuleDestroy {
  private readonly logger = new Logger(FavoritesCache.name);
  private readonly enabled: boolean;
  private readonly maxListSize: number;
  private readonly concurrency: number;
  private readonly stale = new Set<string>();
  private readonly queued = new Set<string>();
  private readonly rebuilding = new Map<string, Promise<void>>();
  private invalidateTimer?: NodeJS.Timeout;
  private closed = false;
  readonly stats: CacheStats = {
    hits: 0,
    misses: 0,
    repairs: 0,
    repairFailures: 0,
    repairsDiscarded: 0,
  };

  constructor(
    private readonly store: FavoritesStore,
    private readonly breaker: CacheBreaker,
    private readonly favorites: FavoritesRepository,
    config: ConfigService<AllConfig, true>,
  ) {
    const cache = config.get('cache', { infer: true });
    this.enabled = cache.enabled;
    this.maxListSize = cache.maxListSize;
    this.concurrency = cache.repairConcurrency;
    breaker.onClose(() => void this.invalidateStale());
  }

  /** The cached slice, or null to read PostgreSQL (cold, stale, too large, or Redis failing). */
  async read(userId: string, position: CachePosition, count: number): Promise<CachedSlice | null> {
    if (!this.enabled || this.stale.has(userId)) return null;
    try {
      const result = await this.breaker.run(() => this.store.read(userId, position, count));
      if (typeof result === 'object') {
        this.stats.hits++;
        return result;
      }
      this.stats.misses++;
      if (result === 'cold') this.scheduleRepair(userId);
      return null;
    } catch {
      this.stats.misses++;
      return null;
    }
  }

  /** Puts back JSON a read found missing; best effort. */
  async fill(userId: string, version: number, records: FavoriteRecord[]): Promise<void> {
    if (!this.enabled || records.length === 0) return;
    await this.breaker
      .run(() => this.store.fill(userId, version, records.map(cacheEntryOf)))
      .catch(() => undefined);
  }

  added(userId: string, record: FavoriteRecord): Promise<void> {
    return this.write(userId, () => this.store.put(userId, cacheEntryOf(record)));
  }

  edited(userId: string, record: FavoriteRecord): Promise<void> {
    return this.write(userId, () => this.store.update(userId, cacheEntryOf(record)));
  }

  removed(userId: string, id: string): Promise<void> {
    return this.write(userId, () => this.store.remove(userId, id));
  }

  /** Drops the user's cached list (an account deleted); retried like any failed write. */
  forget(userId: string): Promise<void> {
    this.queued.delete(userId);
    return this.write(userId, () => this.store.invalidate(userId));
  }

  /** Schedules a rebuild of the user's list unless one is queued or running. */
  scheduleRepair(userId: string): void {
    if (!this.enabled || this.closed || this.queued.has(userId) || this.rebuilding.has(userId)) {
      return;
    }
    if (this.queued.size >= MAX_REPAIR_QUEUE) return;
    this.queued.add(userId);
    this.pump();
  }

  /** Rebuilds the user's list now (or waits for the rebuild under way); for tests and tools. */
  async repair(userId: string): Promise<void> {
    this.queued.delete(userId);
    const running = this.rebuilding.get(userId);
    if (running) return running;
    const rebuild = this.rebuild(userId).finally(() => {
      this.rebuilding.delete(userId);
      this.pump();
    });
    this.rebuilding.set(userId, rebuild);
    return rebuild;
  }

  /** Resolves once no rebuild is queued or running (tests, and draining before shutdown). */
  async settled(): Promise<void> {
    while (this.rebuilding.size > 0) {
      await Promise.allSettled(this.rebuilding.values());
    }
  }

  /** Lists marked stale and not yet invalidated in the store. */
  get staleCount(): number {
    return this.stale.size;
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    this.queued.clear();
    clearTimeout(this.invalidateTimer);
    await Promise.allSettled(this.rebuilding.values());
  }

  private async write(userId: string, change: () => Promise<void>): Promise<void> {
    if (!this.enabled) return;
    try {
      await this.breaker.run(change);
    } catch (error) {
      this.logger.warn(`cache write failed, list marked stale: ${(error as Error).message}`);
      this.stale.add(userId);
      this.scheduleInvalidation();
    }
  }

  private pump(): void {
    while (!this.closed && this.rebuilding.size < this.concurrency && this.queued.size > 0) {
      const userId: string = this.queued.values().next().value!;
      void this.repair(userId).catch(() => undefined);
    }
  }

  // A trace of its own: it runs after the request that found the list cold has answered.
  @Traced({ root: true })
  private async rebuild(userId: string): Promise<void> {
    try {
      const rebuild = await this.breaker.run(() => this.store.beginRebuild(userId));
      let after: FavoriteRecord | undefined;
      for (let first = true; ; first = false) {
        const page = await this.favorites.findPageForUser(
          userId,
          after
            ? { limit: REBUILD_BATCH, after: { createdAt: after.createdAt, id: after.id } }
            : { limit: REBUILD_BATCH, offset: 0 },
        );
        if (first && page.total > this.maxListSize) {
          await this.breaker.run(() => this.store.markTooLarge(userId, rebuild));
          return;
        }
        const entries = page.rows.map(cacheEntryOf);
        await this.breaker.run(() => this.store.stage(userId, rebuild, entries));
        if (page.rows.length < REBUILD_BATCH) break;
        after = page.rows[page.rows.length - 1];
      }
      if (await this.breaker.run(() => this.store.commit(userId, rebuild))) {
        this.stats.repairs++;
      } else {
        // A write came in meanwhile: the next miss starts again from the new version.
        this.stats.repairsDiscarded++;
      }
    } catch (error) {
      this.stats.repairFailures++;
      this.logger.warn(`read-repair failed: ${(error as Error).message}`);
    }
  }

  private scheduleInvalidation(): void {
    if (this.invalidateTimer || this.closed) return;
    this.invalidateTimer = setTimeout(() => {
      this.invalidateTimer = undefined;
      void this.invalidateStale();
    }, INVALIDATE_RETRY_MS);
    this.invalidateTimer.unref();
  }

  private async invalidateStale(): Promise<void> {
    for (const userId of [...this.stale]) {
      try {
        await this.breaker.run(() => this.store.invalidate(userId));
        this.stale.delete(userId);
      } catch {
        break;
      }
    }
    if (this.stale.size > 0) this.scheduleInvalidation();
  }
}
