import { join } from 'node:path';

import { runK6Script } from './k6/k6-shim/harness';
import { evaluateThresholds } from './k6/k6-shim/thresholds';
import { startLimitedApp } from './support/limited-app';
import { startTestApp, TestApp } from './support/test-app';

const SCRIPT = join(__dirname, 'k6/load.js');
const VUS = 2;
const ITERATIONS = 6;
/** Every group the script's visit has (signing up and refreshing are in `session`). */
const GROUPS = ['::session', '::list', '::add', '::read', '::edit', '::delete', '::stream'];

/**
 * k6 is not installable here, so its script runs in a small shim (test/k6/k6-shim: k6's API in
 * worker threads, synchronous HTTP, thresholds evaluated) against the real service. It proves the
 * script's requests and checks match the API; the load itself is k6's job.
 */
describe('k6 load script (e2e, in the k6 shim)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('runs setup() and every VU’s visits with no failed check, exercising every endpoint', async () => {
    const run = await runK6Script({
      script: SCRIPT,
      env: {
        BASE_URL: t.url,
        VUS: String(VUS),
        PAGE_LIMIT: '2',
        THINK_TIME_SECONDS: '0.01',
        // Refresh on every visit, so the refresh path runs too.
        REFRESH_MARGIN_SECONDS: '100000',
      },
      vus: VUS,
      iterations: ITERATIONS,
      timeoutMs: 120_000,
    });
    const table = run.thresholds.map(
      (r) =>
        `${r.ok ? 'ok  ' : 'FAIL'} ${r.key} ${r.expression}: ${r.actual?.toFixed(3)} (${r.samples} samples)`,
    );
    console.log(`k6 shim: ${run.samples.length} samples\n${table.join('\n')}`);

    expect(run.errors).toEqual([]);
    const checks = run.samples.filter((s) => s.metric === 'checks');
    expect(
      checks.filter((s) => s.value === 0).map((s) => `${s.tags.group} ${s.tags.check}`),
    ).toEqual([]);
    // Every check the script has ran at least once. The 503 branch of a stream runs only when
    // the streams of both VUs meet the stream cap (with the embedded database's pool of one, the
    // cap is one stream), so it may run, and nothing else may.
    const ran = new Set(checks.map((s) => s.tags.check));
    ran.delete('stream refused: Retry-After');
    expect(ran).toEqual(
      new Set([
        'signup: 201',
        'login: 200 with a token',
        'refresh: 200 with a new pair',
        'list: 200',
        'list: total is what this user holds',
        'list by cursor: 200 with a page',
        'add: 201 with the asset',
        'get: 200 with the asset',
        'get with If-None-Match: 304',
        'edit: 200 with the new description',
        'delete: 204',
        'stream: 200 NDJSON',
        'stream: complete, one line per favourite',
      ]),
    );
    const groups = new Set(
      run.samples.filter((s) => s.metric === 'group_duration').map((s) => s.tags.group),
    );
    expect([...groups].sort()).toEqual([...GROUPS].sort());

    // Each endpoint's p95 threshold had requests to judge, and the error thresholds hold.
    const perEndpoint = run.thresholds.filter((r) =>
      r.key.startsWith('http_req_duration{endpoint:'),
    );
    expect(perEndpoint.length).toBeGreaterThanOrEqual(11);
    expect(perEndpoint.filter((r) => r.samples === 0).map((r) => r.key)).toEqual([]);
    // Latency targets are for a real k6 run (STYLE: speed lives in benchmarks); errors are not.
    const correctness = run.thresholds.filter((r) => !r.key.startsWith('http_req_duration'));
    expect(correctness.map((r) => r.key).sort()).toEqual(
      ['checks', 'http_req_failed', 'rate_limited', 'stream_complete'].sort(),
    );
    expect(correctness.filter((r) => !r.ok || r.samples === 0)).toEqual([]);

    // The service saw what the script counted: VUS users (plus setup's probe), and per user the
    // favourites added less those deleted.
    const count = (metric: string) =>
      run.samples.filter((s) => s.metric === metric).reduce((sum, s) => sum + s.value, 0);
    expect(count('favorites_added')).toBe(VUS * ITERATIONS);
    const users = await t.db.query(`SELECT count(*)::int AS n FROM users WHERE email LIKE 'k6-%'`);
    expect(users[0].n).toBe(VUS + 1);
    const rows = await t.db.query(`SELECT count(*)::int AS n FROM favorites`);
    expect(rows[0].n).toBe(count('favorites_added') - count('favorites_deleted'));

    // The evaluator can fail: the same samples against targets no run meets.
    const impossible = evaluateThresholds(
      { 'http_req_duration{endpoint:list}': ['p(95)<0'], checks: ['rate<0.5'] },
      run.metrics,
      run.samples,
      1,
    );
    expect(impossible.map((r) => r.ok)).toEqual([false, false]);
  }, 150_000);

  it('stops in setup() against the default sign-up limit, naming the setting to raise', async () => {
    const limited = await startLimitedApp({ truncate: false });
    try {
      await expect(
        runK6Script({
          script: SCRIPT,
          env: { BASE_URL: limited.url, VUS: '20' },
          vus: 1,
          iterations: 1,
          timeoutMs: 60_000,
        }),
      ).rejects.toThrow(/sign-up answered 201 with 9 left .* RATE_LIMIT_SIGNUP_ADDRESS/);
    } finally {
      await limited.close();
    }
  });
});
