import { Injectable } from '@nestjs/common';

import { DomainError, ErrorTranslator } from '@app/http';

import { DatabaseBusyError, DatabaseUnavailableError } from './database.errors';
import { DatabaseBreaker } from './database-breaker';
import { isDatabaseUnavailable, PoolQueueFullError } from './pg-errors';

/**
 * The one place where the driver's errors meaning "PostgreSQL is down or too slow" become domain
 * errors: a refused or timed-out connection, a lost one, a shutdown, a statement or lock timeout,
 * an open circuit, raw or wrapped in TypeORM's QueryFailedError, leave as the 503
 * DATABASE_UNAVAILABLE with Retry-After (the time until the breaker's next probe, or 1 s), a
 * full wait queue as the 503 DATABASE_BUSY, never as a 500. Every other error passes unchanged
 * (a constraint violation is mapped by its repository). ProblemDetailsFilter asks it about every
 * error a request ends with, guards' included.
 */
@Injectable()
export class DatabaseErrorTranslator implements ErrorTranslator {
  constructor(private readonly breaker: DatabaseBreaker) {}

  translate(error: unknown): unknown {
    if (error instanceof DomainError) return error;
    if (error instanceof PoolQueueFullError) return new DatabaseBusyError();
    if (isDatabaseUnavailable(error)) {
      // The driver's error, not TypeORM's wrapper: that one carries the query's parameters,
      // which the request's log line (where the cause is printed) must never hold.
      const cause = (error as { driverError?: unknown }).driverError ?? error;
      return new DatabaseUnavailableError(this.breaker.retryAfterSeconds, { cause });
    }
    return error;
  }
}
