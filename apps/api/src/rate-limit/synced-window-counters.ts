import { AsyncResource } from 'node:async_hooks';

import { Logger } from '@nestjs/common';
import { ThrottlerStorage } from '@nestjs/throttler';

import { CacheBreaker, groupByNode, RedisClient } from '@app/cache';

import { redisKeyOf, ThrottlerStorageRecord } from './redis-throttler-storage';

/** How often counters of past windows are dropped from memory. */
const SWEEP_MS = 10_000;

interface Counter {
  key: string;
  /** The fixed window it counts, `floor(now / windowMs)`: the same on every instance. */
  window: number;
  windowMs: number;
  /** Every instance's hits as Redis last reported them (ours included, once sent). */
  known: number;
  /** Our hits on their way to Redis. */
  sending: number;
  /** Our hits not sent yet. */
  pending: number;
}

/** A counter's hits on their way to Redis, under its Redis key. */
interface Unsent {
  counter: Counter;
  hits: number;
  redisKey: string;
}

/**
 * An approximate limiter for the per-user limit, which every authenticated request meets: the
 * decision is taken here, in memory, against the last known total of all instances plus this
 * instance's hits since; every `syncMs` the hits are added to Redis in one pipeline per node
 * (INCRBY and PEXPIREAT per counter) and the totals read back. A request costs no Redis round
 * trip; the price is that instances may together let through what they admit in one sync
 * interval beyond the limit (ADR-0025). Windows are fixed and aligned to the clock, so every
 * instance counts the same window. With no Redis, or while it fails, the counts are simply local
 * (kept, and sent once Redis answers within the same window).
 */
export class SyncedWindowCounters implements ThrottlerStorage {
  private readonly logger = new Logger(SyncedWindowCounters.name);
  private readonly counters = new Map<string, Counter>();
  /** Counters with hits not yet sent: what a sync walks, rather than every counter. */
  private readonly unsent = new Map<string, Counter>();
  private lastSweep: number;
  private timer?: NodeJS.Timeout;
  private syncing?: Promise<void>;
  /**
   * Starts the sync timer in the context this object was made in (start-up), not in that of the
   * request whose hit happens to start it: a sync belongs to no request's trace or log context.
   */
  private readonly startTimer = AsyncResource.bind(() => {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush().finally(() => {
        if (this.unsent.size > 0) this.schedule();
      });
    }, this.syncMs);
    this.timer.unref();
  });

  constructor(
    private readonly redis: RedisClient | null,
    private readonly breaker: CacheBreaker,
    private readonly prefix: string,
    private readonly syncMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.lastSweep = now();
  }

  increment(key: string, ttl: number, limit: number): Promise<ThrottlerStorageRecord> {
    return Promise.resolve(this.hit(key, ttl, limit));
  }

  /** increment, answered at once: the count is in memory. */
  hit(key: string, ttl: number, limit: number): ThrottlerStorageRecord {
    const now = this.now();
    const window = Math.floor(now / ttl);
    let counter = this.counters.get(key);
    if (counter === undefined || counter.window !== window) {
      counter = { key, window, windowMs: ttl, known: 0, sending: 0, pending: 0 };
      this.counters.set(key, counter);
    }
    const expiresInSeconds = Math.ceil(((window + 1) * ttl - now) / 1000);
    const counted = counter.known + counter.sending + counter.pending;
    if (counted >= limit) {
      // Refused hits are not counted: they would only lengthen the wait of the next window.
      return {
        totalHits: counted + 1,
        timeToExpire: expiresInSeconds,
        isBlocked: true,
        timeToBlockExpire: expiresInSeconds,
      };
    }
    counter.pending++;
    this.unsent.set(key, counter);
    this.schedule();
    return {
      totalHits: counted + 1,
      timeToExpire: expiresInSeconds,
      isBlocked: false,
      timeToBlockExpire: 0,
    };
  }

  /** Sends the pending hits now and waits for the totals; for tests and shutdown. */
  async flush(): Promise<void> {
    await this.syncing;
    this.syncing = this.sync().finally(() => (this.syncing = undefined));
    await this.syncing;
  }

  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Counters held in memory (the current windows of recently seen keys). */
  get size(): number {
    return this.counters.size;
  }

  private schedule(): void {
    if (!this.timer) this.startTimer();
  }

  private async sync(): Promise<void> {
    const now = this.now();
    if (now - this.lastSweep >= SWEEP_MS) this.sweep(now);
    const batch: Unsent[] = [];
    for (const counter of this.unsent.values()) {
      if (counter.window !== Math.floor(now / counter.windowMs) || !this.redis) continue;
      const hits = counter.pending;
      counter.sending += hits;
      counter.pending = 0;
      const redisKey = `${redisKeyOf(this.prefix, counter.key)}:w${counter.window}`;
      batch.push({ counter, hits, redisKey });
    }
    // Hits of a past window no longer matter, sent or not; without Redis there is nowhere to send.
    this.unsent.clear();
    if (batch.length === 0) return;
    let notCounted: Unsent[];
    try {
      // Each user's counter hashes to a slot of its own: on a cluster, one pipeline per node.
      const parts = groupByNode(this.redis!, batch, (entry) => entry.redisKey);
      notCounted = (await Promise.all(parts.map((part) => this.send(part)))).flat();
    } catch (error) {
      this.logger.debug(`rate-limit sync failed: ${(error as Error).message}`);
      notCounted = batch;
    }
    for (const { counter, hits } of batch) counter.sending -= hits;
    // Not counted in Redis: still counted here, and sent again with the next sync.
    for (const { counter, hits } of notCounted) counter.pending += hits;
    for (const { counter } of batch) {
      if (counter.pending > 0 && this.counters.get(counter.key) === counter) {
        this.unsent.set(counter.key, counter);
      }
    }
  }

  /** Adds one node's counters to Redis and learns their totals; returns those it could not add. */
  private async send(part: Unsent[]): Promise<Unsent[]> {
    const pipeline = this.redis!.pipeline();
    for (const { counter, hits, redisKey } of part) {
      pipeline.incrby(redisKey, hits);
      // Kept a window past its end, for instances whose clocks run a little behind.
      pipeline.pexpireat(redisKey, (counter.window + 2) * counter.windowMs);
    }
    let replies: Array<[Error | null, unknown]> | null;
    try {
      replies = await this.breaker.run(() => pipeline.exec());
    } catch (error) {
      this.logger.debug(`rate-limit sync failed: ${(error as Error).message}`);
      return part;
    }
    return part.filter(({ counter }, index) => {
      const [error, total] = replies?.[index * 2] ?? [new Error('not sent'), null];
      if (error !== null || typeof total !== 'number') return true;
      counter.known = total;
      return false;
    });
  }

  /** Drops the counters of past windows. */
  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [key, counter] of this.counters) {
      if (counter.window !== Math.floor(now / counter.windowMs)) this.counters.delete(key);
    }
  }
}
