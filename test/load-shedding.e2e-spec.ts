import { connect, Socket } from 'node:net';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';

import { ApiResponse } from './support/api-client';
import { expectProblem } from './support/factories';
import { LogCapture } from './support/log-capture';
import { parseExposition, Sample, valueOf } from './support/prometheus';
import { startTestApp, TestApp } from './support/test-app';

/**
 * A login whose body arrives only when told to: in flight on the server (its onRequest hooks
 * have run) for as long as the test wants, with no timer involved.
 */
class SlowLogin {
  private readonly socket: Socket;
  private readonly body = JSON.stringify({ email: 'slow@example.com', password: 'not-this-one' });
  private received = '';
  readonly answered: Promise<string>;

  constructor(url: string) {
    const { hostname, port } = new URL(url);
    this.socket = connect(Number(port), hostname);
    this.socket.setEncoding('utf8');
    this.socket.on('data', (chunk: string) => (this.received += chunk));
    this.answered = new Promise((resolve) => this.socket.once('end', () => resolve(this.received)));
    this.socket.write(
      `POST /login HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${this.body.length}\r\nConnection: close\r\n\r\n${this.body.slice(0, 5)}`,
    );
  }

  /** Nothing has come back yet. */
  get waiting(): boolean {
    return this.received === '';
  }

  finish(): Promise<string> {
    this.socket.write(this.body.slice(5));
    return this.answered;
  }

  destroy(): void {
    this.socket.destroy();
  }
}

async function scrape(t: TestApp): Promise<Sample[]> {
  const res = await t.api.get('/metrics');
  expect(res.status).toBe(200);
  return parseExposition(res.text);
}

/** Scrapes until `name` reads `value`; the last value read otherwise. */
async function untilMetric(t: TestApp, name: string, value: number): Promise<number> {
  let last = Number.NaN;
  for (let attempt = 0; attempt < 200; attempt++) {
    last = valueOf(await scrape(t), name);
    if (last === value) return last;
    await sleep(25);
  }
  return last;
}

function expectOverloaded(res: ApiResponse): void {
  expectProblem(res, 503, 'OVERLOADED');
  expect(res.headers.get('retry-after')).toBe('1');
}

/**
 * Runs `requests` while keeping the event loop (the app's and the test's: one process) late by
 * `sliceMs` on every turn; it still turns between slices, so the requests do go through.
 */
async function whileLoopLags<T>(sliceMs: number, requests: () => Promise<T>): Promise<T> {
  let settled = false;
  const pending = requests().finally(() => (settled = true));
  for (let slices = 0; !settled && slices < 200; slices++) {
    const end = Date.now() + sliceMs;
    while (Date.now() < end) {
      // blocked
    }
    await nextTurn();
  }
  return pending;
}

describe('Load shedding (e2e)', () => {
  describe('requests in flight', () => {
    const logs = new LogCapture();
    let t: TestApp;
    let slow: SlowLogin[] = [];

    beforeAll(async () => {
      t = await startTestApp({
        env: {
          LOAD_SHEDDING_MAX_IN_FLIGHT: '2',
          LOAD_SHEDDING_LOOP_DELAY_MS: '0',
          LOG_LEVEL: 'debug',
        },
        logDestination: logs,
      });
    });
    afterAll(async () => {
      for (const request of slow) request.destroy();
      await t?.close();
    });

    it('answers excess requests 503 OVERLOADED at once, while probes and scrapes still answer', async () => {
      const before = await scrape(t);
      slow = [new SlowLogin(t.url), new SlowLogin(t.url)];
      // Both are counted once their onRequest hooks have run (the metrics hook comes first).
      expect(await untilMetric(t, 'http_requests_in_flight', 2)).toBe(2);

      const refused = await Promise.all([1, 2, 3].map(() => t.api.get('/favorites')));

      for (const res of refused) expectOverloaded(res);
      expect(refused[0].body.detail).toMatch(/overloaded/);
      // Answered while the two requests holding the slots are still waiting for their bodies.
      expect(slow.every((request) => request.waiting)).toBe(true);
      expect((await t.api.get('/health/live')).status).toBe(200);
      expect((await t.api.get('/health/ready')).status).toBe(200);
      const samples = await scrape(t);
      const delta = (name: string, labels: Record<string, string>) =>
        valueOf(samples, name, labels) - valueOf(before, name, labels);
      expect(delta('http_requests_shed_total', { reason: 'in_flight' })).toBe(3);
      expect(delta('http_requests_shed_total', { reason: 'event_loop_delay' })).toBe(0);
      // Still counted by the request metrics, as the 503 the client saw.
      expect(
        delta('http_requests_total', { method: 'GET', route: '/favorites', status_code: '503' }),
      ).toBe(3);
      expect(slow.every((request) => request.waiting)).toBe(true);

      const answers = await Promise.all(slow.map((request) => request.finish()));
      for (const answer of answers) expect(answer).toMatch(/^HTTP\/1\.1 401 /);
      expect((await t.api.get('/favorites')).status).toBe(401);
    });

    it('logs each shed request at debug, as a 503, and warns once that shedding started', async () => {
      const res = await t.api.get('/favorites');
      expect(res.status).toBe(401);
      const shed = logs.lines.filter((line) => line.statusCode === 503);

      expect(shed).toHaveLength(3);
      for (const line of shed) {
        expect(line).toMatchObject({ level: 'debug', route: '/favorites', msg: 'request failed' });
      }
      const started = logs.lines.filter(
        (line) => line.context === 'LoadShedder' && /^overloaded/.test(line.msg),
      );
      expect(started).toEqual([
        expect.objectContaining({
          level: 'warn',
          msg: expect.stringMatching(/^overloaded \(in_flight\)/),
        }),
      ]);
    });
  });

  describe('event-loop delay', () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await startTestApp({
        env: { LOAD_SHEDDING_MAX_IN_FLIGHT: '0', LOAD_SHEDDING_LOOP_DELAY_MS: '150' },
        truncate: false,
      });
    });
    afterAll(async () => {
      await t?.close();
    });

    /** Requests /favorites until one is admitted (401: no token); the last status otherwise. */
    async function untilAdmitted(): Promise<number> {
      let status = 0;
      for (let attempt = 0; attempt < 100 && status !== 401; attempt++) {
        if (attempt > 0) await sleep(100);
        status = (await t.api.get('/favorites')).status;
      }
      return status;
    }

    it('sheds while the event loop lags, serving probes and scrapes, and admits again once it has caught up', async () => {
      // A busy machine can make the loop late now and then: admitted within a few windows.
      expect(await untilAdmitted()).toBe(401);
      const before = await scrape(t);

      // Every turn 400 ms late: each 100 ms window sees far more than the 150 ms limit.
      const [shed, live, metrics] = await whileLoopLags(400, () =>
        Promise.all([t.api.get('/favorites'), t.api.get('/health/live'), t.api.get('/metrics')]),
      );

      expectOverloaded(shed);
      expect(live.status).toBe(200);
      expect(metrics.status).toBe(200);
      const samples = await scrape(t);
      expect(
        valueOf(samples, 'http_requests_shed_total', { reason: 'event_loop_delay' }) -
          valueOf(before, 'http_requests_shed_total', { reason: 'event_loop_delay' }),
      ).toBe(1);
      // Judged on 100 ms windows: requests go through again once the loop has caught up.
      expect(await untilAdmitted()).toBe(401);
    });
  });
});
