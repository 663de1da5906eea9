import type { FastifyReply } from 'fastify';

/** Probes and scrapes, polled every few seconds: kept out of request metrics, logged at debug. */
const PROBE_OR_SCRAPE = /^\/(health|metrics)(\/|$)/;

export function isProbeOrScrape(route: string | undefined): boolean {
  return route !== undefined && PROBE_OR_SCRAPE.test(route);
}

/** nginx's code for a request whose client went away before any response was sent. */
const CLIENT_CLOSED = 499;

/** The status the client saw, for metrics and logs alike: 499 when it left before the headers. */
export function statusSeen(reply: FastifyReply): number {
  return reply.raw.headersSent ? reply.raw.statusCode : CLIENT_CLOSED;
}
