import { DomainError } from './domain-error';

/** Why a request was shed: too many requests in flight, or the event loop running late. */
export type ShedReason = 'in_flight' | 'event_loop_delay';

/**
 * A request refused before any work because the service is overloaded (ADR-0021). Retrying a
 * second later usually succeeds, on this instance or another; clients should back off.
 */
export class OverloadedError extends DomainError {
  readonly code = 'OVERLOADED';
  readonly kind = 'unavailable';
  override readonly retryAfterSeconds = 1;

  constructor(readonly reason: ShedReason) {
    super('The service is overloaded; retry shortly');
  }
}
