// Shared by the benchmarks: a bench database, seeding, and the built service as a child process.
// Everything runs on loopback and stops itself.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

import autocannon from 'autocannon';
import pg from 'pg';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** The built service's source folder (tsc output). */
export const SERVICE_DIST = join(ROOT, 'dist/apps/api/apps/api/src');
/** The service's entry as `npm run build` bundles it (apps/api/bundle.mjs, ADR-0037). */
export const SERVICE_MAIN = join(ROOT, 'dist/apps/api/main.js');

/**
 * The node options the image runs the service with: its `ENV NODE_OPTIONS` (ADR-0040). Every
 * process the benchmarks start runs with them, the references too, so that a ratio compares code
 * and not the size V8 lets the young generation grow to.
 */
export const IMAGE_NODE_OPTIONS = (() => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const value = /^\s*(?:ENV\s+)?NODE_OPTIONS=("[^"]*"|\S+)/m.exec(dockerfile)?.[1];
  if (!value) throw new Error('the Dockerfile sets no NODE_OPTIONS');
  return value.replace(/^"(.*)"$/, '$1');
})();

/** The server the benchmarks use: BENCH_DATABASE_URL, else the loopback PostgreSQL. */
export const SERVER_URL =
  process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const BENCH_DB = process.env.BENCH_DATABASE_NAME ?? 'favorites_bench';

export function databaseUrl(name = BENCH_DB) {
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Rate-limit counters of this run only, in a Redis other runs and tests share. */
const RUN_KEY_PREFIX = `bench-rl-${randomBytes(4).toString('hex')}:`;

export function parseArgs(argv = process.argv.slice(2)) {
  return { quick: argv.includes('--quick'), fresh: argv.includes('--fresh') };
}

/** The number given as `--<name>=N` on the command line, else `fallback`. */
export function numberOption(name, fallback, argv = process.argv.slice(2)) {
  const given = argv.find((arg) => arg.startsWith(`--${name}=`));
  return given === undefined ? fallback : Number(given.slice(name.length + 3));
}

/** Creates the bench database unless it exists (kept between runs: seeding 1M rows takes a while). */
export async function ensureDatabase({ fresh = false } = {}) {
  const admin = new pg.Client({ connectionString: SERVER_URL });
  await admin.connect();
  try {
    if (fresh) await admin.query(`DROP DATABASE IF EXISTS ${BENCH_DB} WITH (FORCE)`);
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [
      BENCH_DB,
    ]);
    if (!rowCount) await admin.query(`CREATE DATABASE ${BENCH_DB}`);
  } finally {
    await admin.end();
  }
}

export async function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

/** Resident set size now and at its peak (VmHWM), in bytes, read from /proc. */
export function memoryOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') * 1024, peak: kb('VmHWM') * 1024 };
}

/**
 * Starts the process's peak RSS afresh: Linux resets VmHWM to the current RSS when 5 is written
 * to /proc/<pid>/clear_refs, so the next reading of `peak` is the peak from here on.
 */
export function resetPeakOf(pid) {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}

/** CPU time the process has used so far (user + system), in microseconds, read from /proc. */
export function cpuMicrosOf(pid) {
  // The fields after the command name, which is in parentheses and may hold spaces.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime
  return (ticks * 1e6) / CLOCK_TICKS;
}
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK']).stdout?.toString().trim()) || 100;

const HEAP_METER = join(ROOT, 'test/bench/heap-meter.mjs');

/**
 * The bytes a process started with heap-meter.mjs has allocated on its V8 heap so far: asks it
 * (SIGUSR2) and waits for its next reading in `file`.
 */
async function allocatedBytesOf(pid, file, last) {
  process.kill(pid, 'SIGUSR2');
  for (const deadline = performance.now() + 5000; performance.now() < deadline;) {
    await sleep(5);
    let meter;
    try {
      meter = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      continue; // not written yet
    }
    if (meter.reading > last.reading) {
      last.reading = meter.reading;
      return meter.allocatedBytes;
    }
  }
  throw new Error(`process ${pid} gave no heap reading within 5 s`);
}

/**
 * Spawns `script` (node, with `nodeArgs` first) on a free loopback port given as PORT, and waits
 * until GET `readyPath` answers 2xx. `coldStartMs`: from the spawn to that first answer.
 * `meterHeap`: started with heap-meter.mjs, so that `allocatedBytes()` reads the bytes it has
 * allocated so far (ADR-0046).
 */
