import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerOptions } from '@nestjs/throttler';
import type { FastifyReply } from 'fastify';

import { TooManyRequestsError } from './too-many-requests.error';

interface QuotaState {
  limit: number;
  remaining: number;
  resetSeconds: number;
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
 * @nestjs/throttler's guard over its storage and named throttlers, answering in this service's
 * terms: the quota closest to running out in the draft IETF fields (RateLimit-Limit, -Remaining,
 * -Reset in seconds; draft-ietf-httpapi-ratelimit-headers-07), and a 429 problem+json with
 * Retry-After (TooManyRequestsError) instead of Nest's ThrottlerException and X-RateLimit-*.
 *
 * Its own loop instead of ThrottlerGuard.canActivate, which asks the Reflector six questions and
 * awaits three values per throttler on every request: here which throttlers apply is worked out
 * once per handler (their `skipIf` looks only at the route), and a tracker of '' (a login body
 * without an email) skips its throttler. Per request on an authenticated route that leaves one
 * tracker, one counter and three headers (ADR-0025).
 *
 * A second global guard, after JwtAuthGuard: Nest runs global guards in the order their modules
 * register them, and AppModule imports AuthModule before RateLimitModule, so the per-user limit
 * finds request.user set (ADR-0025).
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  private readonly byHandler = new WeakMap<object, Throttler[]>();

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const throttlers = this.throttlersOf(context);
    if (throttlers.length === 0) return true;
    const { req, res } = this.getRequestResponse(context);
    const reply = res as FastifyReply;
    const quotas: QuotaState[] = [];
    for (const throttler of throttlers) {
      const tracked = throttler.getTracker(req, context);
      const tracker = typeof tracked === 'string' ? tracked : await tracked;
      if (tracker === '') continue;
      const { name, ttl, limit, blockDuration } = throttler;
      const key = throttler.generateKey(context, tracker, name);
      const record = await this.storageService.increment(key, ttl, limit, blockDuration, name);
      const quota: QuotaState = {
        limit,
        remaining: record.isBlocked ? 0 : Math.max(0, limit - record.totalHits),
        resetSeconds: record.isBlocked ? record.timeToBlockExpire : record.timeToExpire,
      };
      if (record.isBlocked) {
        setRateLimitHeaders(reply, [quota]);
        throw new TooManyRequestsError(Math.max(1, record.timeToBlockExpire));
      }
      quotas.push(quota);
    }
    if (quotas.length > 0) setRateLimitHeaders(reply, quotas);
    return true;
  }

  private throttlersOf(context: ExecutionContext): Throttler[] {
    const handler = context.getHandler();
    let throttlers = this.byHandler.get(handler);
    if (throttlers === undefined) {
      throttlers = (this.throttlers as Throttler[]).filter((t) => !t.skipIf?.(context));
      this.byHandler.set(handler, throttlers);
    }
    return throttlers;
  }
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
