import helmet, { FastifyHelmetOptions } from '@fastify/helmet';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';

type CorsOptions = NonNullable<Parameters<NestFastifyApplication['enableCors']>[0]>;

/**
 * helmet's settings. The content security policy is the one the Swagger UI at
 * /docs needs, and nothing more: its scripts, stylesheet and images are files of this origin, the
 * page carries inline `<style>` blocks (hence `'unsafe-inline'` for styles only, never scripts),
 * "Try it out" calls this origin. helmet's `upgrade-insecure-requests` is left out: behind plain
 * HTTP it would send the UI's own scripts to https and break it. A JSON response carries the same
 * policy, where it simply has nothing to allow.
 */
export function helmetOptions(): FastifyHelmetOptions {
  return {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        baseUri: ["'self'"],
        connectSrc: ["'self'"],
        fontSrc: ["'self'", 'data:'],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        imgSrc: ["'self'", 'data:'],
        objectSrc: ["'none'"],
        scriptSrc: ["'self'"],
        scriptSrcAttr: ["'none'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
      },
    },
    // As frame-ancestors 'none', for browsers that only know X-Frame-Options.
    frameguard: { action: 'deny' },
  };
}

/**
 * The headers @fastify/helmet sets with these options, asked of it once on a throwaway Fastify
 * instance. They depend on nothing in the request (no CSP nonces), yet @fastify/helmet 13 builds
 * helmet's middleware anew for every request, in two hooks (one async): about 25 us of a request
 * that costs some 250 us on a cached page (ADR-0025).
 */
export async function helmetHeaders(
  options: FastifyHelmetOptions = helmetOptions(),
): Promise<Record<string, string>> {
  const probe = new FastifyAdapter().getInstance();
  try {
    await probe.register(helmet, options);
    probe.get('/', (request, reply) => reply.send(reply.raw.getHeaders()));
    const response = await probe.inject('/');
    const headers = response.json<Record<string, string>>();
    if (!headers['content-security-policy']) throw new Error('@fastify/helmet set no headers');
    return headers;
  } finally {
    await probe.close();
  }
}

/** Sets the given headers (helmet's, computed once) on every response, in one hook. */
export function registerSecurityHeaders(
  fastify: FastifyInstance,
  headers: Record<string, string>,
): void {
  fastify.addHook('onRequest', (_request, reply, done) => {
    void reply.headers(headers);
    done();
  });
}

/** Response headers a browser script on an allowed origin may read. */
const EXPOSED_HEADERS = [
  'X-Request-ID',
  'Retry-After',
  'RateLimit-Limit',
  'RateLimit-Remaining',
  'RateLimit-Reset',
];

/**
 * CORS for exactly the configured origins (compared as whole strings). Bearer tokens travel in a
 * header, never in cookies, so credentials stay off.
 */
export function corsOptions(origins: string[]): CorsOptions {
  return {
    origin: origins,
    methods: ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type', 'Accept', 'X-Request-ID'],
    exposedHeaders: EXPOSED_HEADERS,
    credentials: false,
    maxAge: 600,
  };
}
