import { ApiResponse } from './support/api-client';
import { insightAsset, signUpAndLogIn, TestUser } from './support/factories';
import { OtlpReceiver, ReceivedSpan, SpanKind, StatusCode } from './support/otlp-receiver';
import { buildService, ServiceProcess, startServiceProcess } from './support/service-process';

/**
 * Tracing end to end. OpenTelemetry's instrumentations patch Node's `require`, which Jest's module
 * loader bypasses, so this suite runs the built service as a child process, as production does,
 * exporting to an OTLP/HTTP receiver of its own.
 */

/** Redis for the run, when there is one (always on CI); else the in-process cache stands in. */
const REDIS = Boolean(process.env.REDIS_URL);

const isPg = (span: ReceivedSpan) => span.scope === '@opentelemetry/instrumentation-pg';
const isPgQuery = (span: ReceivedSpan) => isPg(span) && span.name.startsWith('pg.query');
const isRedis = (span: ReceivedSpan) => span.scope === '@opentelemetry/instrumentation-ioredis';

interface SpanShape {
  name: string;
  /** The parent's name; null for a root span, 'NOT IN THIS TRACE' for a parent that is missing. */
  parent: string | null;
  scope: string;
}

/**
 * Each span by name with its parent's name, sorted by name (spans arrive in the order they end):
 * compact to compare, and readable in a failure diff.
 */
