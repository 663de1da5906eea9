import { DomainError } from '@app/http';

/** PostgreSQL is down, restarting or too slow, or the circuit breaker is open: retry later. */
export class DatabaseUnavailableError extends DomainError {
  readonly code = 'DATABASE_UNAVAILABLE';
  readonly kind = 'unavailable';

  constructor(
    override readonly retryAfterSeconds = 1,
    options?: { cause?: unknown },
  ) {
    super('The database is unavailable or too slow; retry shortly');
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

/** Too many queries already wait for a pooled connection: refused at once instead of queued. */
export class DatabaseBusyError extends DomainError {
  readonly code = 'DATABASE_BUSY';
  readonly kind = 'unavailable';
  override readonly retryAfterSeconds = 1;

  constructor() {
    super('Too many requests are waiting for the database; retry shortly');
  }
}
