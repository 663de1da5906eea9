import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';

import type { FastifyInstance, FastifyReply, FastifyServerOptions } from 'fastify';

import { MalformedBodyError, RequestValidationError } from './domain-error';
import { PROBLEM_CONTENT_TYPE, problemDetails, statusCode } from './problem-details';
import { findUnstorableJson } from './storable-json';

/** Bodies above this many bytes are refused with 413 before they are read in full. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

const REQUEST_ID = /^[\w.:@/+=-]{1,128}$/;

/** Echo a well-formed `X-Request-ID`, otherwise mint one; never trust arbitrary header bytes. */
export function requestIdFor(req: IncomingMessage): string {
  const header = req.headers['x-request-id'];
  return typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
}

export interface ServerLimits {
  bodyLimitBytes: number;
  /** Idle keep-alive connections are kept this long: above a load balancer's idle timeout. */
  keepAliveTimeoutMs: number;
  /** The whole request head must arrive within this time (slow-header clients are cut off). */
  headersTimeoutMs: number;
  /**
   * Whose `X-Forwarded-For` makes `request.ip` (Fastify's trustProxy; TRUST_PROXY). Off by
   * default: the socket's peer is the client, and a header it sends changes nothing.
   */
  trustProxy?: boolean | number | string[];
}

export function fastifyServerOptions(limits: ServerLimits): FastifyServerOptions {
  return {
    bodyLimit: limits.bodyLimitBytes,
    trustProxy: limits.trustProxy ?? false,
    // Our own server, for the timeouts Fastify has no option for.
    serverFactory: (handler) =>
      createServer(
        {
          // Longer than the 60 s idle timeout of common load balancers, so they close first and
          // never send a request on a socket we are closing.
          keepAliveTimeout: limits.keepAliveTimeoutMs,
          headersTimeout: limits.headersTimeoutMs,
          // The whole request, body included, within 30 s; responses (streams) are not limited.
          requestTimeout: Math.max(30_000, limits.headersTimeoutMs),
          // Node checks those timeouts on this interval, 30 s by default: too coarse for them.
          connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs / 2),
        },
        handler,
      ),
    requestIdHeader: false,
    genReqId: requestIdFor,
    // Asset ids are up to 128 characters, and percent-encoding can triple them.
    routerOptions: { maxParamLength: 1024 },
    return503OnClosing: true,
    // Raised by the router before any Nest code runs (e.g. `%FF` in a path): answer problem+json.
    frameworkErrors: (error, request, reply) => {
      const status = error.statusCode ?? 400;
      const body = problemDetails(status, statusCode(status), error.message, request);
      void (reply as FastifyReply).header('x-request-id', request.id);
      void (reply as FastifyReply)
        .status(status)
        .type(PROBLEM_CONTENT_TYPE)
        .send(JSON.stringify(body));
    },
  };
}

/**
 * Reads every request body as JSON whatever its content type (or none), as the Go service did:
 * its README's `curl -d '{...}'` sends `application/x-www-form-urlencoded`. An empty body is
 * no body. Text PostgreSQL would refuse is rejected here, before it reaches a handler or a log.
 */
export function registerJsonBodyParser(fastify: FastifyInstance, bodyLimitBytes: number): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(
    '*',
    { parseAs: 'string', bodyLimit: bodyLimitBytes },
    (_request, body, done) => {
      const text = typeof body === 'string' ? body : body.toString('utf8');
      if (text.trim() === '') return done(null, undefined);
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        return done(new MalformedBodyError(), undefined);
      }
      const problem = findUnstorableJson(value);
      if (problem) return done(new RequestValidationError([problem]), undefined);
      done(null, value);
    },
  );
}

export function registerRequestIdHeader(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header('x-request-id', request.id);
    done();
  });
}
