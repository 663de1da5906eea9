import { Socket } from 'node:net';

import { DrainState } from '../apps/api/src/health/drain-state';
import { expectProblem } from './support/factories';
import { PostgresProcess } from './support/postgres-process';
import { startTestApp, TestApp } from './support/test-app';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `path` until it answers `status`; the last status seen otherwise. */
async function until(t: TestApp, path: string, status: number, withinMs: number) {
  const deadline = Date.now() + withinMs;
  let last = 0;
  while (Date.now() < deadline) {
    last = (await t.api.get(path)).status;
    if (last === status) return last;
    await sleep(100);
  }
  return last;
}

/** Busy-waits in slices for `totalMs`: a loop that still turns, but late on every tick. */
async function hogEventLoop(totalMs: number, sliceMs: number): Promise<void> {
  const end = Date.now() + totalMs;
  while (Date.now() < end) {
    const sliceEnd = Date.now() + sliceMs;
    while (Date.now() < sliceEnd) {
      // blocked
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('Health probes (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('checks only the event loop for liveness', async () => {
    const res = await t.api.get('/health/live');
    expect(res.status).toBe(200);
    expect(res.body.details).toEqual({
      eventLoop: { status: 'up', delayMs: expect.any(Number), limitMs: 1000 },
    });
  });

  it('gates readiness on draining, PostgreSQL and migrations, and reports the cache', async () => {
    const res = await t.api.get('/health/ready');
    expect(res.status).toBe(200);
    expect(res.body.details).toEqual({
      shutdown: { status: 'up' },
      database: { status: 'up', breaker: 'closed' },
      migrations: { status: 'up' },
      cache: expect.objectContaining({ status: 'up' }),
    });
  });

  it('fails liveness while the event loop lags, and recovers', async () => {
    const lagging = await startTestApp({
      env: { HEALTH_EVENT_LOOP_DELAY_MS: '50' },
      truncate: false,
    });
    try {
      expect((await lagging.api.get('/health/live')).status).toBe(200);
      await hogEventLoop(1500, 100);
      const res = await lagging.api.get('/health/live');
      expectProblem(res, 503, 'DEPENDENCY_DOWN');
      expect(res.body.detail).toContain('eventLoop');
      // Judged on the last two 5 s windows: back to 200 within about ten seconds.
      expect(await until(lagging, '/health/live', 200, 12_000)).toBe(200);
    } finally {
      await lagging.close();
    }
  });

  it('turns readiness 503 while draining and keeps liveness and traffic going', async () => {
    const draining = await startTestApp({ truncate: false });
    try {
      draining.app.get(DrainState).start();
      const ready = await draining.api.get('/health/ready');
      expectProblem(ready, 503, 'DEPENDENCY_DOWN');
      expect(ready.body.detail).toContain('shutdown');
      expect((await draining.api.get('/health/live')).status).toBe(200);
      expect((await draining.api.post('/login', { body: {} })).status).toBe(400);
    } finally {
      await draining.close();
    }
  });

  it('is not ready while a migration is pending', async () => {
    const [last] = await t.db.query(
      'SELECT id, timestamp, name FROM migrations ORDER BY id DESC LIMIT 1',
    );
    await t.db.query('DELETE FROM migrations WHERE id = $1', [last.id]);
    let early: TestApp | undefined;
    try {
      early = await startTestApp({ env: { DATABASE_RUN_MIGRATIONS: 'false' }, truncate: false });
      const res = await early.api.get('/health/ready');
      expectProblem(res, 503, 'DEPENDENCY_DOWN');
      expect(res.body.detail).toContain('migrations');
    } finally {
      await t.db.query('INSERT INTO migrations (id, timestamp, name) VALUES ($1, $2, $3)', [
        last.id,
        last.timestamp,
        last.name,
      ]);
    }
    expect((await early.api.get('/health/ready')).status).toBe(200);
    await early.close();
  });

  it('cuts off a client that is too slow to send its request head', async () => {
    const strict = await startTestApp({ env: { HTTP_HEADERS_TIMEOUT_MS: '500' }, truncate: false });
    try {
      const { port } = new URL(strict.url);
      const socket = new Socket();
      const started = Date.now();
      const answer = await new Promise<string>((resolve, reject) => {
        let text = '';
        socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
        socket.once('close', () => resolve(text));
        socket.once('error', reject);
        socket.connect(Number(port), '127.0.0.1', () => {
          socket.write('GET /health/live HTTP/1.1\r\nHost: localhost\r\n');
        });
        setTimeout(() => reject(new Error('still connected after 5 s')), 5000).unref();
      });
      expect(answer).toMatch(/^HTTP\/1\.1 408/);
      expect(Date.now() - started).toBeLessThan(3000);
      // A keep-alive longer than a load balancer's 60 s idle timeout.
      const live = await fetch(`${strict.url}/health/live`);
      expect(live.headers.get('keep-alive')).toBe('timeout=72');
    } finally {
      await strict.close();
    }
  });
});

describe('Health probes with PostgreSQL stopped and started (e2e, a private cluster)', () => {
  let postgres: PostgresProcess;
  let t: TestApp;

  beforeAll(async () => {
    postgres = await PostgresProcess.create();
    t = await startTestApp({
      env: { DATABASE_URL: postgres.url, DATABASE_RUN_MIGRATIONS: 'true', DATABASE_POOL_SIZE: '4' },
    });
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await postgres?.destroy();
  });

  it('flips readiness, never liveness, and recovers without a restart', async () => {
    expect((await t.api.get('/health/ready')).status).toBe(200);

    await postgres.stop();
    expect(await until(t, '/health/ready', 503, 5000)).toBe(503);
    const down = await t.api.get('/health/ready');
    expect(down.body.detail).toContain('database');
    expect((await t.api.get('/health/live')).status).toBe(200);

    await postgres.start();
    expect(await until(t, '/health/ready', 200, 10_000)).toBe(200);
    expect((await t.api.get('/health/live')).status).toBe(200);
    expect(
      (await t.api.post('/signup', { body: { email: 'back@x.com', password: 'long enough' } }))
        .status,
    ).toBe(201);
  });
});