export async function startProcess(
  script,
  env = {},
  { nodeArgs = [], readyPath = '/', meterHeap = false } = {},
) {
  const port = await freePort();
  const meterFile = join(ROOT, 'bench-results', `heap-meter-${port}-${process.pid}.json`);
  const meterReadings = { reading: 0 };
  if (meterHeap) await mkdir(dirname(meterFile), { recursive: true });
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [...(meterHeap ? ['--import', HEAP_METER] : []), ...nodeArgs, script],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        NODE_OPTIONS: IMAGE_NODE_OPTIONS,
        HOST: '127.0.0.1',
        PORT: String(port),
        ...(meterHeap ? { HEAP_METER_FILE: meterFile } : {}),
        ...env,
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  const exited = new Promise((resolveExit) => child.once('exit', resolveExit));
  const base = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
    if (meterHeap) rmSync(meterFile, { force: true });
  };
  try {
    // Polled often: the cold start is measured to the first answer.
    for (const deadline = started + 60_000; ;) {
      if (child.exitCode !== null) throw new Error(`${script} exited with ${child.exitCode}`);
      try {
        const response = await fetch(`${base}${readyPath}`);
        await response.arrayBuffer();
        if (response.ok) break;
      } catch {
        // not listening yet
      }
      if (performance.now() > deadline) throw new Error(`${script} did not start within 60 s`);
      await sleep(20);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    base,
    pid: child.pid,
    coldStartMs: performance.now() - started,
    memory: () => memoryOf(child.pid),
    resetPeak: () => resetPeakOf(child.pid),
    cpuMicros: () => cpuMicrosOf(child.pid),
    allocatedBytes: meterHeap
      ? () => allocatedBytesOf(child.pid, meterFile, meterReadings)
      : () => Promise.reject(new Error(`${script} was not started with meterHeap`)),
    stop,
  };
}

/**
 * The processes a benchmark starts, stopped together at its end, on failure and on Ctrl-C:
 * `started(promise)` keeps the child a start resolves to; `stopAll()` stops every one kept.
 */
export function processGroup() {
  const processes = [];
  const stopAll = () => Promise.all(processes.splice(0).map((child) => child.stop()));
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => void stopAll().finally(() => process.exit(130)));
  }
  const started = async (promise) => {
    const child = await promise;
    processes.push(child);
    return child;
  };
  return { started, stopAll };
}

/**
 * The bare Fastify prototype (reference/bare-fastify.mjs) on the bench database: the hot
 * endpoints with the service's drivers and nothing else. `env` needs REDIS_URL and JWT_SECRET;
 * `nodeArgs` go to node before the script, as for startService.
 */
export function startPrototype(env, { nodeArgs = [], meterHeap = false } = {}) {
  return startProcess(
    join(ROOT, 'test/bench/reference/bare-fastify.mjs'),
    { DATABASE_URL: databaseUrl(), DIST: SERVICE_DIST, ...env },
    { nodeArgs, readyPath: '/hello', meterHeap },
  );
}

/**
 * Starts the built service (or `script`, an entry that loads it) on a free loopback port and
 * waits until it answers. `nodeArgs` go to node before the script (e.g. `--cpu-prof` to profile
 * a scenario).
 */
export function startService(
  env = {},
  { nodeArgs = [], script = SERVICE_MAIN, meterHeap = false } = {},
) {
  return startProcess(
    script,
    {
      APP_ENV: 'production',
      LOG_LEVEL: 'warn',
      DATABASE_URL: databaseUrl(),
      JWT_SECRET: randomBytes(48).toString('base64'),
      BCRYPT_COST: '10',
      // Stopped between scenarios: no load balancer to wait for.
      SHUTDOWN_DRAIN_DELAY_MS: '0',
      // One user sends every request: a per-user limit no run reaches, so the benchmarks measure
      // the check's cost without being refused. The check itself is never switched off.
      RATE_LIMIT_USER: '100000000',
      // The runs' own counters: a benchmark signs up and logs in again each time.
      RATE_LIMIT_KEY_PREFIX: RUN_KEY_PREFIX,
      SERVICE_DIST,
      ...env,
    },
    { nodeArgs, readyPath: '/health/live', meterHeap },
  );
}

