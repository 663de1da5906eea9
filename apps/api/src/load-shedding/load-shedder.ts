import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { HttpAdapterHost } from '@nestjs/core';
import { InjectMetric, makeCounterProvider } from '@willsoto/nestjs-prometheus';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Counter } from 'prom-client';

import { AllConfig } from '@app/config';
import { OverloadedError, PROBLEM_CONTENT_TYPE, problemDetails, ShedReason } from '@app/http';
import { isProbeOrScrape } from '@app/observability';

import { RecentEventLoopDelay } from './recent-event-loop-delay';
import { SheddingLimits, shedReason } from './shedding-policy';

const SHED = 'http_requests_shed_total';

export const LOAD_SHEDDING_METRICS = [
  makeCounterProvider({
    name: SHED,
    help: 'Requests refused with 503 OVERLOADED before any work, by reason',
    labelNames: ['reason'],
  }),
];

/** While shedding goes on, one summary line this often rather than a line per refused request. */
const SUMMARY_EVERY_MS = 10_000;

/**
 * Load shedding (ADR-0021): when too many requests are in flight or the event loop is running
 * late, a new request is answered 503 OVERLOADED with Retry-After from a Fastify `onRequest` hook,
 * before its body is read, before authentication and before any Nest code: under overload the
 * requests admitted keep a bounded latency instead of every request waiting in one queue until
 * clients time out. Probes and scrapes are never shed (nor counted): they must tell the truth
 * precisely when the service is busiest. An admitted request counts until its response closes
 * (an NDJSON stream for its whole length).
 */
@Injectable()
export class LoadShedder implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(LoadShedder.name);
  private readonly limits: SheddingLimits;
  private inFlight = 0;
  /** One per reason, made once: a refusal must not pay for a stack trace. */
  private readonly refusals: Record<ShedReason, OverloadedError> = {
    in_flight: new OverloadedError('in_flight'),
    event_loop_delay: new OverloadedError('event_loop_delay'),
  };
  private shedSinceSummary: Partial<Record<ShedReason, number>> = {};
  private summaryTimer?: NodeJS.Timeout;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly eventLoop: RecentEventLoopDelay,
    config: ConfigService<AllConfig, true>,
    @InjectMetric(SHED) private readonly shed: Counter<string>,
  ) {
    this.limits = config.get('loadShedding', { infer: true });
  }

  /**
   * Added after every module's onModuleInit, where the request metrics, logging and tracing add
   * their onRequest hooks: Fastify runs hooks in the order they were added and skips the rest
   * once one answers, so those must come first for a shed request to be counted and logged as the
   * 503 it is.
   */
  onApplicationBootstrap(): void {
    if (this.limits.maxInFlight === 0 && this.limits.maxEventLoopDelayMs === 0) return;
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onRequest', (request, reply, done) => {
      const refused = this.admit(request, reply);
      if (!refused) return done();
      // Answered here, not through Fastify's error handler and the exception filter: under
      // overload the refusals are most of the traffic, and their path must be the cheapest.
      // The error is set where the request line reads it (logged at debug, ADR-0021).
      const response: { err?: unknown } = reply.raw;
      response.err = refused;
      const body = problemDetails(503, refused.code, refused.message, request);
      void reply
        .code(503)
        .header('retry-after', String(refused.retryAfterSeconds))
        .type(PROBLEM_CONTENT_TYPE)
        .send(JSON.stringify(body));
    });
  }

  onModuleDestroy(): void {
    clearTimeout(this.summaryTimer);
  }

  /** Undefined when the request may go on; else the error that answers it (problem+json). */
  admit(request: FastifyRequest, reply: FastifyReply): OverloadedError | undefined {
    if (isProbeOrScrape(request.routeOptions.url)) return undefined;
    const reason = shedReason(this.limits, {
      inFlight: this.inFlight,
      eventLoopDelayMs: this.eventLoop.delayMs,
    });
    if (reason !== undefined) {
      this.shed.inc({ reason });
      this.noteShed(reason);
      return this.refusals[reason];
    }
    this.inFlight++;
    // 'close' fires once per response: finished, failed, or abandoned by the client.
    reply.raw.once('close', () => this.inFlight--);
    return undefined;
  }

  /**
   * A refused request's own line is logged at debug (RequestLogging), so that an overload does
   * not also flood the logs: a warning when shedding starts, then a count every 10 s while it
   * lasts.
   */
  private noteShed(reason: ShedReason): void {
    this.shedSinceSummary[reason] = (this.shedSinceSummary[reason] ?? 0) + 1;
    if (this.summaryTimer) return;
    this.logger.warn(
      `overloaded (${reason}): shedding new requests; ${this.inFlight} in flight, ` +
        `event loop ${Math.round(this.eventLoop.delayMs)} ms late`,
    );
    this.scheduleSummary();
  }

  private scheduleSummary(): void {
    this.summaryTimer = setTimeout(() => {
      const shed = this.shedSinceSummary;
      this.shedSinceSummary = {};
      this.summaryTimer = undefined;
      const total = Object.values(shed).reduce((sum, n) => sum + n, 0);
      if (total === 0) return;
      this.logger.warn(
        `shed ${total} requests in the last ${SUMMARY_EVERY_MS / 1000} s ${JSON.stringify(shed)}`,
      );
      this.scheduleSummary();
    }, SUMMARY_EVERY_MS);
    this.summaryTimer.unref();
  }
}
