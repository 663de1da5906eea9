/** SQLSTATE codes the repositories turn into domain outcomes. */
export const PG_UNIQUE_VIOLATION = '23505';
export const PG_FOREIGN_KEY_VIOLATION = '23503';

export function isPgError(error: unknown, sqlState: string): boolean {
  const err = error as { code?: unknown; driverError?: { code?: unknown } };
  return err?.code === sqlState || err?.driverError?.code === sqlState;
}

/** Refused by GuardedPool: too many callers already wait for a connection. */
export class PoolQueueFullError extends Error {
  readonly code = 'EPOOLQUEUEFULL';

  constructor(waiting: number) {
    super(`${waiting} queries already wait for a pooled connection`);
    this.name = 'PoolQueueFullError';
  }
}

/**
 * SQLSTATEs that say PostgreSQL is down, restarting, out of room or too slow, not that the
 * statement is wrong: a later retry may succeed.
 * https://www.postgresql.org/docs/current/errcodes-appendix.html
 */
const UNAVAILABLE_SQLSTATES = new Set([
  '57P01', // admin_shutdown: the server is stopping (or the session was terminated)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: starting up, shutting down, in recovery
  '57P05', // idle_session_timeout
  '57014', // query_canceled: statement_timeout (or a cancel request)
  '55P03', // lock_not_available: lock_timeout
  '25P03', // idle_in_transaction_session_timeout
]);
/** Whole classes: 08 connection exception, 53 insufficient resources (53300 too many connections). */
const UNAVAILABLE_SQLSTATE_CLASSES = ['08', '53'];

/** Socket errors and our own refusals (an open circuit). */
const UNAVAILABLE_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'EOPENBREAKER',
]);

/** node-postgres and pg-pool raise these without a code. */
const UNAVAILABLE_MESSAGES = [
  'timeout exceeded when trying to connect', // pg-pool: no connection within connectionTimeoutMillis
  'Connection terminated', // ... unexpectedly, ... due to connection timeout
  'timeout expired', // pg Client: connect timeout
  'is not queryable', // a client whose connection has failed or closed
];

/**
 * Whether an error means "PostgreSQL is unavailable or too slow" rather than "this statement is
 * wrong": looks through TypeORM's QueryFailedError (`driverError`) and `cause`.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let err = error, depth = 0; err && depth < 4; depth++) {
    const { code, message, driverError, cause } = err as {
      code?: unknown;
      message?: unknown;
      driverError?: unknown;
      cause?: unknown;
    };
    if (typeof code === 'string') {
      if (UNAVAILABLE_SQLSTATES.has(code) || UNAVAILABLE_ERRNOS.has(code)) return true;
      if (code.length === 5 && UNAVAILABLE_SQLSTATE_CLASSES.includes(code.slice(0, 2))) return true;
    }
    if (typeof message === 'string' && UNAVAILABLE_MESSAGES.some((m) => message.includes(m))) {
      return true;
    }
    err = driverError ?? cause;
  }
  return false;
}
