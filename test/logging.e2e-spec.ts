import { ApiResponse } from './support/api-client';
import { insightAsset, PASSWORD, signUpAndLogIn, TestUser, uniqueEmail } from './support/factories';
import { breakFavoritesNamedBoom, restoreFavoritesTable } from './support/faults';
import { LogCapture } from './support/log-capture';
import { openStream } from './support/ndjson-client';
import { OtlpReceiver, SpanKind } from './support/otlp-receiver';
import { buildService, ServiceProcess, startServiceProcess } from './support/service-process';
import { startTestApp, TestApp } from './support/test-app';

/**
 * What the service logs, read from a real instance (its pino destination captured, nothing
 * mocked): one line per request, application lines bound to their request, no secrets.
 */
describe('Logging (e2e)', () => {
  const logs = new LogCapture();
  let t: TestApp;
  let user: TestUser;

  const requestIdOf = (response: ApiResponse) => response.headers.get('x-request-id');

  beforeAll(async () => {
    t = await startTestApp({ env: { LOG_LEVEL: 'log' }, logDestination: logs });
    user = await signUpAndLogIn(t.api);
    const added = await t.api.post('/favorites', {
      token: user.token,
      body: insightAsset({ id: 'logged-1' }),
    });
    expect(added.status).toBe(201);
  });

  afterAll(async () => {
    await t?.close();
  });

  it("routes Nest's own start-up logs through pino as JSON", () => {
    expect(logs.lines).toContainEqual(
      expect.objectContaining({
        level: 'info',
        context: 'NestApplication',
        msg: 'Nest application successfully started',
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      }),
    );
  });

  it('writes one line per request: method, route template, path, status, duration, ids', async () => {
    const response = await t.api.get('/favorites/logged-1?unused=1', {
      token: user.token,
      headers: { 'x-request-id': 'logging-e2e-42' },
    });
    expect(response.status).toBe(200);
    expect(requestIdOf(response)).toBe('logging-e2e-42');

    const line = await logs.requestLine('logging-e2e-42');

    expect(line).toEqual({
      level: 'info',
      time: expect.any(String),
      pid: process.pid,
      hostname: expect.any(String),
      requestId: 'logging-e2e-42',
      method: 'GET',
      route: '/favorites/:id',
      path: '/favorites/logged-1',
      statusCode: 200,
      durationMs: expect.any(Number),
      userId: user.id,
      msg: 'request completed',
    });
    expect(line.durationMs).toBeGreaterThan(0);
  });

  it('uses the generated request id of the X-Request-ID header and leaves out the query', async () => {
    const response = await t.api.get('/favorites?limit=5', { token: user.token });
    expect(response.status).toBe(200);

    const line = await logs.requestLine(requestIdOf(response));

    expect(requestIdOf(response)).toMatch(/^[0-9a-f-]{36}$/);
    expect(line).toMatchObject({ route: '/favorites', path: '/favorites', userId: user.id });
    expect(JSON.stringify(line)).not.toContain('limit');
  });

  it('logs client errors at warn, with the user when the token was valid', async () => {
    const missing = await t.api.get('/favorites/not-there', { token: user.token });
    const anonymous = await t.api.get('/favorites');
    const unknownRoute = await t.api.get('/nowhere/at/all');
    expect([missing.status, anonymous.status, unknownRoute.status]).toEqual([404, 401, 404]);

    await expect(logs.requestLine(requestIdOf(missing))).resolves.toMatchObject({
      level: 'warn',
      route: '/favorites/:id',
      statusCode: 404,
      userId: user.id,
    });
    const unauthenticated = await logs.requestLine(requestIdOf(anonymous));
    expect(unauthenticated).toMatchObject({ level: 'warn', route: '/favorites', statusCode: 401 });
    expect(unauthenticated).not.toHaveProperty('userId');
    const unmatched = await logs.requestLine(requestIdOf(unknownRoute));
    expect(unmatched).toMatchObject({ level: 'warn', path: '/nowhere/at/all', statusCode: 404 });
    expect(unmatched).not.toHaveProperty('route');
  });

  it('never logs a password, a token, an Authorization header, a cookie or an email', async () => {
    const since = logs.raw.length;
    const email = uniqueEmail('secret');
    const password = `${PASSWORD} and more`;
    const cookie = 'session=cookie-value-never-logged';

    const signup = await t.api.post('/signup', {
      body: { email, password },
      headers: { cookie },
    });
    const taken = await t.api.post('/signup', { body: { email, password } });
    const wrong = await t.api.post('/login', { body: { email, password: 'not the password' } });
    const login = await t.api.post('/login', { body: { email, password } });
    expect([signup.status, taken.status, wrong.status, login.status]).toEqual([201, 409, 401, 200]);
    const token: string = login.body.token;
    const listed = await t.api.get('/favorites', { token, headers: { cookie } });
    const forged = await t.api.get('/favorites', { token: `${token}x` });
    expect([listed.status, forged.status]).toEqual([200, 401]);
    for (const response of [signup, taken, wrong, login, listed, forged]) {
      await logs.requestLine(requestIdOf(response));
    }

    const written = logs.raw.slice(since).join('');
    expect(written).toContain(signup.body.id); // the user id is there, as userId
    for (const secret of [password, 'not the password', token, 'Bearer', cookie, email]) {
      expect(written).not.toContain(secret);
    }
    // Not even the parts of the email or of the token's payload.
    expect(written).not.toContain(email.split('@')[0]);
    expect(written).not.toContain(token.split('.')[1]);
  });

  it('leaves probes and scrapes out at info', async () => {
    const responses = await Promise.all(
      ['/health/live', '/health/ready', '/health', '/metrics'].map((path) => t.api.get(path)),
    );
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    // A later request's line is written after theirs would have been.
    const later = await t.api.get('/favorites', { token: user.token });
    await logs.requestLine(requestIdOf(later));

    for (const response of responses) {
      expect(logs.forRequest(requestIdOf(response))).toEqual([]);
    }
  });

  describe('when the database fails a request', () => {
    // Reading the favourite named 'boom' divides by zero in PostgreSQL: a real server error,
    // the way test/streaming.e2e-spec.ts breaks a stream.
    beforeAll(async () => {
      await t.db.query(
        `INSERT INTO favorites (user_id, id, type, name, payload, created_at, updated_at)
         SELECT $1, 'row-' || lpad(g::text, 6, '0'), 'insight',
                CASE WHEN g = 1500 THEN 'boom' ELSE 'n' || g END, '{"content":"c"}'::jsonb,
                timestamptz '2026-01-01' + g * interval '1 second',
                timestamptz '2026-01-01' + g * interval '1 second'
           FROM generate_series(1, 3000) g`,
        [user.id],
      );
      await breakFavoritesNamedBoom(t.db);
    });

    afterAll(async () => {
      await restoreFavoritesTable(t.db);
    });

    it('logs a 500 once, at error, with the error serialised and the request id', async () => {
      const response = await t.api.get('/favorites/row-001500', { token: user.token });
      expect(response.status).toBe(500);
      expect(response.body.requestId).toBe(requestIdOf(response));

      const line = await logs.requestLine(requestIdOf(response));

      expect(line).toMatchObject({
        level: 'error',
        msg: 'request failed',
        requestId: response.body.requestId,
        route: '/favorites/:id',
        statusCode: 500,
        userId: user.id,
        err: {
          type: 'QueryFailedError',
          message: 'division by zero',
          stack: expect.stringContaining('QueryFailedError: division by zero\n    at '),
          code: '22012',
          // The bind values (here the user id and the asset id) are user data.
          parameters: '[Redacted]',
        },
      });
      // The request line is the only line of the request: the filter does not log it again.
      expect(logs.forRequest(response.body.requestId)).toHaveLength(1);
    });

    it('binds what the application logs during a request to its request and user', async () => {
      const stream = await openStream(t.url, user.token);
      expect(stream.response.statusCode).toBe(200);
      const last = JSON.parse((await stream.lines()).pop()!);
      expect(last.error).toMatchObject({ code: 'STREAM_INTERRUPTED' });
      const requestId = stream.response.headers['x-request-id'] as string;
      await logs.requestLine(requestId);

      const lines = logs.raw.filter((line) => line.includes(requestId));
      const interrupted = lines.find((line) => line.includes('favourites stream interrupted'));
      expect(JSON.parse(interrupted!)).toMatchObject({
        level: 'error',
        context: 'FavoritesStreamService',
        requestId,
        userId: user.id,
        err: { type: 'DatabaseError', message: 'division by zero', stack: expect.any(String) },
      });
      // Bound once by the request's logger, not repeated by the call.
      expect(interrupted!.match(/"requestId"/g)).toHaveLength(1);
      expect(interrupted!.match(/"userId"/g)).toHaveLength(1);
      // The stream itself had sent its 200: its request line says so.
      await expect(logs.requestLine(requestId)).resolves.toMatchObject({
        level: 'info',
        route: '/favorites',
        statusCode: 200,
      });
    });
  });
});

