import type { IncomingMessage, ServerResponse } from 'node:http';

import type { Level } from 'pino';

import { DomainError } from '@app/http';

import { fastifyExchangeOf } from './request-logging';

/**
 * Probes and scrapes, polled every few seconds: logged at debug only, so they do not bury the
 * traffic worth reading (metrics and traces leave them out too).
 */
const QUIET_ROUTE = /^\/(health|metrics)(\/|$)/;
/** nginx's code for a client that left before any response (the metrics use it as well). */
const CLIENT_CLOSED = 499;

/** The status the client saw: 499 when it went away before the headers were sent. */
function statusOf(res: ServerResponse): number {
  return res.headersSent ? res.statusCode : CLIENT_CLOSED;
}

/**
 * A 503 the service chose to answer (too many streams, a dependency down, shutting down) is the
 * service working as designed, not a fault: warn, like any refused request.
 */
function refusedOnPurpose(res: ServerResponse): boolean {
  return res.err instanceof DomainError && res.err.kind === 'unavailable';
}

export function requestLogLevel(req: IncomingMessage, res: ServerResponse, error?: Error): Level {
  const route = fastifyExchangeOf(req)?.request.routeOptions.url;
  if (route && QUIET_ROUTE.test(route)) return 'debug';
  if (refusedOnPurpose(res)) return 'warn';
  const status = statusOf(res);
  if (error || res.err || status >= 500) return 'error';
  return status >= 400 ? 'warn' : 'info';
}

export interface RequestLogFields {
  method?: string;
  /** The route template Fastify matched (`/favorites/:id`); absent when none matched (a 404). */
  route?: string;
  /** The path without its query string, which may carry cursors and filters. */
  path: string;
  statusCode: number;
  durationMs: number;
  /** Set by the JWT guard when the request is authenticated: the id, never the email. */
  userId?: string;
  /** The client left before the whole response was sent. */
  aborted?: true;
}

/**
 * The request line's fields. Deliberately an allow-list: no headers, no query string, no body,
 * so a token, a cookie or a password cannot get in by a new header or field.
 */
export function requestLogFields(req: IncomingMessage, res: ServerResponse): RequestLogFields {
  const exchange = fastifyExchangeOf(req);
  const user = (exchange?.request as { user?: { id?: unknown } } | undefined)?.user;
  const url = exchange?.request.originalUrl ?? req.url ?? '/';
  return {
    method: req.method,
    route: exchange?.request.routeOptions.url,
    path: url.split('?')[0],
    statusCode: statusOf(res),
    // Fastify's clock (what the metrics observe), to 0.1 ms: cached reads take about 1 ms.
    durationMs: exchange ? Math.round(exchange.reply.elapsedTime * 10) / 10 : 0,
    userId: typeof user?.id === 'string' ? user.id : undefined,
    aborted: res.writableEnded ? undefined : true,
  };
}
