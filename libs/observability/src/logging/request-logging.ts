import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { storage } from 'nestjs-pino/storage';
import type { Logger } from 'pino';

import { requestLogFields, requestLogLevel } from './request-log';
import { ROOT_LOGGER } from './root-logger';

/**
 * What nestjs-pino's PinoLogger reads for "the current request's logger" (its Store, duck-typed).
 * The child logger that carries the request id and user id is made only when something logs,
 * so the many requests that log nothing but their request line pay for none; it is kept once
 * the user is known (the guard sets it before any handler runs).
 */
class RequestLogContext {
  responseLogger = undefined;
  private bound?: Logger;

  constructor(
    private readonly root: Logger,
    private readonly request: FastifyRequest,
  ) {}

  get logger(): Logger {
    if (this.bound) return this.bound;
    const userId = (this.request as { user?: { id?: unknown } }).user?.id;
    const child = this.root.child(
      typeof userId === 'string'
        ? { requestId: this.request.id, userId }
        : { requestId: this.request.id },
    );
    if (typeof userId === 'string') this.bound = child;
    return child;
  }

  /** PinoLogger.assign() replaces it with a child carrying more fields. */
  set logger(logger: Logger) {
    this.bound = logger;
  }
}

/**
 * The request side of the logs (ADR-0018), from Fastify hooks rather than nestjs-pino's
 * middleware and pino-http, which cost more than half the throughput of a cached page: every
 * request runs in a request-bound logging context (nestjs-pino's AsyncLocalStorage, so each
 * `Logger` call made meanwhile carries its ids), and gets one line when its response closes.
 */
@Injectable()
export class RequestLogging implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(ROOT_LOGGER) private readonly root: Logger,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    // An application context without HTTP (a script, a unit test) has no requests to log.
    if (typeof fastify?.addHook !== 'function') return;
    fastify.addHook('onRequest', (request, reply, done) => {
      reply.raw.once('close', () => this.logRequest(request, reply));
      storage.run(new RequestLogContext(this.root, request), done);
    });
  }

  private logRequest(request: FastifyRequest, reply: FastifyReply): void {
    const level = requestLogLevel(request, reply);
    if (!this.root.isLevelEnabled(level)) return;
    const fields = requestLogFields(request, reply);
    // The problem filter leaves the exception of a failed request here (pino-http's convention).
    const err = reply.raw.err;
    const message = err
      ? 'request failed'
      : fields.aborted
        ? 'request aborted'
        : 'request completed';
    this.root[level]({ requestId: request.id, ...fields, ...(err ? { err } : {}) }, message);
  }
}
