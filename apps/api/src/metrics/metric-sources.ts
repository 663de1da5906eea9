import { makeGaugeProvider } from '@willsoto/nestjs-prometheus';

/**
 * prom-client keeps one registry per process, while a process may hold several application
 * instances (the end-to-end tests start two side by side). Each instance adds what it reports
 * when it starts and removes it when it closes; collectors sum over the live ones, so a closed
 * instance's pool or cache is never read and two instances add up.
 */
export class MetricSources<T> {
  private readonly live = new Set<T>();

  add(source: T): void {
    this.live.add(source);
  }

  delete(source: T): void {
    this.live.delete(source);
  }

  sum(read: (source: T) => number): number {
    let total = 0;
    for (const source of this.live) total += read(source);
    return total;
  }
}

/** What a circuit breaker gauge reads: the cache's and the database's opossum wrappers alike. */
export interface BreakerSource {
  readonly state: 'closed' | 'half-open' | 'open';
}

const BREAKER_STATES: BreakerSource['state'][] = ['closed', 'half-open', 'open'];

/** A gauge of the live breakers in each state (1 = this one, per instance). */
export function breakerStateGauge(
  name: string,
  help: string,
  breakers: MetricSources<BreakerSource>,
) {
  return makeGaugeProvider({
    name,
    help,
    labelNames: ['state'],
    collect() {
      for (const state of BREAKER_STATES) {
        this.set(
          { state },
          breakers.sum((breaker) => (breaker.state === state ? 1 : 0)),
        );
      }
    },
  });
}
