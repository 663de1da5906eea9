import { FavoritesCache } from '../apps/api/src/favorites/cache/favorites-cache';
import { MetricsServer } from '../apps/api/src/metrics/metrics.server';
import { chartAsset, expectProblem, signUpAndLogIn, TestUser } from './support/factories';
import { openStream, streamAll } from './support/ndjson-client';
import { hasPromtool, parseExposition, promtoolCheck, Sample, valueOf } from './support/prometheus';
import { seedInsights } from './support/seed';
import { startTestApp, TestApp } from './support/test-app';

/** promtool (Debian package `prometheus`) is installed by .ci/run; elsewhere it may be absent. */
const itWithPromtool = hasPromtool() ? it : it.skip;

/** Rows of the list whose stream the client abandons. */
const LEFT_ROWS = 300_000;

describe('Metrics (e2e)', () => {
  let t: TestApp;
  let user: TestUser;

  async function scrape(): Promise<{ text: string; samples: Sample[] }> {
    const res = await t.api.get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return { text: res.text, samples: parseExposition(res.text) };
  }

  beforeAll(async () => {
    t = await startTestApp();
    user = await signUpAndLogIn(t.api);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('counts requests by method, route template and status, never by raw URL', async () => {
    const before = (await scrape()).samples;
    const id = 'metrics-asset-4f1c';
    await t.api.post('/favorites', { token: user.token, body: chartAsset({ id }) });
    await t.api.get(`/favorites/${id}`, { token: user.token });
    await t.api.get('/favorites/no-such-asset', { token: user.token });
    await t.api.get('/favorites');
    await t.api.get('/no/such/route/9b2e');
    await t.api.get('/health/live');

    const { samples } = await scrape();
    const delta = (labels: Record<string, string>) =>
      valueOf(samples, 'http_requests_total', labels) -
      valueOf(before, 'http_requests_total', labels);
    expect(delta({ method: 'POST', route: '/favorites', status_code: '201' })).toBe(1);
    expect(delta({ method: 'GET', route: '/favorites/:id', status_code: '200' })).toBe(1);
    expect(delta({ method: 'GET', route: '/favorites/:id', status_code: '404' })).toBe(1);
    expect(delta({ method: 'GET', route: '/favorites', status_code: '401' })).toBe(1);
    expect(delta({ method: 'GET', route: 'unmatched', status_code: '404' })).toBe(1);
    const histogramCount = (s: Sample[]) =>
      valueOf(s, 'http_request_duration_seconds_count', {
        method: 'GET',
        route: '/favorites/:id',
        status_code: '200',
      });
    expect(histogramCount(samples) - histogramCount(before)).toBe(1);
    expect(valueOf(samples, 'http_requests_in_flight')).toBe(0);

    const routes = new Set(samples.filter((s) => s.labels.route).map((s) => s.labels.route));
    for (const route of routes) {
      expect(route).not.toMatch(/metrics-asset|no-such|9b2e|^\/(health|metrics)/);
    }
  });

  it('reports the process, the database pool, the cache and its breaker', async () => {
    // A cold read, its background repair, then a warm read.
    await t.api.get('/favorites', { token: user.token });
    await t.app.get(FavoritesCache).settled();
    await t.api.get('/favorites', { token: user.token });

    const { samples } = await scrape();
    expect(valueOf(samples, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(valueOf(samples, 'nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
    const pool = Number(process.env.DATABASE_POOL_SIZE ?? 10);
    expect(valueOf(samples, 'db_pool_max_connections')).toBe(pool);
    expect(
      valueOf(samples, 'db_pool_connections', { state: 'idle' }) +
        valueOf(samples, 'db_pool_connections', { state: 'active' }),
    ).toBeGreaterThanOrEqual(1);
    expect(valueOf(samples, 'db_pool_waiting_clients')).toBe(0);
    expect(valueOf(samples, 'db_circuit_breaker_state', { state: 'closed' })).toBe(1);
    expect(valueOf(samples, 'db_circuit_breaker_state', { state: 'open' })).toBe(0);
    expect(valueOf(samples, 'favorites_cache_reads_total', { result: 'hit' })).toBeGreaterThan(0);
    expect(valueOf(samples, 'favorites_cache_reads_total', { result: 'miss' })).toBeGreaterThan(0);
    expect(
      valueOf(samples, 'favorites_cache_repairs_total', { outcome: 'committed' }),
    ).toBeGreaterThan(0);
    expect(valueOf(samples, 'favorites_cache_stale_lists')).toBe(0);
    expect(valueOf(samples, 'cache_circuit_breaker_state', { state: 'closed' })).toBe(1);
    expect(valueOf(samples, 'cache_circuit_breaker_state', { state: 'open' })).toBe(0);
  });

  it('counts streamed rows and streams by outcome', async () => {
    const streamer = await signUpAndLogIn(t.api);
    await seedInsights(t.db, streamer.id, 20_000, 'm');
    // The client that leaves needs a list longer than the connection's kernel buffers hold
    // (loopback here: up to 32 MiB received, 4 MiB sent; tcp_rmem, tcp_wmem): 20,000 rows (~4 MB)
    // can all be sent before it leaves, and the stream then rightly counts as completed.
    // 300,000 rows are ~55 MB.
    const leaver = await signUpAndLogIn(t.api);
    await seedInsights(t.db, leaver.id, LEFT_ROWS, 'l');
    const before = (await scrape()).samples;

    expect((await streamAll(t.url, streamer.token)).items).toHaveLength(20_000);
    // A client that reads the headers and leaves.
    const left = await openStream(t.url, leaver.token);
    left.abort();
    const deadline = Date.now() + 5000;
    let samples = (await scrape()).samples;
    while (valueOf(samples, 'favorites_streams_active') > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      samples = (await scrape()).samples;
    }

    const delta = (name: string, labels: Record<string, string> = {}) =>
      valueOf(samples, name, labels) - valueOf(before, name, labels);
    expect(delta('favorites_streams_total', { outcome: 'completed' })).toBe(1);
    expect(delta('favorites_streams_total', { outcome: 'aborted' })).toBe(1);
    expect(delta('favorites_streams_total', { outcome: 'failed' })).toBe(0);
    // The whole list, plus whatever the abandoned stream had sent before it stopped.
    expect(delta('favorites_stream_rows_total')).toBeGreaterThanOrEqual(20_000);
    expect(delta('favorites_stream_rows_total')).toBeLessThan(20_000 + LEFT_ROWS);
    expect(valueOf(samples, 'favorites_streams_active')).toBe(0);
  });

  itWithPromtool('passes promtool check metrics', async () => {
    expect(promtoolCheck((await scrape()).text)).toEqual([]);
  });

  it('is served only on METRICS_PORT when that is set', async () => {
    const separate = await startTestApp({ env: { METRICS_PORT: '0' }, truncate: false });
    try {
      expectProblem(await separate.api.get('/metrics'), 404);
      const port = separate.app.get(MetricsServer).listeningPort;
      expect(port).toBeGreaterThan(0);
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(res.status).toBe(200);
      expect(parseExposition(await res.text()).length).toBeGreaterThan(50);
      expect((await fetch(`http://127.0.0.1:${port}/favorites`)).status).toBe(404);
    } finally {
      await separate.close();
    }
  });
});
