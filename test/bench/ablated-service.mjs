// Bench-only entry: the built service exactly as main.js starts it, minus the parts named in
// BENCH_ABLATE (comma-separated), each replaced before main.js loads by the cheapest thing that
// keeps the request working. It measures what each part costs on a hot path (test/bench/run.mjs
// for `auth`, test/bench/ablation.mjs for the rest). No production flag: the service has no way
// to turn these off; this file patches the built classes. SERVICE_DIST: the built service's
// source folder. The service runs bundled (ADR-0037), so this entry bundles it the same way
// (apps/api/bundle.mjs), with the modules it patches reachable from outside the bundle.
//   auth             the global JWT guard admits every request as BENCH_USER_ID/BENCH_SESSION_ID
//   rate-limit       the per-address and per-user limit guard admits everything
//   logging-context  requests do not run in nestjs-pino's AsyncLocalStorage (the request line stays)
//   request-log      no request line and no logging context (the whole RequestLogging hook)
//   metrics          no request metrics hook
//   load-shedding    no admission hook
//   headers          no security headers, no X-Request-ID header
//   conditional-get  no If-None-Match hook
//   breaker          Redis calls run without the circuit breaker around them
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { bundleService } from '../../apps/api/bundle.mjs';

const require = createRequire(import.meta.url);
const dist = process.env.SERVICE_DIST;
const libs = join(dist, '../../../libs');
const PATCHED = [
  'auth/jwt-auth.guard.js',
  'rate-limit/rate-limit.guard.js',
  'nestjs-pino/storage',
  'libs/observability/src/logging/request-logging.js',
  'metrics/http-metrics.js',
  'load-shedding/load-shedder.js',
  'libs/http/src/security-headers.js',
  'libs/http/src/fastify-platform.js',
  'libs/http/src/conditional-get.js',
  'libs/cache/src/cache-breaker.js',
];
const fileOf = (path) =>
  path.startsWith('libs/')
    ? join(libs, path.slice('libs/'.length))
    : path.startsWith('nestjs-pino')
      ? path
      : join(dist, path);

// The bundle's entry: main.js's first two imports in its order, then the patched modules by name
// (their bundled instances, the ones main.js will use), and main.js itself on start().
const work = join(
  dirname(fileURLToPath(import.meta.url)),
  '../../bench-results',
  `ablated-${process.pid}`,
);
await mkdir(work, { recursive: true });
const entry = join(work, 'entry.js');
await writeFile(
  entry,
  [
    `require(${JSON.stringify(join(dist, 'v8-options.js'))});`,
    `require(${JSON.stringify(join(dist, 'tracing.js'))});`,
    'const modules = {',
    ...PATCHED.map(
      (path) => `  ${JSON.stringify(path)}: () => require(${JSON.stringify(fileOf(path))}),`,
    ),
    '};',
    `module.exports = { load: (path) => modules[path](), start: () => require(${JSON.stringify(join(dist, 'main.js'))}) };`,
  ].join('\n'),
);
await bundleService({ entry, outfile: join(work, 'main.js') });
const bundle = require(join(work, 'main.js'));
await rm(work, { recursive: true });
const load = (path) => {
  if (!PATCHED.includes(path)) throw new Error(`${path} is not in PATCHED`);
  return bundle.load(path);
};

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
    load('nestjs-pino/storage').storage.run = (_store, callback) => callback();
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

bundle.start();
