// Bench-only entry: the built service exactly as main.js starts it, minus the parts named in
// BENCH_ABLATE (comma-separated), each replaced before main.js loads by the cheapest thing that
// keeps the request working. It measures what each part costs on a hot path (test/bench/run.mjs
// for `auth`, test/bench/ablation.mjs for the rest). No production flag: the service has no way
// to turn these off; this file patches the built classes. SERVICE_DIST: the built service's
// source folder.
//   auth             the global JWT guard admits every request as BENCH_USER_ID/BENCH_SESSION_ID
//   rate-limit       the per-address and per-user limit guard admits everything
//   logging-context  requests do not run in nestjs-pino's AsyncLocalStorage (the request line stays)
//   request-log      no request line and no logging context (the whole RequestLogging hook)
//   metrics          no request metrics hook
//   load-shedding    no admission hook
//   headers          no security headers, no X-Request-ID header
//   conditional-get  no If-None-Match hook
//   breaker          Redis calls run without the circuit breaker around them
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const dist = process.env.SERVICE_DIST;
const libs = join(dist, '../../../libs');
const load = (path) =>
  require(join(path.startsWith('libs/') ? libs : dist, path.replace(/^libs\//, '')));

const noHook = function () {};
const ablations = {
  auth() {
    const user = { id: process.env.BENCH_USER_ID, sessionId: process.env.BENCH_SESSION_ID };
    if (!user.id || !user.sessionId) {
      throw new Error('BENCH_ABLATE=auth needs BENCH_USER_ID and BENCH_SESSION_ID');
    }
    load('auth/jwt-auth.guard.js').JwtAuthGuard.prototype.canActivate = function (context) {
      context.switchToHttp().getRequest().user = user;
      return true;
    };
  },
  'rate-limit'() {
    load('rate-limit/rate-limit.guard.js').RateLimitGuard.prototype.canActivate = () => true;
  },
  'logging-context'() {
    require('nestjs-pino/storage').storage.run = (_store, callback) => callback();
  },
  'request-log'() {
    load(
      'libs/observability/src/logging/request-logging.js',
    ).RequestLogging.prototype.onModuleInit = noHook;
  },
  metrics() {
    load('metrics/http-metrics.js').HttpMetrics.prototype.onModuleInit = noHook;
  },
  'load-shedding'() {
    load('load-shedding/load-shedder.js').LoadShedder.prototype.onApplicationBootstrap = noHook;
  },
  headers() {
    load('libs/http/src/security-headers.js').registerSecurityHeaders = noHook;
    load('libs/http/src/fastify-platform.js').registerRequestIdHeader = noHook;
  },
  'conditional-get'() {
    load('libs/http/src/conditional-get.js').ConditionalGet.prototype.onModuleInit = noHook;
  },
  breaker() {
    load('libs/cache/src/cache-breaker.js').CacheBreaker.prototype.run = (call) => call();
  },
};

const names = (process.env.BENCH_ABLATE ?? '').split(',').filter(Boolean);
for (const name of names) {
  const ablate = ablations[name];
  if (!ablate) throw new Error(`unknown ablation ${name}: ${Object.keys(ablations).join(', ')}`);
  ablate();
}

require(join(dist, 'main.js'));
