import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import {
  InjectThrottlerOptions,
  ThrottlerModuleOptions,
  ThrottlerOptions,
  ThrottlerStorage,
} from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { RateLimitStorage } from './rate-limit-storage';
import { ThrottlerStorageRecord } from './redis-throttler-storage';
import { TooManyRequestsError } from './too-many-requests.error';

interface QuotaState {
  limit: number;
  remaining: number;
  resetSeconds: number;
  /** Over the limit: the request is refused, and must wait resetSeconds. */
  blocked: boolean;
}

/** A throttler as the module configured it: numbers, a tracker and a key (see throttlers.ts). */
type Throttler = ThrottlerOptions & {
  name: string;
  limit: number;
  ttl: number;
  blockDuration: number;
  getTracker: NonNullable<ThrottlerOptions['getTracker']>;
  generateKey: NonNullable<ThrottlerOptions['generateKey']>;
};

/**
 * The guard over @nestjs/throttler's module options (the named throttlers, throttlers.ts) and
 * storage (RateLimitStorage), answering in this service's terms: the quota closest to running out
 * in the draft IETF fields (RateLimit-Limit, -Remaining, -Reset in seconds;
 * draft-ietf-httpapi-ratelimit-headers-07), and a 429 problem+json with Retry-After
 * (TooManyRequestsError) instead of Nest's ThrottlerException and X-RateLimit-*.
 *
 * Not ThrottlerGuard, which asks the Reflector six questions and awaits three values per
 * throttler on every request: here which throttlers apply is worked out once per handler (their
 * `skipIf` looks only at the route), and a tracker of '' (a login body without an email) skips
 * its throttler. Per request on an authenticated route that leaves one tracker, one counter in
 * memory and three headers, answered without a promise (ADR-0025, ADR-0047).
 *
 * A second global guard, after JwtAuthGuard: Nest runs global guards in the order their modules
 * register them, and AppModule imports AuthModule before RateLimitModule, so the per-user limit
 * finds request.user set (ADR-0025).
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  private readonly throttlers: Throttler[];
  private readonly byHandler = new WeakMap<object, Throttler[]>();

  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @Inject(ThrottlerStorage) private readonly storage: RateLimitStorage,
  ) {
    // throttlers.ts gives every throttler its name, numbers, tracker and key.
    this.throttlers = (Array.isArray(options) ? options : options.throttlers) as Throttler[];
  }

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const throttlers = this.throttlersOf(context);
    if (throttlers.length === 0) return true;
    const http = context.switchToHttp();
    const req = http.getRequest<FastifyRequest & Record<string, unknown>>();
    const reply = http.getResponse<FastifyReply>();
    // An authenticated route meets the per-user limit alone, counted in memory: answered at once,
    // without a promise of its own. Anything else takes the general loop.
    const only = throttlers.length === 1 ? throttlers[0] : undefined;
    if (only === undefined || !this.storage.countsInMemory(only.name)) {
      return this.countEach(throttlers, req, context, reply);
    }
    const tracker = only.getTracker(req, context);
    if (typeof tracker !== 'string')
      throw new Error(`the ${only.name} tracker must answer at once`);
    if (tracker !== '') {
      const { name, ttl, limit } = only;
      const record = this.storage.countNow(only.generateKey(context, tracker, name), ttl, limit);
      setRateLimitHeaders(reply, [admitted(reply, quotaOf(limit, record))]);
    }
    return true;
  }

  private async countEach(
    throttlers: Throttler[],
    req: Record<string, unknown>,
    context: ExecutionContext,
    reply: FastifyReply,
  ): Promise<boolean> {
    const quotas: QuotaState[] = [];
    for (const throttler of throttlers) {
      const tracked = throttler.getTracker(req, context);
      const tracker = typeof tracked === 'string' ? tracked : await tracked;
      if (tracker === '') continue;
      const { name, ttl, limit, blockDuration } = throttler;
      const key = throttler.generateKey(context, tracker, name);
      const record = await this.storage.increment(key, ttl, limit, blockDuration, name);
      quotas.push(admitted(reply, quotaOf(limit, record)));
    }
    if (quotas.length > 0) setRateLimitHeaders(reply, quotas);
    return true;
  }

  private throttlersOf(context: ExecutionContext): Throttler[] {
    const handler = context.getHandler();
    let throttlers = this.byHandler.get(handler);
    if (throttlers === undefined) {
      throttlers = this.throttlers.filter((t) => !t.skipIf?.(context));
      this.byHandler.set(handler, throttlers);
    }
    return throttlers;
  }
}

function quotaOf(limit: number, record: ThrottlerStorageRecord): QuotaState {
  return {
    limit,
    remaining: record.isBlocked ? 0 : Math.max(0, limit - record.totalHits),
    resetSeconds: record.isBlocked ? record.timeToBlockExpire : record.timeToExpire,
    blocked: record.isBlocked,
  };
}

/** The quota, if it admits the request; else the 429, with that quota's headers. */
function admitted(reply: FastifyReply, quota: QuotaState): QuotaState {
  if (!quota.blocked) return quota;
  setRateLimitHeaders(reply, [quota]);
  throw new TooManyRequestsError(Math.max(1, quota.resetSeconds));
}

/** The fields of the quota with the fewest requests left (the longest wait among equals). */
function setRateLimitHeaders(reply: FastifyReply, quotas: QuotaState[]): void {
  let shown = quotas[0];
  for (const quota of quotas) {
    if (
      quota.remaining < shown.remaining ||
      (quota.remaining === shown.remaining && quota.resetSeconds > shown.resetSeconds)
    ) {
      shown = quota;
    }
  }
  void reply.header('ratelimit-limit', String(shown.limit));
  void reply.header('ratelimit-remaining', String(shown.remaining));
  void reply.header('ratelimit-reset', String(shown.resetSeconds));
}
