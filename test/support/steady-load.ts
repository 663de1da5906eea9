import { randomUUID } from 'node:crypto';

import { chartAsset, insightAsset } from './factories';

export type Operation = 'list' | 'get' | 'add';

/** One request of the load: what was sent, when, and what came back (or that nothing did). */
export interface LoadSample {
  op: Operation;
  /** Started, ms since the load began. */
  at: number;
  ms: number;
  /** The HTTP status, or why there was none. */
  status: number | 'timeout' | 'network-error';
  contentType?: string | null;
  retryAfter?: string | null;
  code?: string;
}

export interface SteadyLoadOptions {
  baseUrl: string;
  token: string;
  /** Requests started per second, whatever the answers' speed. */
  perSecond: number;
  /** A request with no answer within this is recorded as a timeout (and aborted). */
  clientTimeoutMs: number;
}

const TICK_MS = 50;

/**
 * A steady mix of reads and writes at a fixed rate (an open loop: a slow answer does not slow the
 * next request), each with a client-side timeout: 40% GET /favorites?limit=20, 30%
 * GET /favorites/{id} of a favourite added earlier, 30% POST /favorites (half of them with an
 * Idempotency-Key, so in a transaction). Every POST answered 201 is remembered, to check
 * afterwards that no acknowledged write was lost.
 */
export class SteadyLoad {
  readonly samples: LoadSample[] = [];
  readonly acknowledged: string[] = [];
  private readonly started = performance.now();
  private readonly inFlight = new Set<Promise<void>>();
  private timer?: NodeJS.Timeout;
  private sent = 0;

  constructor(private readonly options: SteadyLoadOptions) {}

  /** Milliseconds since the load began: the clock of `LoadSample.at`. */
  now(): number {
    return performance.now() - this.started;
  }

  start(): void {
    const perTick = (this.options.perSecond * TICK_MS) / 1000;
    let owed = 0;
    this.timer = setInterval(() => {
      owed += perTick;
      for (; owed >= 1; owed--) this.track(this.send(this.sent++));
    }, TICK_MS);
  }

  /** Stops sending and waits for every request in flight to be answered or to time out. */
  async stop(): Promise<LoadSample[]> {
    clearInterval(this.timer);
    await Promise.all(this.inFlight);
    return this.samples;
  }

  /**
   * Waits until every request answered during the last `windowMs`, of those started after
   * `since`, succeeded (and there were some); false if that has not happened within `withinMs`.
   */
  async steady(since: number, windowMs: number, withinMs: number): Promise<boolean> {
    const deadline = this.now() + withinMs;
    while (this.now() < deadline) {
      const now = this.now();
      if (now - since >= windowMs) {
        const recent = this.samples.filter((s) => s.at >= since && s.at + s.ms >= now - windowMs);
        if (recent.length > 0 && recent.every(succeeded)) return true;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return false;
  }

  private track(request: Promise<void>): void {
    this.inFlight.add(request);
    void request.finally(() => this.inFlight.delete(request));
  }

  private async send(n: number): Promise<void> {
    const slot = n % 10;
    const op: Operation =
      slot < 4 || (slot < 7 && this.acknowledged.length === 0) ? 'list' : slot < 7 ? 'get' : 'add';
    const headers: Record<string, string> = { authorization: `Bearer ${this.options.token}` };
    let path = '/favorites?limit=20';
    let method = 'GET';
    let body: string | undefined;
    let id: string | undefined;
    if (op === 'get') {
      path = `/favorites/${this.acknowledged[n % this.acknowledged.length]}`;
    } else if (op === 'add') {
      id = `load-${randomUUID()}`;
      method = 'POST';
      body = JSON.stringify(n % 2 ? insightAsset({ id }) : chartAsset({ id }));
      headers['content-type'] = 'application/json';
      // Every other one idempotent: its insert runs in a transaction with the key's record.
      if (n % 4 < 2) headers['idempotency-key'] = randomUUID();
    }
    const at = this.now();
    const sample: LoadSample = { op, at, ms: 0, status: 'network-error' };
    try {
      const response = await fetch(`${this.options.baseUrl}${path}`, {
        method,
        headers,
        body,
        signal: AbortSignal.timeout(this.options.clientTimeoutMs),
      });
      const text = await response.text();
      sample.status = response.status;
      sample.contentType = response.headers.get('content-type');
      sample.retryAfter = response.headers.get('retry-after');
      if (sample.contentType?.startsWith('application/problem+json')) {
        sample.code = (JSON.parse(text) as { code?: string }).code;
      }
      if (op === 'add' && response.status === 201 && id) this.acknowledged.push(id);
    } catch (error) {
      const name = (error as Error).name;
      sample.status =
        name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'network-error';
    }
    sample.ms = this.now() - at;
    this.samples.push(sample);
  }
}

export function succeeded(sample: LoadSample): boolean {
  return typeof sample.status === 'number' && sample.status >= 200 && sample.status < 300;
}

export interface FaultSummary {
  fault: string;
  requests: number;
  byStatus: Record<string, number>;
  /** From the fault's end to the first success of a request started after it. */
  firstSuccessMs?: number;
  /** From the fault's end to the last failed answer: every later request succeeded. */
  steadyMs: number;
  maxLatencyMs: number;
}

/** The figures of one fault run; `restoredAt` is when the fault ended, on the load's clock. */
export function summarize(fault: string, samples: LoadSample[], restoredAt: number): FaultSummary {
  const byStatus: Record<string, number> = {};
  for (const s of samples) byStatus[s.status] = (byStatus[s.status] ?? 0) + 1;
  const ended = (s: LoadSample) => s.at + s.ms;
  const firstSuccess = samples
    .filter((s) => s.at >= restoredAt && succeeded(s))
    .reduce((min, s) => Math.min(min, ended(s)), Infinity);
  const lastFailure = samples
    .filter((s) => !succeeded(s) && ended(s) >= restoredAt)
    .reduce((max, s) => Math.max(max, ended(s)), restoredAt);
  return {
    fault,
    requests: samples.length,
    byStatus,
    firstSuccessMs: Number.isFinite(firstSuccess)
      ? Math.round(firstSuccess - restoredAt)
      : undefined,
    steadyMs: Math.round(lastFailure - restoredAt),
    maxLatencyMs: Math.round(samples.reduce((max, s) => Math.max(max, s.ms), 0)),
  };
}

/** One line to quote: `fault=… requests=… 200=… 503=… firstSuccessMs=… steadyMs=… maxLatencyMs=…`. */
export function summaryLine(summary: FaultSummary): string {
  const statuses = Object.entries(summary.byStatus)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([status, count]) => `${status}=${count}`)
    .join(' ');
  return (
    `fault=${summary.fault} requests=${summary.requests} ${statuses} ` +
    `firstSuccessMs=${summary.firstSuccessMs ?? 'none'} steadyMs=${summary.steadyMs} ` +
    `maxLatencyMs=${summary.maxLatencyMs}`
  );
}