async function call(base, method, path, body, token) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/** Signs the user up if needed and logs in: the benchmarks reuse users between runs. */
export async function userToken(base, email) {
  const password = 'bench-password-1234';
  const signup = await call(base, 'POST', '/signup', { email, password });
  if (signup.status !== 201 && signup.status !== 409) {
    throw new Error(`signup ${email}: ${signup.status} ${JSON.stringify(signup.body)}`);
  }
  const login = await call(base, 'POST', '/login', { email, password });
  if (login.status !== 200) throw new Error(`login ${email}: ${login.status}`);
  const token = login.body.token;
  const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
  return { token, userId: claims.sub, sessionId: claims.sid };
}

/** The body of a GET that must succeed. */
export async function text(url, init) {
  const response = await fetch(url, init);
  const body = await response.text();
  if (!response.ok) throw new Error(`${url}: ${response.status} ${body.slice(0, 300)}`);
  return body;
}

/**
 * Drops what an earlier run cached for the user, reads `pageUrl` (a page of the user's list) once
 * and waits until the cache's read-repair has stored the whole list.
 */
export async function warmCache(redis, pageUrl, user) {
  const tag = `fav:{u:${user.userId}}`;
  await redis.del(`${tag}:z`, `${tag}:h`, `${tag}:m`);
  await text(pageUrl, { headers: { authorization: `Bearer ${user.token}` } });
  for (let i = 0; (await redis.hget(`${tag}:m`, 'w')) !== '1'; i++) {
    if (i > 600) throw new Error(`the list of user ${user.userId} was not cached within 60 s`);
    await sleep(100);
  }
}

const SEED_CHUNK = 100_000;

/**
 * Gives the user exactly `count` favourites, a mix of the three types, inserted by SQL in chunks
 * (the triggers keep favorites_count right). A user who already has them is left as is.
 */
export async function seedFavorites(userId, count) {
  const db = new pg.Client({ connectionString: databaseUrl() });
  await db.connect();
  try {
    const { rows } = await db.query('SELECT favorites_count FROM users WHERE id = $1', [userId]);
    if (Number(rows[0].favorites_count) === count) return { seeded: 0 };
    await db.query('DELETE FROM favorites WHERE user_id = $1', [userId]);
    const started = performance.now();
    for (let from = 0; from < count; from += SEED_CHUNK) {
      const to = Math.min(from + SEED_CHUNK, count) - 1;
      await db.query(
        `INSERT INTO favorites (user_id, id, type, name, description, payload, created_at, updated_at)
         SELECT $1, 'asset-' || lpad(g::text, 8, '0'),
                (ARRAY['chart', 'insight', 'audience'])[g % 3 + 1],
                'Favourite number ' || g, 'Seeded for the benchmark',
                CASE g % 3
                  WHEN 0 THEN jsonb_build_object('x_axis', 'Month', 'y_axis', 'Users',
                    'data', jsonb_build_array(jsonb_build_object('x', 'Jan', 'y', g % 97),
                                              jsonb_build_object('x', 'Feb', 'y', g % 89)))
                  WHEN 1 THEN jsonb_build_object('content', '40% of users log in on Mondays')
                  ELSE jsonb_build_object('rules', jsonb_build_object('country', 'GR',
                    'gender', 'female', 'age_min', 25, 'age_max', 34))
                END,
                ts, ts
           FROM generate_series($2::int, $3::int) AS g,
                LATERAL (SELECT timestamptz '2025-01-01' + g * interval '1 second') AS t(ts)`,
        [userId, from, to],
      );
    }
    await db.query('ANALYZE favorites');
    return { seeded: count, seconds: (performance.now() - started) / 1000 };
  } finally {
    await db.end();
  }
}

export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

export const mib = (bytes) => bytes / 1024 / 1024;