function shapeOf(spans: ReceivedSpan[]): SpanShape[] {
  const byId = new Map(spans.map((span) => [span.spanId, span]));
  return spans
    .map((span) => ({
      name: span.name,
      parent: span.parentSpanId ? (byId.get(span.parentSpanId)?.name ?? 'NOT IN THIS TRACE') : null,
      scope: span.scope,
    }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

describe('Tracing (e2e)', () => {
  let main: string;
  let receiver: OtlpReceiver;
  let service: ServiceProcess | undefined;
  let user: TestUser;

  /** The server span of the next request, and its whole trace (received once the server span is). */
  async function traceOf(request: () => Promise<unknown>) {
    const since = receiver.spans.length;
    await request();
    const server = await receiver.waitForSpan((s) => s.kind === SpanKind.SERVER, { since });
    return { server, spans: receiver.trace(server.traceId) };
  }

  beforeAll(async () => {
    if (process.env.CI === 'true' && !REDIS) {
      throw new Error('CI=true needs Redis for the Redis spans: set TEST_REDIS_URL');
    }
    receiver = await OtlpReceiver.start();
    main = await buildService();
    service = await startServiceProcess(main, {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: undefined,
      OTEL_SDK_DISABLED: undefined,
      OTEL_SERVICE_NAME: undefined,
      // Export within 0.1 s instead of 5 s, so the test waits for spans, not for the batch timer.
      OTEL_BSP_SCHEDULE_DELAY: '100',
      SHUTDOWN_DRAIN_DELAY_MS: '0',
    });
    user = await signUpAndLogIn(service.api);
    const added = await service.api.post('/favorites', {
      token: user.token,
      body: insightAsset({ id: 'traced-1' }),
    });
    expect(added.status).toBe(201);
    // The set-up's own spans are all in once its last request's server span is.
    await receiver.waitForSpan((s) => s.name === 'POST /favorites');
  }, 180_000);

  afterAll(async () => {
    await service?.stop();
    await receiver?.close();
  });

  it('traces a cold list read as one tree: route-named server span, operation, SQL and Redis', async () => {
    // The first authenticated request with this token goes through passport-jwt too.
    const { server, spans } = await traceOf(() =>
      service!.api.get('/favorites', { token: user.token }),
    );
    const shape = shapeOf(spans);

    expect(server).toMatchObject({ name: 'GET /favorites', service: 'favorites-service' });
    expect(server.attributes['http.route']).toBe('/favorites');
    // One trace, one root: every other span of the request hangs off a parent in this trace.
    expect(shape.filter((s) => s.parent === null || s.parent === 'NOT IN THIS TRACE')).toEqual([
      { name: 'GET /favorites', parent: null, scope: '@opentelemetry/instrumentation-http' },
    ]);
    expect(shape).toContainEqual({
      name: 'FavoritesService.list',
      parent: 'GET /favorites',
      scope: 'favorites-service',
    });

    // The list is cold: the page comes from PostgreSQL, every query under the operation's span.
    const pg = shape.filter((s) => s.scope === '@opentelemetry/instrumentation-pg');
    expect(pg.filter((s) => s.name.startsWith('pg.query')).length).toBeGreaterThanOrEqual(1);
    expect(pg.filter((s) => s.parent !== 'FavoritesService.list')).toEqual([]);
    expect(String(spans.find(isPgQuery)!.attributes['db.query.text'])).toMatch(/FROM users u/);

    // The cache is asked first: one Redis command (the read script, which finds it cold).
    const redis = spans.filter(isRedis);
    expect(shapeOf(spans).filter((s) => s.scope.endsWith('ioredis'))).toEqual(
      REDIS
        ? [
            {
              name: 'evalsha',
              parent: 'FavoritesService.list',
              scope: '@opentelemetry/instrumentation-ioredis',
            },
          ]
        : [],
    );
    // The command and its keys, never the values (Asset JSON) a script is given.
    if (REDIS) expect(String(redis[0].attributes['db.query.text'])).toMatch(/^EVALSHA \w+ 3 fav:/);
  });

  it('rebuilds the cold list in a trace of its own, then serves it from the cache', async () => {
    // The read-repair scheduled by the cold read above: a root span, not part of that request.
    const rebuild = await receiver.waitForSpan((s) => s.name === 'FavoritesCache.rebuild');
    expect(rebuild.parentSpanId).toBeUndefined();
    const rebuildSpans = receiver.trace(rebuild.traceId);
    expect(rebuildSpans.filter((s) => s.kind === SpanKind.SERVER)).toEqual([]);
    expect(rebuildSpans.some(isPgQuery)).toBe(true);
    expect(rebuildSpans.some(isRedis)).toBe(REDIS);

    // Warm: the page is one Redis round trip, and PostgreSQL is not touched.
    const { spans } = await traceOf(() => service!.api.get('/favorites', { token: user.token }));
    expect(shapeOf(spans)).toEqual([
      { name: 'FavoritesService.list', parent: 'GET /favorites', scope: 'favorites-service' },
      { name: 'GET /favorites', parent: null, scope: '@opentelemetry/instrumentation-http' },
      ...(REDIS
        ? [
            {
              name: 'evalsha',
              parent: 'FavoritesService.list',
              scope: '@opentelemetry/instrumentation-ioredis',
            },
          ]
        : []),
    ]);
    expect(spans.filter(isPg)).toEqual([]);
  });

  it('names spans by route template and puts the trace id in problem+json bodies', async () => {
    let response!: ApiResponse;
    const { server, spans } = await traceOf(async () => {
      response = await service!.api.get('/favorites/no-such-asset', { token: user.token });
    });

    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ code: 'FAVORITE_NOT_FOUND' });
    expect(response.body.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(response.body.traceId).toBe(server.traceId);
    // The template, never the raw URL (one span name per asset id would be useless to search).
    expect(server.name).toBe('GET /favorites/:id');
    expect(server.attributes['http.route']).toBe('/favorites/:id');

    // The operation that failed says so, with the exception recorded.
    const get = spans.find((s) => s.name === 'FavoritesService.get');
    expect(get).toMatchObject({
      parentSpanId: server.spanId,
      status: { code: StatusCode.ERROR, message: 'Favorite not found' },
    });
    expect(get!.events.map((e) => e.name)).toContain('exception');
    expect(spans.filter(isPgQuery).map((s) => s.parentSpanId)).toEqual([get!.spanId]);
  });

  it('traces refused requests too, with the trace id in their problem body', async () => {
    let response!: ApiResponse;
    const { server } = await traceOf(async () => {
      response = await service!.api.get('/favorites', { token: 'not-a-token' });
    });
    expect(response.status).toBe(401);
    expect(response.body.traceId).toBe(server.traceId);
    expect(server.name).toBe('GET /favorites');
  });

  it('exports the spans still batched when the service is stopped with SIGTERM', async () => {
    // A second instance whose batch timer never fires on its own: only the shutdown can send.
    const lazy = await startServiceProcess(main, {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_BSP_SCHEDULE_DELAY: '600000',
      OTEL_SERVICE_NAME: 'favorites-service-shutdown',
      SHUTDOWN_DRAIN_DELAY_MS: '0',
    });
    try {
      const response = await lazy.api.get('/favorites', { token: user.token });
      expect(response.status).toBe(200);
    } finally {
      await lazy.stop();
    }
    const server = await receiver.waitForSpan(
      (s) => s.service === 'favorites-service-shutdown' && s.kind === SpanKind.SERVER,
      { timeoutMs: 1000 },
    );
    expect(server.name).toBe('GET /favorites');
  });
});
