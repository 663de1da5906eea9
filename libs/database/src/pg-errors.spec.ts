import { isDatabaseUnavailable, PoolQueueFullError } from './pg-errors';

const withCode = (code: string, message = 'failed') => Object.assign(new Error(message), { code });
/** What TypeORM throws for a failed query: the driver's error as `driverError`. */
const queryFailed = (driverError: Error) =>
  Object.assign(new Error(driverError.message), { driverError });

describe(isDatabaseUnavailable.name, () => {
  it.each([
    ['a stopping server', withCode('57P01')],
    ['a crashed server', withCode('57P02')],
    ['a server starting up', withCode('57P03')],
    ['too many connections', withCode('53300')],
    ['a statement timeout', withCode('57014')],
    ['a lock timeout', withCode('55P03')],
    ['an idle-in-transaction timeout', withCode('25P03')],
    ['a connection exception', withCode('08006')],
    ['a refused connection', withCode('ECONNREFUSED')],
    ['a reset connection', withCode('ECONNRESET')],
    ['no answer in time', withCode('ETIMEDOUT')],
    ['an open circuit', withCode('EOPENBREAKER', 'Breaker is open')],
    ['no pooled connection in time', new Error('timeout exceeded when trying to connect')],
    ['a lost connection', new Error('Connection terminated unexpectedly')],
    ['a connect timeout', new Error('Connection terminated due to connection timeout')],
    ['a dead client', new Error('Client has encountered a connection error and is not queryable')],
    ['a wrapped statement timeout', queryFailed(withCode('57014'))],
    ['a cause', new Error('outer', { cause: withCode('ECONNREFUSED') })],
  ])('is true for %s', (_, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ['a unique violation', queryFailed(withCode('23505'))],
    ['a foreign key violation', withCode('23503')],
    ['a syntax error', withCode('42601')],
    ['a division by zero', queryFailed(withCode('22012'))],
    ['a full wait queue (a refusal of ours, not an outage)', new PoolQueueFullError(3)],
    ['a plain error', new Error('boom')],
    ['undefined', undefined],
  ])('is false for %s', (_, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});
