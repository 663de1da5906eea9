import { Client } from 'pg';

import { signUpAndLogIn } from './support/factories';
import { openStream } from './support/ndjson-client';
import { seedInsights } from './support/seed';
import { buildService, ServiceProcess, startServiceProcess } from './support/service-process';

// autocannon ships no types; the part used here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon') as (
  options: Record<string, unknown>,
  done: (error: Error | null, result: LoadResult) => void,
) => unknown;

interface LoadResult {
  requests: { sent: number; total: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
}

/**
 * The embedded PostgreSQL serves one connection, which the stream holds: the load beside it
 * needs a real server (always the case on CI).
 */
const itWithSecondConnection = process.env.DATABASE_POOL_SIZE === '1' ? it.skip : it;

const STREAMED = 40_000;
const DRAIN_DELAY_MS = 3000;
const SHUTDOWN_TIMEOUT_MS = 20_000;
/** The slow stream reader's pace: the 40,000 rows (7.7 MB) take about 8 s to read. */
const READ_BYTES_PER_MS = 1000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function seed(userId: string, count: number): Promise<void> {
  const client = new Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    await seedInsights(client, userId, count, 's');
  } finally {
    await client.end();
  }
}

/**
 * SIGTERM against the built service, as an orchestrator sends it: the process, its signal
 * handling and its exit code are what is under test, so it runs as a child process.
 */
describe('Graceful shutdown (e2e, the built service)', () => {
  let main: string;
  let service: ServiceProcess | undefined;

  beforeAll(async () => {
    main = await buildService();
  }, 120_000);
  afterAll(async () => {
    await service?.stop();
  });

  it('answers 503 on readiness while draining, then exits 0 (SIGTERM with nothing in flight)', async () => {
    service = await startServiceProcess(main, { SHUTDOWN_DRAIN_DELAY_MS: '1000' });
    const { api } = service;
    expect((await api.get('/health/ready')).status).toBe(200);
    const signalled = Date.now();
    const exited = service.stop(SHUTDOWN_TIMEOUT_MS);
    let ready = 200;
    while (ready !== 503 && Date.now() - signalled < 1000) {
      ready = (await api.get('/health/ready')).status;
    }
    expect(ready).toBe(503);
    // Still serving during the drain delay.
    expect((await api.post('/login', { body: {} })).status).toBe(400);
    expect(await exited).toBe(0);
    expect(Date.now() - signalled).toBeGreaterThanOrEqual(1000);
    service = undefined;
  });

  itWithSecondConnection(
    'drains on SIGTERM: no request fails under load, a stream in flight completes, exit 0',
    async () => {
      service = await startServiceProcess(main, {
        SHUTDOWN_DRAIN_DELAY_MS: String(DRAIN_DELAY_MS),
        SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
      });
      const { api } = service;
      const user = await signUpAndLogIn(api);
      await seed(user.id, STREAMED);
      const headers = { authorization: `Bearer ${user.token}` };

      // A client reading a long stream slowly: still reading when the listener closes. Paced by
      // bytes (READ_BYTES_PER_MS), not by chunk: how the 7.7 MB arrive in pieces depends on the
      // machine's load, and a pause of 40 ms per piece made the read last 13-20 s.
      const stream = await openStream(api.baseUrl, user.token);
      const streamed = new Promise<string[]>((resolve, reject) => {
        const chunks: Buffer[] = [];
        stream.response.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          stream.response.pause();
          setTimeout(() => stream.response.resume(), chunk.length / READ_BYTES_PER_MS);
        });
        stream.response.once('error', reject);
        stream.response.once('end', () => resolve(Buffer.concat(chunks).toString().split('\n')));
        stream.response.resume();
      });

      // ~100 requests/s for 3 s; SIGTERM after 1 s, so the load ends inside the drain delay, as it
      // does behind a load balancer that has taken the instance out of rotation.
      const load = new Promise<LoadResult>((resolve, reject) => {
        autocannon(
          {
            url: `${api.baseUrl}/favorites?limit=5`,
            headers,
            connections: 10,
            overallRate: 100,
            duration: 3,
          },
          (error, result) => (error ? reject(error) : resolve(result)),
        );
      });
      await sleep(1000);
      const signalled = Date.now();
      const exited = service.stop(SHUTDOWN_TIMEOUT_MS + 5000);

      // Readiness turns 503 at once; liveness stays 200.
      let ready = 200;
      while (ready !== 503 && Date.now() - signalled < 1000) {
        ready = (await api.get('/health/ready')).status;
      }
      expect(ready).toBe(503);
      const readyAfterMs = Date.now() - signalled;
      expect((await api.get('/health/live')).status).toBe(200);

      const result = await load;
      const lines = await streamed;
      // It was still running when the listener closed: close waited for it.
      const streamEndedMs = Date.now() - signalled;
      const code = await exited;
      const drainMs = Date.now() - signalled;
      const output = service.output();
      service = undefined;

      expect(result.errors + result.timeouts + result.non2xx).toBe(0);
      expect(result['2xx']).toBeGreaterThan(200);
      expect(streamEndedMs).toBeGreaterThan(DRAIN_DELAY_MS);
      expect(lines.pop()).toBe('');
      expect(lines).toHaveLength(STREAMED);
      expect(JSON.parse(lines[lines.length - 1])).toMatchObject({ id: 's-1' });
      expect({ code, output }).toEqual({ code: 0, output: expect.any(String) });
      expect(drainMs).toBeGreaterThanOrEqual(DRAIN_DELAY_MS);
      expect(drainMs).toBeLessThan(SHUTDOWN_TIMEOUT_MS);
      console.log(
        `SIGTERM under load: ${result.requests.sent} requests sent, ` +
          `${result.errors + result.timeouts + result.non2xx} failed; readiness 503 after ` +
          `${readyAfterMs} ms; stream of ${lines.length} rows completed ${streamEndedMs} ms after ` +
          `SIGTERM; exit ${code} ` +
          `${drainMs} ms after SIGTERM (drain delay ${DRAIN_DELAY_MS} ms)`,
      );
    },
  );
});
