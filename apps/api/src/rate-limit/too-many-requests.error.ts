import { DomainError } from '@app/http';

/**
 * One answer for every limit: it names no limit, so a login refused for its account reads like
 * one refused for its address, and a known email like an unknown one.
 */
export class TooManyRequestsError extends DomainError {
  readonly code = 'TOO_MANY_REQUESTS';
  readonly kind = 'rate_limited';

  constructor(override readonly retryAfterSeconds: number) {
    super('Too many requests: retry after the number of seconds in Retry-After');
  }
}
