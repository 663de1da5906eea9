import { CallHandler, ExecutionContext } from '@nestjs/common';
import { lastValueFrom, throwError } from 'rxjs';

import { DomainError } from '@app/http';

import { DatabaseBusyError, DatabaseUnavailableError } from './database.errors';
import { DatabaseBreaker } from './database-breaker';
import { DatabaseErrorsInterceptor } from './database-errors.interceptor';
import { PoolQueueFullError } from './pg-errors';

class SomeDomainError extends DomainError {
  readonly code = 'SOME';
  readonly kind = 'conflict';
}

describe(DatabaseErrorsInterceptor.name, () => {
  const breaker = { retryAfterSeconds: 3 } as DatabaseBreaker;
  const sut = new DatabaseErrorsInterceptor(breaker);
  const failingWith = (error: unknown): Promise<unknown> =>
    lastValueFrom(
      sut.intercept(
        {} as ExecutionContext,
        { handle: () => throwError(() => error) } as CallHandler,
      ),
    );

  it('turns a query that failed for lack of the database into a 503 with the breaker’s Retry-After', async () => {
    const timeout = Object.assign(new Error('canceling statement'), { code: '57014' });
    const thrown = await failingWith(
      Object.assign(new Error('wrapped'), { driverError: timeout }),
    ).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(thrown).toBeInstanceOf(DatabaseUnavailableError);
    expect(thrown).toMatchObject({ code: 'DATABASE_UNAVAILABLE', retryAfterSeconds: 3 });
    // The driver's error as the cause, never TypeORM's wrapper with the query's parameters.
    expect((thrown as Error).cause).toBe(timeout);
  });

  it('turns a full wait queue into DATABASE_BUSY', async () => {
    await expect(failingWith(new PoolQueueFullError(20))).rejects.toBeInstanceOf(DatabaseBusyError);
  });

  it('leaves domain errors and every other error as they are', async () => {
    const domain = new SomeDomainError('taken');
    await expect(failingWith(domain)).rejects.toBe(domain);
    const unique = Object.assign(new Error('duplicate key'), { code: '23505' });
    await expect(failingWith(unique)).rejects.toBe(unique);
  });
});