/** Prints the run's Markdown table and writes it, with its JSON, under bench-results/. */
export async function report(name, markdown, data) {
  console.log(markdown);
  const dir = join(ROOT, 'bench-results');
  await mkdir(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const path = join(dir, `${name}-${stamp}.md`);
  await writeFile(path, markdown);
  await writeFile(join(dir, `${name}-${stamp}.json`), `${JSON.stringify(data, null, 2)}\n`);
  console.error(`written to ${path}`);
}

/**
 * Runs a benchmark: the bench database ensured (`fresh`: recreated), the built service started,
 * with `env`, `main(service)`, the service stopped; exits 1 on failure.
 */
export function runBenchmark(main, { fresh = false, env = {} } = {}) {
  ensureDatabase({ fresh })
    .then(() => startService(env))
    .then(async (service) => {
      try {
        await main(service);
      } finally {
        await service.stop();
      }
    })
    .catch((error) => {
      console.error(error);
      process.exit(1);
    });
}

/**
 * The load generator: wrk (C, Debian's `wrk` package) unless `BENCH_LOAD_GENERATOR=autocannon`
 * or wrk is not installed (ADR-0048). wrk takes a fraction of the CPU autocannon does from the
 * same two cores the servers run on; every table says which one ran.
 */
export const LOAD_GENERATOR = (() => {
  const chosen = process.env.BENCH_LOAD_GENERATOR;
  if (chosen && chosen !== 'wrk' && chosen !== 'autocannon') {
    throw new Error(`BENCH_LOAD_GENERATOR=${chosen}: wrk or autocannon`);
  }
  if (chosen) return chosen;
  if (spawnSync('wrk', ['--version']).error) {
    console.error('wrk is not installed (apt-get install wrk): loading with autocannon instead');
    return 'autocannon';
  }
  return 'wrk';
})();

const WRK_SCRIPT = join(ROOT, 'test/bench/wrk-report.lua');

/**
 * One run of the load generator on loopback; fails on any error, timeout or non-2xx answer,
 * except that with `tolerateNon2xx` non-2xx answers (a 503 shed under a machine's overload) are
 * counted in the result instead. Latencies in milliseconds.
 */
export function load(url, options) {
  return LOAD_GENERATOR === 'wrk' ? wrkLoad(url, options) : autocannonLoad(url, options);
}

/**
 * One second of the same load, not measured, right before a measured one. A scenario's servers
 * sit idle between their turns for longer than their pools keep an idle connection (the
 * service's 30 s, node-postgres' default 10 s in the prototype), so without it every measured
 * load would begin on new PostgreSQL backends, slow for their first seconds (ADR-0031). Answers
 * of 400 and above are tolerated here: the measured load that follows reports them.
 */
export async function warmUp(url, options) {
  await load(url, { ...options, seconds: 1, tolerateNon2xx: true });
}

function checked(url, { errors, timeouts, non2xx }, tolerateNon2xx, result) {
  if (errors || timeouts || (non2xx && !tolerateNon2xx)) {
    throw new Error(`${url}: ${errors} errors, ${timeouts} timeouts, ${non2xx} non-2xx`);
  }
  return result;
}

/**
 * wrk, one thread (its event loop keeps up with 50 connections at the hellos' rates with room
 * to spare), 5 s timeout; stdout's last line is wrk-report.lua's JSON. wrk counts answers of
 * 400 and above as status errors, which is what `non2xx` means here (the service answers no 3xx).
 */
async function wrkLoad(
  url,
  { headers = {}, connections = 50, seconds, method = 'GET', body, tolerateNon2xx = false },
) {
  const args = ['-t1', `-c${connections}`, `-d${seconds}s`, '--timeout', '5s', '-s', WRK_SCRIPT];
  for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}: ${value}`);
  const child = spawn('wrk', [...args, url], {
    env: { ...process.env, WRK_METHOD: method, WRK_BODY: body ?? '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  child.stderr.on('data', (chunk) => (err += chunk));
  const code = await new Promise((resolveExit, reject) => {
    child.on('error', reject);
    child.on('close', resolveExit);
  });
  const line = out.trim().split('\n').at(-1);
  if (code !== 0 || !line?.startsWith('{')) {
    throw new Error(`wrk ${url} exited ${code}: ${err.trim() || out.trim()}`);
  }
  const report = JSON.parse(line);
  const { connect, read, write, timeout } = report.errors;
  return checked(
    url,
    { errors: connect + read + write, timeouts: timeout, non2xx: report.non2xx },
    tolerateNon2xx,
    {
      non2xx: report.non2xx,
      requests: report.requests,
      requestsPerSecond: report.requests / (report.durationMicros / 1e6),
      p50: report.p50Micros / 1000,
      p99: report.p99Micros / 1000,
    },
  );
}

function autocannonLoad(
  url,
  { headers = {}, connections = 50, seconds, method = 'GET', body, tolerateNon2xx = false },
) {
  return new Promise((resolveRun, reject) => {
    const options = { url, connections, duration: seconds, headers, method, body };
    autocannon(options, (error, result) => {
      if (error) return reject(error);
      try {
        resolveRun(
          checked(url, result, tolerateNon2xx, {
            non2xx: result.non2xx,
            requests: result.requests.total,
            requestsPerSecond: result.requests.average,
            p50: result.latency.p50,
            p99: result.latency.p99,
          }),
        );
      } catch (failure) {
        reject(failure);
      }
    });
  });
}

/** Medians of each scenario's rounds ({name, rounds: load results}). */
export function summarise(scenarios) {
  return scenarios.map((s) => ({
    name: s.name,
    requestsPerSecond: median(s.rounds.map((r) => r.requestsPerSecond)),
    p50: median(s.rounds.map((r) => r.p50)),
    p99: median(s.rounds.map((r) => r.p99)),
    rounds: s.rounds,
  }));
}

/** Median over rounds of a's throughput divided by b's in the same round. */
export function throughputRatio(a, b) {
  return median(a.rounds.map((r, i) => r.requestsPerSecond / b.rounds[i].requestsPerSecond));
}

/** A Markdown table of summarised scenarios under a title, with closing lines. */
export function latencyTable(title, header, summary, ...footer) {
  return [
    `# ${title} (${new Date().toISOString()})`,
    '',
    `| ${header} | req/s | p50 ms | p99 ms |`,
    '| --- | ---: | ---: | ---: |',
    ...summary.map(
      (s) =>
        `| ${s.name} | ${Math.round(s.requestsPerSecond).toLocaleString('en')} | ${s.p50.toFixed(1)} | ${s.p99.toFixed(1)} |`,
    ),
    '',
    ...footer,
    '',
  ].join('\n');
}

