import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';

import { FavoritesEraser } from '../favorites/favorites-eraser';
import { UsersService } from '../users/users.service';

/** Favourites deleted per statement: a few tens of milliseconds of locks and WAL each. */
export const PURGE_BATCH = 5000;
/**
 * After each batch the purge rests three times as long as the batch took: it holds a PostgreSQL
 * backend (and its share of the cores) at most a quarter of the time, so other users' requests
 * keep most of their throughput while a large account goes; a million favourites take ~20 s
 * instead of ~7 (ADR-0043).
 */
export const REST_PER_BATCH_TIME = 3;
/** Deleted accounts picked up per query. */
const ACCOUNTS_PER_PASS = 10;
/** How often deleted accounts are looked for, so one left by a stopped instance is finished. */
const SWEEP_INTERVAL_MS = 60_000;

/**
 * Removes deleted accounts (users.deleted_at set) in the background: their favourites in batches
 * of PURGE_BATCH, resting between batches (REST_PER_BATCH_TIME), then the account row, which
 * takes its sessions along, then its cached list once more (a read-repair may have run
 * meanwhile). Its state is in PostgreSQL only, so a restart resumes where it stopped: at
 * start-up, after each DELETE /me, and every minute. Several instances may run it at once; SKIP
 * LOCKED keeps them off each other's rows.
 */
@Injectable()
export class AccountPurger implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(AccountPurger.name);
  private running?: Promise<void>;
  private again = false;
  private closed = false;
  private timer?: NodeJS.Timeout;
  /** Ends the current rest between batches early (on shutdown). */
  private endRest?: () => void;

  constructor(
    private readonly users: UsersService,
    private readonly favorites: FavoritesEraser,
  ) {}

  onApplicationBootstrap(): void {
    this.wake();
    this.timer = setInterval(() => this.wake(), SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  /** Starts a pass unless one is running, in which case another follows it. */
  wake(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.purgeDeleted().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.wake();
      }
    });
  }

  /** Resolves once no pass is running or due (tests, tools). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    this.endRest?.();
    await this.running;
  }

  private async purgeDeleted(): Promise<void> {
    try {
      for (;;) {
        const userIds = await this.users.findDeleted(ACCOUNTS_PER_PASS);
        if (userIds.length === 0) return;
        for (const userId of userIds) {
          if (this.closed) return;
          await this.purge(userId);
        }
      }
    } catch (error) {
      // Tried again at the next wake.
      this.logger.warn(`deleted accounts not purged: ${(error as Error).message}`);
    }
  }

  private async purge(userId: string): Promise<void> {
    const started = performance.now();
    let after = '';
    let total = 0;
    for (;;) {
      if (this.closed) return;
      const batchStarted = performance.now();
      const { deleted, last } = await this.favorites.eraseBatch(userId, after, PURGE_BATCH);
      total += deleted;
      if (last === undefined) break;
      after = last;
      await this.rest((performance.now() - batchStarted) * REST_PER_BATCH_TIME);
    }
    // Rows another instance still holds (at most its batch) go with the account row.
    await this.users.removeDeleted(userId);
    await this.favorites.forgetCached(userId);
    this.logger.log(
      { userId, favorites: total, durationMs: Math.round(performance.now() - started) },
      'deleted account purged',
    );
  }

  /** Waits `ms`, or less if the application shuts down meanwhile. */
  private rest(ms: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.endRest = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.endRest = done;
    });
  }
}
