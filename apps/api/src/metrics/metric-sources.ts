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
