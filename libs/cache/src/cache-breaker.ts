import { Logger } from '@nestjs/common';
import CircuitBreaker from 'opossum';

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface CacheBreakerOptions {
  /** How long the breaker stays open before letting one probe through. */
  resetMs: number;
}

/**
 * One opossum breaker for every cache call (each a few Redis commands, each with a timeout).
 * While Redis is down or slow it opens, and callers get an immediate rejection instead of waiting
 * for a timeout each; after `resetMs` one call goes through as a probe and closes it again on
 * success.
 */
export class CacheBreaker {
  private readonly logger = new Logger('CacheBreaker');
  private readonly breaker: CircuitBreaker<[() => Promise<unknown>], unknown>;
  private readonly closeListeners: Array<() => void> = [];

  constructor(options: CacheBreakerOptions) {
    this.breaker = new CircuitBreaker((call: () => Promise<unknown>) => call(), {
      // No timer of its own per call: every Redis command already has one (the client's
      // commandTimeout), and a timed-out command fails its call.
      timeout: false,
      resetTimeout: options.resetMs,
      errorThresholdPercentage: 50,
      // Judge on the last second only, so the successes before an outage do not hold the
      // breaker closed through it, and on a handful of calls at least.
      rollingCountTimeout: 1000,
      rollingCountBuckets: 10,
      volumeThreshold: 5,
      // Nothing here reads latency percentiles or listens to snapshots; with both on, opossum
      // sorts every latency of its window in a timer ten times per window (at the cached
      // page's rate, thousands each time) for no one.
      rollingPercentilesEnabled: false,
      enableSnapshots: false,
    });
    this.breaker.on('open', () => this.logger.warn('Redis circuit open: cache bypassed'));
    this.breaker.on('halfOpen', () => this.logger.log('Redis circuit half-open: probing'));
    this.breaker.on('close', () => {
      this.logger.log('Redis circuit closed: cache in use');
      for (const listener of this.closeListeners) listener();
    });
  }

  run<T>(call: () => Promise<T>): Promise<T> {
    return this.breaker.fire(call) as Promise<T>;
  }

  get state(): BreakerState {
    if (this.breaker.opened) return 'open';
    return this.breaker.halfOpen ? 'half-open' : 'closed';
  }

  /** Called each time the breaker closes again after being open. */
  onClose(listener: () => void): void {
    this.closeListeners.push(listener);
  }

  shutdown(): void {
    this.breaker.shutdown();
  }
}