/** The same rows, in the same order and the same JSON text, as the service's stream query. */
const ISO_MS = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;
export const streamReferenceSql = (userId) => `SELECT (
    jsonb_build_object('id', id, 'type', type, 'name', name, 'description', description)
    || payload
    || jsonb_build_object(
         'createdAt', to_char(created_at AT TIME ZONE 'UTC', ${ISO_MS}),
         'updatedAt', to_char(updated_at AT TIME ZONE 'UTC', ${ISO_MS}))
  )::text FROM favorites WHERE user_id = '${userId}' ORDER BY created_at DESC, id DESC`;

/** Seconds psql takes to COPY the user's rows, as the service's JSON lines, to /dev/null. */
export function psqlCopySeconds(userId) {
  const started = performance.now();
  const result = spawnSync(
    'psql',
    ['-X', '-q', databaseUrl(), '-c', `COPY (${streamReferenceSql(userId)}) TO STDOUT`],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  if (result.status !== 0) throw new Error(`psql failed: ${result.stderr}`);
  return (performance.now() - started) / 1000;
}

/**
 * One whole stream from `server` (streamOnce) and the server's peak RSS during it alone
 * (`peakRss`, bytes): its VmHWM is reset first, so an earlier stream's peak does not count.
 */
export async function streamWithPeak(server, token) {
  server.resetPeak();
  const run = await streamOnce(server.base, token);
  return { ...run, peakRss: server.memory().peak };
}

/** Reads the user's whole NDJSON stream, counting lines; checks it is complete and in order. */
export function streamOnce(base, token) {
  return new Promise((resolveRun, reject) => {
    const started = performance.now();
    let firstByteMs;
    let lines = 0;
    let bytes = 0;
    let head = '';
    let tail = Buffer.alloc(0);
    const req = request(`${base}/favorites`, {
      headers: { accept: 'application/x-ndjson', authorization: `Bearer ${token}` },
    });
    req.once('error', reject);
    req.once('response', (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`stream answered ${res.statusCode}`));
        res.resume();
        return;
      }
      res.on('data', (chunk) => {
        firstByteMs ??= performance.now() - started;
        bytes += chunk.length;
        if (head.length < 2048) head += chunk.toString('utf8', 0, 2048);
        for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) lines++;
        tail = chunk.length >= 4096 ? chunk : Buffer.concat([tail, chunk]).subarray(-4096);
      });
      res.once('error', reject);
      res.once('end', () => {
        const last = tail.toString().trimEnd().split('\n').pop();
        resolveRun({
          seconds: (performance.now() - started) / 1000,
          firstByteMs,
          lines,
          bytes,
          first: JSON.parse(head.slice(0, head.indexOf('\n'))),
          last: JSON.parse(last),
        });
      });
    });
    req.end();
  });
}
