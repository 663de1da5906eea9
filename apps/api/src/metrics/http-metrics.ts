import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import {
  InjectMetric,
  makeCounterProvider,
  makeGaugeProvider,
  makeHistogramProvider,
} from '@willsoto/nestjs-prometheus';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Counter, Gauge, Histogram } from 'prom-client';

import { isProbeOrScrape, statusSeen } from '@app/observability';

const DURATION = 'http_request_duration_seconds';
const REQUESTS = 'http_requests_total';
const IN_FLIGHT = 'http_requests_in_flight';
const LABELS = ['method', 'route', 'status_code'];

export const HTTP_METRICS = [
  makeHistogramProvider({
    name: DURATION,
    help: 'Time from the request to the last byte of its response, by route template',
    labelNames: LABELS,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  }),
  makeCounterProvider({
    name: REQUESTS,
    help: 'Requests answered, by route template',
    labelNames: LABELS,
  }),
  makeGaugeProvider({ name: IN_FLIGHT, help: 'Requests received and not yet answered' }),
];

/** The label of a request no route matched (a 404 from the router): never the raw URL. */
const UNMATCHED = 'unmatched';

/**
 * Request metrics from Fastify hooks rather than a Nest interceptor: an interceptor runs after
 * the guard, so it would miss 401s, unknown routes and bodies Fastify refuses (ADR-0015). Labels
 * are the route template (`/favorites/:id`), never the URL, so their number stays bounded.
 */
@Injectable()
export class HttpMetrics implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @InjectMetric(DURATION) private readonly duration: Histogram<string>,
    @InjectMetric(REQUESTS) private readonly requests: Counter<string>,
    @InjectMetric(IN_FLIGHT) private readonly inFlight: Gauge<string>,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onRequest', (request, reply, done) => {
      this.measure(request, reply);
      done();
    });
  }

  private measure(request: FastifyRequest, reply: FastifyReply): void {
    // Probes and scrapes would drown the traffic that matters: they are not measured.
    if (isProbeOrScrape(request.routeOptions.url)) return;
    const route = request.routeOptions.url ?? UNMATCHED;
    this.inFlight.inc();
    // 'close' fires once per response: finished, failed, or abandoned by the client.
    reply.raw.once('close', () => {
      this.inFlight.dec();
      const labels = {
        method: request.method,
        route,
        status_code: statusSeen(reply),
      };
      this.requests.inc(labels);
      this.duration.observe(labels, reply.elapsedTime / 1000);
    });
  }
}
