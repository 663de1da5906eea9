import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import { noneMatchFails } from './entity-tags';

/**
 * True when a response about to be sent should become a 304 Not Modified: a successful GET or
 * HEAD whose ETag the request's If-None-Match already holds (RFC 9110, section 13.1.2).
 */
export function isNotModified(request: FastifyRequest, reply: FastifyReply): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  if (reply.statusCode !== 200) return false;
  const etag = reply.getHeader('etag');
  return typeof etag === 'string' && noneMatchFails(request.headers['if-none-match'], etag);
}

/**
 * Answers If-None-Match for every route that sets an ETag, in one Fastify onSend hook: the
 * handler sets the ETag of what it would send, and a client that already holds it gets a 304
 * with that ETag and no body (RFC 9110, section 15.4.5), whoever served the body.
 */
@Injectable()
export class ConditionalGet implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    // An application context without HTTP (a script, a unit test) has nothing to answer.
    if (typeof fastify?.addHook !== 'function') return;
    fastify.addHook('onSend', (request, reply, payload, done) => {
      if (!isNotModified(request, reply)) return done(null, payload);
      void reply.code(304);
      reply.removeHeader('content-type');
      reply.removeHeader('content-length');
      done(null, null);
    });
  }
}
