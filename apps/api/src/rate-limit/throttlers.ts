import { createHash } from 'node:crypto';

import { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { normalizeIp, ThrottlerOptions } from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';

import { Quota, RateLimitConfig } from '@app/config';

import { AuthenticatedUser } from '../auth/authenticated-user';
import { IS_PUBLIC } from '../auth/public.decorator';
import { RATE_LIMITED_ROUTE, RateLimitedRoute } from './rate-limited.decorator';

export const USER_THROTTLER = 'user';

type Request = FastifyRequest & { user?: AuthenticatedUser; body?: unknown };

/** The email as accounts are matched (`lower(email)`), so case variants share one count. */
export function normalisedEmail(email: string): string {
  return email.trim().toLowerCase();
}

function emailOf(request: Request): string | undefined {
  const { body } = request;
  if (typeof body !== 'object' || body === null) return undefined;
  const email = (body as { email?: unknown }).email;
  return typeof email === 'string' ? normalisedEmail(email) : undefined;
}

/** One counter per throttler and tracker, whatever the route; the tracker only as a digest. */
function keyOf(_context: ExecutionContext, tracker: string, throttlerName: string): string {
  return `${throttlerName}:${createHash('sha256').update(tracker).digest('base64url').slice(0, 22)}`;
}

const windowOf = (quota: Quota) => ({
  limit: quota.limit,
  ttl: quota.windowSeconds * 1000,
  blockDuration: quota.windowSeconds * 1000,
});

/**
 * The limits, as @nestjs/throttler's named throttlers. Each applies only where it belongs: the
 * login, sign-up and refresh ones on the routes marked `@RateLimited(...)`, the per-user one on every
 * route that needs a token. `skipIf` looks only at the route (RateLimitGuard asks it once per
 * handler); a tracker of '' skips the throttler for that request. Request addresses are
 * `request.ip`, which Fastify takes from X-Forwarded-For only when TRUST_PROXY trusts the peer.
 */
export function throttlers(config: RateLimitConfig, reflector: Reflector): ThrottlerOptions[] {
  const routeOf = (context: ExecutionContext) =>
    reflector.get<RateLimitedRoute | undefined>(RATE_LIMITED_ROUTE, context.getHandler());
  const onlyOn = (route: RateLimitedRoute) => (context: ExecutionContext) =>
    routeOf(context) !== route;
  // An IPv6 client counts by its /64, which one host usually has whole.
  const address = (req: object) => normalizeIp((req as Request).ip);

  return [
    {
      name: 'login-account',
      ...windowOf(config.loginAccount),
      skipIf: onlyOn('login'),
      // A body without a string email fails validation; its address is still counted.
      getTracker: (req) => emailOf(req as Request) ?? '',
      generateKey: keyOf,
    },
    {
      name: 'login-address',
      ...windowOf(config.loginAddress),
      skipIf: onlyOn('login'),
      getTracker: address,
      generateKey: keyOf,
    },
    {
      name: 'signup-address',
      ...windowOf(config.signupAddress),
      skipIf: onlyOn('signup'),
      getTracker: address,
      generateKey: keyOf,
    },
    {
      // A refresh exchanges a credential as a login does, under the same per-address quota but a
      // count of its own, so a client refreshing on schedule never uses up its logins.
      name: 'refresh-address',
      ...windowOf(config.loginAddress),
      skipIf: onlyOn('refresh'),
      getTracker: address,
      generateKey: keyOf,
    },
    {
      name: USER_THROTTLER,
      ...windowOf(config.user),
      skipIf: (context) =>
        reflector.getAllAndOverride<boolean>(IS_PUBLIC, [
          context.getHandler(),
          context.getClass(),
        ]) === true,
      getTracker: (req) => {
        const user = (req as Request).user;
        // The guard order is the modules' order (AuthModule before RateLimitModule): fail loudly
        // if that ever changes, rather than count every user as one.
        if (!user) throw new Error('RateLimitGuard ran before JwtAuthGuard set request.user');
        return user.id;
      },
      generateKey: (_context, tracker, name) => `${name}:${tracker}`,
    },
  ];
}
