import { DomainError } from '@app/http';

import { DatabaseBusyError, DatabaseUnavailableError } from './database.errors';
import { DatabaseBreaker } from './database-breaker';
import { DatabaseErrorTranslator } from './database-error-translator';
import { PoolQueueFullError } from './pg-errors';

class SomeDomainError extends DomainError {
  readonly code = 'SOME';
  readonly kind = 'conflict';
}

describe(DatabaseErrorTranslator.name, () => {
  const breaker = { retryAfterSeconds: 3 } as DatabaseBreaker;
  const sut = new DatabaseErrorTranslator(breaker);

  it('turns a query that failed for lack of the database into a 503 with the breaker’s Retry-After', () => {
    const timeout = Object.assign(new Error('canceling statement'), { code: '57014' });
    const translated = sut.translate(Object.assign(new Error('wrapped'), { driverError: timeout }));
    expect(translated).toBeInstanceOf(DatabaseUnavailableError);
    expect(translated).toMatchObject({ code: 'DATABASE_UNAVAILABLE', retryAfterSeconds: 3 });
    // The driver's error as the cause, never TypeORM's wrapper with the query's parameters.
    expect((translated as Error).cause).toBe(timeout);
  });

  it('turns a full wait queue into DATABASE_BUSY', () => {
    expect(sut.translate(new PoolQueueFullError(20))).toBeInstanceOf(DatabaseBusyError);
  });

  it('leaves domain errors and every other error as they are', () => {
    const domain = new SomeDomainError('taken');
    expect(sut.translate(domain)).toBe(domain);
    const unique = Object.assign(new Error('duplicate key'), { code: '23505' });
    expect(sut.translate(unique)).toBe(unique);
  });
});
