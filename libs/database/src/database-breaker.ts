import { Logger } from '@nestjs/common';
import CircuitBreaker from 'opossum';

import { isDatabaseUnavailable } from './pg-errors';

export type DatabaseBreakerState = 'closed' | 'open' | 'half-open';

export interface DatabaseBreakerOptions {
  /** How long the breaker stays open before letting one probe through. */
  resetMs: number;
}

/**
 * One opossum breaker for every connection taken from the pool and every query sent on one
 * (GuardedPool, GuardedClient). Only availability failures count (connection refused or lost,
 * shutdown, statement or acquire timeouts): a constraint violation is PostgreSQL answering.
 * While open, every database call fails at once, so requests get a fast 503 instead of each
 * waiting out a timeout; after `resetMs` one call goes through as a probe and closes it again
 * on success.
 */
export class DatabaseBreaker {
  private readonly logger = new Logger('DatabaseBreaker');
  private readonly breaker: CircuitBreaker<[() => Promise<unknown>], unknown>;
  private openedAt = 0;

  constructor(private readonly options: DatabaseBreakerOptions) {
    this.breaker = new CircuitBreaker((call: () => Promise<unknown>) => call(), {
      // No timer of its own: acquiring has the pool's timeout, a query statement_timeout and the
      // client's own answer timeout.
      timeout: false,
      resetTimeout: options.resetMs,
      errorThresholdPercentage: 50,
      // The last two seconds only, so the successes before an outage do not hold it closed.
      rollingCountTimeout: 2000,
      rollingCountBuckets: 10,
      volumeThreshold: 5,
      // Nothing here reads latency percentiles or listens to snapshots; with both on, opossum
      // sorts every latency of its window in a timer ten times per window (at an uncached
      // page's rate, thousands each time) for no one.
      rollingPercentilesEnabled: false,
      enableSnapshots: false,
      errorFilter: (error: unknown) => !isDatabaseUnavailable(error),
    });
    this.breaker.on('open', () => {
      this.openedAt = Date.now();
      this.logger.warn('PostgreSQL circuit open: database calls fail fast (503)');
    });
    this.breaker.on('halfOpen', () => this.logger.log('PostgreSQL circuit half-open: probing'));
    this.breaker.on('close', () => this.logger.log('PostgreSQL circuit closed'));
  }

  run<T>(call: () => Promise<T>): Promise<T> {
    return this.breaker.fire(call) as Promise<T>;
  }

  get state(): DatabaseBreakerState {
    if (this.breaker.opened) return 'open';
    return this.breaker.halfOpen ? 'half-open' : 'closed';
  }

  /** Seconds until the next probe while open (at least 1): the Retry-After of a refusal. */
  get retryAfterSeconds(): number {
    if (!this.breaker.opened) return 1;
    const left = this.options.resetMs - (Date.now() - this.openedAt);
    return Math.max(1, Math.ceil(left / 1000));
  }

  shutdown(): void {
    this.breaker.shutdown();
  }
}
