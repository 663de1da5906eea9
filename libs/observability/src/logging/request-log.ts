import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Level } from 'pino';

import { DomainError, OverloadedError } from '@app/http';

import { isProbeOrScrape, statusSeen } from '../request-outcome';

/**
 * A 503 the service chose to answer (too many streams, a dependency down, shutting down) is the
 * service working as designed, not a fault: warn, like any refused request.
 */
function refusedOnPurpose(reply: FastifyReply): boolean {
  const err = reply.raw.err;
  return err instanceof DomainError && err.kind === 'unavailable';
}

/**
 * Probes and scrapes at debug, and requests shed under overload (thousands a second, summarised
 * by the load shedder instead); then error for 5xx and failures, warn for 4xx, info otherwise.
 */
export function requestLogLevel(request: FastifyRequest, reply: FastifyReply): Level {
  if (isProbeOrScrape(request.routeOptions.url)) return 'debug';
  if (reply.raw.err instanceof OverloadedError) return 'debug';
  if (refusedOnPurpose(reply)) return 'warn';
  const status = statusSeen(reply);
  if (reply.raw.err || status >= 500) return 'error';
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
export function requestLogFields(request: FastifyRequest, reply: FastifyReply): RequestLogFields {
  const user = (request as { user?: { id?: unknown } }).user;
  return {
    method: request.method,
    route: request.routeOptions.url,
    path: request.originalUrl.split('?')[0],
    statusCode: statusSeen(reply),
    // Fastify's clock (what the metrics observe), to 0.1 ms: cached reads take about 1 ms.
    durationMs: Math.round(reply.elapsedTime * 10) / 10,
    userId: typeof user?.id === 'string' ? user.id : undefined,
    aborted: reply.raw.writableEnded ? undefined : true,
  };
}
