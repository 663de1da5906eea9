import { applyDecorators, SetMetadata } from '@nestjs/common';

import { ApiProblemResponses } from '@app/http';

export const RATE_LIMITED_ROUTE = 'rate-limit:route';
export type RateLimitedRoute = 'login' | 'signup' | 'refresh';

/**
 * Puts a public route under its own limits (login: per account and per address; sign-up and
 * refresh: per address; see throttlers.ts) and documents the 429. Authenticated routes are all under the
 * per-user limit without it.
 */
export const RateLimited = (route: RateLimitedRoute) =>
  applyDecorators(SetMetadata(RATE_LIMITED_ROUTE, route), ApiProblemResponses(429));
