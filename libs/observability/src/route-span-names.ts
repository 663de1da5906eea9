import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { trace } from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** OpenTelemetry's attribute for the matched route template (`http.route`, stable semconv). */
const HTTP_ROUTE = 'http.route';

/**
 * Names the HTTP server span by its route template (`GET /favorites/:id`) and sets `http.route`.
 * The HTTP instrumentation sees only Node's request, so on Fastify its spans are a bare `GET`
 * (../shared/DEPENDENCIES.md); the raw URL would make one span name per asset id. Unmatched
 * requests (404s) keep the bare method, so a scan of random URLs adds no names either.
 */
export function nameServerSpan(request: FastifyRequest): void {
  const route = request.routeOptions.url;
  const span = trace.getActiveSpan();
  // In onRequest the only span active is the server span the instrumentation opened.
  if (!route || !span?.isRecording()) return;
  span.updateName(`${request.method} ${route}`);
  span.setAttribute(HTTP_ROUTE, route);
}

/** Registers nameServerSpan as a Fastify onRequest hook for every route of the application. */
@Injectable()
export class RouteSpanNames implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    // An application context without HTTP (a script, a unit test) has nothing to name.
    if (typeof fastify?.addHook !== 'function') return;
    fastify.addHook('onRequest', (request, _reply, done) => {
      nameServerSpan(request);
      done();
    });
  }
}
