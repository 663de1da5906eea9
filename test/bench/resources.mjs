// Where the Kubernetes resource figures (deploy/k8s/base/deployment.yaml) come from: the built
// service, configured as production runs it (APP_ENV=production, bcrypt cost 12, Redis cache),
// under each kind of load in turn, with its resident memory sampled every 200 ms and its CPU time
// read from /proc. Run: `npm run build && node test/bench/resources.mjs` (loopback PostgreSQL and
// Redis, as the other benchmarks; its own database, favorites_resources, made afresh).
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

import autocannon from 'autocannon';

process.env.BENCH_DATABASE_NAME ??= 'favorites_resources';
const { ensureDatabase, mib, seedFavorites, startService, userToken } =
  await import('./support.mjs');

const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const SECONDS = Number(process.env.RESOURCES_SECONDS ?? 15);
const STREAM_ROWS = 100_000;
const CLOCK_TICKS = 100; // USER_HZ on Linux

/** CPU seconds (user + system) the process has used so far, from /proc/<pid>/stat. */
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS; // utime, stime
}

/**
 * autocannon at `connections` for `seconds`. Unlike the latency benchmarks, a 503 (the service
 * shedding load on this shared machine) is counted, not fatal: the point is the resources used.
 */
function load(url, { connections = 50, seconds, ...options }) {
  return new Promise((resolveRun, reject) => {
    autocannon({ ...options, url, connections, duration: seconds }, (error, result) => {
      if (error) return reject(error);
      if (result.errors || result.timeouts) {
        return reject(new Error(`${url}: ${result.errors} errors, ${result.timeouts} timeouts`));
      }
      resolveRun({ requestsPerSecond: result.requests.average, non2xx: result.non2xx });
    });
  });
}

/** Runs `work` while sampling the service: peak RSS, mean CPU cores, its result. */
async function measure(service, name, work) {
  const cpuBefore = cpuSeconds(service.pid);
  const started = performance.now();
  let peakRss = service.memory().rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, service.memory().rss);
  }, 200);
  let result;
  try {
    result = await work();
  } finally {
    clearInterval(sampler);
  }
  const seconds = (performance.now() - started) / 1000;
  const cores = (cpuSeconds(service.pid) - cpuBefore) / seconds;
  const row = {
    name,
    peakRssMiB: Number(mib(peakRss).toFixed(1)),
    cpuCores: Number(cores.toFixed(2)),
    requestsPerSecond: result?.requestsPerSecond && Math.round(result.requestsPerSecond),
    non2xx: result?.non2xx,
  };
  console.log(JSON.stringify(row));
  return row;
}

async function streamAll(base, token, streams) {
  const one = async () => {
    const response = await fetch(`${base}/favorites`, {
      headers: { accept: 'application/x-ndjson', authorization: `Bearer ${token}` },
    });
    if (response.status !== 200) throw new Error(`stream: ${response.status}`);
    let lines = 0;
    for await (const chunk of response.body) {
      for (const byte of chunk) if (byte === 0x0a) lines++;
    }
    if (lines !== STREAM_ROWS) throw new Error(`stream: ${lines} lines`);
  };
  await Promise.all(Array.from({ length: streams }, one));
}

// A fresh database each run: the figures must not depend on what earlier runs left.
await ensureDatabase({ fresh: true });
const service = await startService({
  REDIS_URL,
  BCRYPT_COST: '12',
  // The login burst is the point here, not the limits.
  RATE_LIMIT_LOGIN_ACCOUNT: '1000000',
  RATE_LIMIT_LOGIN_ADDRESS: '1000000',
});
try {
  const rows = [];
  const email = `resources-${Date.now()}@example.com`;
  const { token, userId } = await userToken(service.base, email);
  const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  await sleep(2000);
  rows.push(await measure(service, 'idle, 5 s after start', () => sleep(5000)));

  rows.push(
    await measure(service, `POST /favorites, c=20, ${SECONDS} s`, () =>
      load(`${service.base}/favorites`, {
        headers: auth,
        connections: 20,
        seconds: SECONDS,
        requests: [
          {
            method: 'POST',
            // A new id each time (autocannon's idReplacement miscounts Content-Length).
            setupRequest: (request) => ({
              ...request,
              body: JSON.stringify({ id: randomUUID(), type: 'insight', name: 'n', content: 'c' }),
            }),
          },
        ],
      }),
    ),
  );
  rows.push(
    await measure(service, `GET /favorites?limit=20 (cached), c=50, ${SECONDS} s`, () =>
      load(`${service.base}/favorites?limit=20`, { headers: auth, seconds: SECONDS }),
    ),
  );
  rows.push(
    await measure(service, `POST /login (bcrypt 12), c=8, ${SECONDS} s`, () =>
      load(`${service.base}/login`, {
        headers: { 'content-type': 'application/json' },
        connections: 8,
        seconds: SECONDS,
        method: 'POST',
        body: JSON.stringify({ email, password: 'bench-password-1234' }),
      }),
    ),
  );
  const streamer = await userToken(service.base, `resources-stream-${Date.now()}@example.com`);
  await seedFavorites(streamer.userId, STREAM_ROWS);
  rows.push(
    await measure(service, `4 NDJSON streams of ${STREAM_ROWS} at once`, () =>
      streamAll(service.base, streamer.token, 4),
    ),
  );
  const { peak } = service.memory();
  console.log(`\npeak RSS over the run (VmHWM): ${mib(peak).toFixed(1)} MiB; user ${userId}`);
  console.table(rows);
} finally {
  await service.stop();
}