/**
 * The built service, as production runs it: its stdout, and the trace ids of its request lines.
 * OpenTelemetry's instrumentations patch Node's `require`, which Jest's module loader bypasses, so
 * this runs the service as a child process (as test/tracing.e2e-spec.ts does).
 */
describe('Logging (e2e, the built service)', () => {
  let main: string;
  let receiver: OtlpReceiver;
  let service: ServiceProcess | undefined;

  const start = (env: Record<string, string | undefined>) =>
    startServiceProcess(main, {
      LOG_LEVEL: 'log',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: undefined,
      OTEL_SDK_DISABLED: undefined,
      // Export within 0.1 s, so the test waits for the span, not for the batch timer.
      OTEL_BSP_SCHEDULE_DELAY: '100',
      // Nothing routes to these instances: no need to keep serving after SIGTERM.
      SHUTDOWN_DRAIN_DELAY_MS: '0',
      ...env,
    });

  beforeAll(async () => {
    [main, receiver] = await Promise.all([buildService(), OtlpReceiver.start()]);
  }, 120_000);

  afterEach(async () => {
    await service?.stop();
    service = undefined;
  });

  afterAll(async () => {
    await receiver?.close();
  });

  it('writes JSON lines to stdout, the request line with its server span’s trace ids', async () => {
    service = await start({ APP_ENV: 'production' });
    const response = await service.api.get('/favorites/some-id', {
      headers: { 'x-request-id': 'built-service-1' },
    });
    expect(response.status).toBe(401);

    let line: Record<string, any> | undefined;
    for (const deadline = Date.now() + 2000; !line && Date.now() < deadline;) {
      const lines = service.output().trim().split('\n');
      // Every line is JSON: a line that is not would fail the parse.
      line = lines.map((text) => JSON.parse(text)).find((l) => l.requestId === 'built-service-1');
      if (!line) await new Promise((resolve) => setTimeout(resolve, 20));
    }

    expect(line).toMatchObject({
      level: 'warn',
      route: '/favorites/:id',
      statusCode: 401,
      trace_id: expect.stringMatching(/^[0-9a-f]{32}$/),
      span_id: expect.stringMatching(/^[0-9a-f]{16}$/),
    });
    const span = await receiver.waitForSpan((s) => s.spanId === line!.span_id);
    expect(span).toMatchObject({
      kind: SpanKind.SERVER,
      traceId: line!.trace_id,
      name: 'GET /favorites/:id',
    });
  });

  it('writes readable lines in development, where pino-pretty is installed', async () => {
    service = await start({ APP_ENV: 'development', OTEL_EXPORTER_OTLP_ENDPOINT: undefined });

    expect(service.output()).toMatch(/^\[[\d:.]+\] INFO: \[Bootstrap\] Favorites API listening/m);
    expect(service.output()).not.toMatch(/^\{"level"/m);
  });
});
