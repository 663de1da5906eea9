import type { ShedReason } from '@app/http';

/** The configured limits; 0 turns a signal off. */
export interface SheddingLimits {
  maxInFlight: number;
  maxEventLoopDelayMs: number;
}

/** What the service is carrying when a new request arrives. */
export interface CurrentLoad {
  /** Requests admitted and not yet answered, not counting the one arriving. */
  inFlight: number;
  /** The event loop's worst recent delay (RecentEventLoopDelay). */
  eventLoopDelayMs: number;
}

/**
 * Why a new request must be refused now, or undefined to admit it. Admitting while fewer than
 * `maxInFlight` are in flight keeps at most `maxInFlight` at once; a loop that is running late
 * refuses everything until it catches up, since any work admitted then only waits longer.
 */
export function shedReason(limits: SheddingLimits, load: CurrentLoad): ShedReason | undefined {
  if (limits.maxInFlight > 0 && load.inFlight >= limits.maxInFlight) return 'in_flight';
  if (limits.maxEventLoopDelayMs > 0 && load.eventLoopDelayMs > limits.maxEventLoopDelayMs) {
    return 'event_loop_delay';
  }
  return undefined;
}
