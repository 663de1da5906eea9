// `npm run bench:ablation [-- warm|off] [--rounds=N] [--seconds=N]`: what each part of a hot
// request path costs. Starts the built service as it is and, beside it, one instance per part with
// that part taken out (test/bench/ablated-service.mjs), one without the request hooks, one without
// the guards (and breaker), one with all of them taken out, and the bare Fastify prototype; loads
// GET /favorites?limit=20 of a 10,000-favourite user on each (support.mjs's load generator, c=50,
// loopback; `warm`: from Redis, `off`: CACHE_ENABLED=false, from PostgreSQL) in interleaved
// rounds, order rotated, and reports each instance's throughput as the median of its per-round
// ratios to the service as built. It never fails on speed.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import Redis from 'ioredis';
import pg from 'pg';

import {
  databaseUrl,
  ensureDatabase,
  load,
  LOAD_GENERATOR,
  median,
  numberOption,
  processGroup,
  report,
  ROOT,
  seedFavorites,
  startPrototype,
  startService,
  text,
  userToken,
  warmCache,
  warmUp,
} from './support.mjs';

const argv = process.argv.slice(2);
const path = argv.find((arg) => !arg.startsWith('--')) ?? 'warm';
if (path !== 'warm' && path !== 'off') throw new Error(`unknown path ${path}: warm or off`);
const ROUNDS = numberOption('rounds', 5);
const SECONDS = numberOption('seconds', 5);
const PAGE = '/favorites?limit=20';
const SIZE = 10_000;
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const JWT_SECRET = randomBytes(48).toString('base64');

const ALL_PARTS = {
  auth: 'JWT guard (token verified, session checked)',
  'rate-limit': 'rate-limit guard (per address, per user)',
  'logging-context': 'request logging context (AsyncLocalStorage)',
  'request-log': 'request log hook (line and context)',
  metrics: 'request metrics hook',
  'load-shedding': 'load-shedding hook',
  headers: 'security and X-Request-ID headers',
  'conditional-get': 'If-None-Match hook',
  ...(path === 'warm' ? { breaker: 'circuit breaker around Redis' } : {}),
};
// Single parts cost a few µs each, within the machine's noise between rounds; the two halves of
// the whole are measured as well, so that what the parts cost together is seen to add up.
const GROUPS = {
  hooks: [
    'request hooks (logging context and line, metrics, shedding, headers, If-None-Match)',
    ['logging-context', 'request-log', 'metrics', 'load-shedding', 'headers', 'conditional-get'],
  ],
  guards: [
    path === 'warm' ? 'guards and the Redis breaker' : 'guards (JWT, rate limit)',
    ['auth', 'rate-limit', ...(path === 'warm' ? ['breaker'] : [])],
  ],
};
// --parts=a,b: only those (each alone, then together; no groups).
const only = argv
  .find((arg) => arg.startsWith('--parts='))
  ?.slice(8)
  .split(',');
const PARTS = only
  ? Object.fromEntries(only.map((key) => [key, ALL_PARTS[key] ?? key]))
  : ALL_PARTS;

const { started, stopAll } = processGroup();

/**
 * Connections per instance: every instance (and the prototype) keeps its pool open, so together
 * they must fit in the server's max_connections, leaving 10 for the rest. The same size for all,
 * the prototype included; at most 10, the service's default.
 */
async function poolSize(instances) {
  const db = new pg.Client({ connectionString: databaseUrl() });
  await db.connect();
  try {
    const { rows } = await db.query('SHOW max_connections');
    return Math.min(10, Math.floor((Number(rows[0].max_connections) - 10) / instances));
  } finally {
    await db.end();
  }
}

async function main() {
  await ensureDatabase();
  // The service as built, the control, each part, the two groups, all parts, and the prototype.
  const pool = await poolSize(Object.keys(PARTS).length + (only ? 0 : 2) + 4);
  if (pool < 2) throw new Error(`max_connections leaves ${pool} connection(s) per instance`);
  const env = {
    REDIS_URL,
    JWT_SECRET,
    LOG_LEVEL: 'error',
    DATABASE_POOL_SIZE: String(pool),
    ...(path === 'off' ? { CACHE_ENABLED: 'false' } : {}),
  };
  const service = await started(startService(env, { meterHeap: true }));
  const user = await userToken(service.base, `bench-run-${SIZE}@bench.local`);
  await seedFavorites(user.userId, SIZE);
  const headers = { accept: 'application/json', authorization: `Bearer ${user.token}` };
  const ablated = (parts) =>
    started(
      startService(
        {
          ...env,
          BENCH_ABLATE: parts.join(','),
          BENCH_USER_ID: user.userId,
          BENCH_SESSION_ID: user.sessionId,
        },
        { script: join(ROOT, 'test/bench/ablated-service.mjs'), meterHeap: true },
      ),
    );
  const all = Object.keys(PARTS);
  const variants = [
    { key: 'built', name: 'service as built', server: service },
    // The control: the bench entry itself must cost nothing.
    {
      key: 'none',
      name: 'same, through the bench entry, nothing taken out',
      server: await ablated([]),
    },
  ];
  for (const [key, name] of Object.entries(PARTS)) {
    variants.push({ key, name: `without the ${name}`, server: await ablated([key]) });
  }
  for (const [key, [name, parts]] of only ? [] : Object.entries(GROUPS)) {
    variants.push({ key, name: `without the ${name}`, server: await ablated(parts) });
  }
  variants.push({ key: 'all', name: 'without all of the above', server: await ablated(all) });
  const reference = await started(
    startPrototype(
      { DATABASE_POOL_SIZE: String(pool), REDIS_URL, JWT_SECRET },
      { meterHeap: true },
    ),
  );
  variants.push({
    key: 'prototype',
    name: 'bare Fastify prototype (same drivers)',
    server: reference,
    prefix: path === 'warm' ? '/cached' : '/db',
  });

  const redis = new Redis(REDIS_URL);
  try {
    if (path === 'warm') await warmCache(redis, `${service.base}${PAGE}`, user);
  } finally {
    redis.disconnect();
  }
  // Every instance answers the same page before anything is measured.
  const expected = await text(`${service.base}${PAGE}`, { headers });
  for (const v of variants) {
    v.url = `${v.server.base}${v.prefix ?? ''}${PAGE}`;
    const body = await text(v.url, { headers });
    if (body !== expected) throw new Error(`${v.name} answers differently:\n${body.slice(0, 300)}`);
    v.rounds = [];
  }
  // Throughput drifts with the machine (2 shared CPUs) by more than one part costs; the server's
  // own CPU time per request does much less, and is what a part adds. The bytes it allocates per
  // request do not drift at all (ADR-0046).
  const run = async (v, seconds) => {
    await warmUp(v.url, { headers, connections: 50 });
    const allocatedBefore = await v.server.allocatedBytes();
    const cpuBefore = v.server.cpuMicros();
    const result = await load(v.url, { headers, connections: 50, seconds });
    const cpuAfter = v.server.cpuMicros();
    const allocated = (await v.server.allocatedBytes()) - allocatedBefore;
    return {
      ...result,
      cpuUsPerRequest: (cpuAfter - cpuBefore) / result.requests,
      allocatedKiBPerRequest: allocated / 1024 / result.requests,
      rssAfterLoad: v.server.memory().rss,
    };
  };
  console.error(`warming ${variants.length} instances`);
  for (const v of variants) await run(v, 2);

  for (let round = 0; round < ROUNDS; round++) {
    for (const v of variants.map((_, i) => variants[(i + round) % variants.length])) {
      await sleep(500);
      const result = await run(v, SECONDS);
      v.rounds.push(result);
      console.error(
        `round ${round + 1}: ${v.name}: ${Math.round(result.requestsPerSecond)} req/s, ${result.cpuUsPerRequest.toFixed(0)} µs CPU/request, ${result.allocatedKiBPerRequest.toFixed(1)} KiB allocated/request`,
      );
    }
  }

  const built = variants[0];
  const rows = variants.map((v) => ({
    key: v.key,
    name: v.name,
    requestsPerSecond: median(v.rounds.map((r) => r.requestsPerSecond)),
    p99: median(v.rounds.map((r) => r.p99)),
    ratio: median(v.rounds.map((r, i) => r.requestsPerSecond / built.rounds[i].requestsPerSecond)),
    cpuUsPerRequest: median(v.rounds.map((r) => r.cpuUsPerRequest)),
    allocatedKiB: median(v.rounds.map((r) => r.allocatedKiBPerRequest)),
    rssMiB: median(v.rounds.map((r) => r.rssAfterLoad)) / 1024 / 1024,
  }));
  for (const row of rows) {
    row.savedUs = rows[0].cpuUsPerRequest - row.cpuUsPerRequest;
    row.savedKiB = rows[0].allocatedKiB - row.allocatedKiB;
  }
  const markdown = [
    `# Ablation, GET ${PAGE} ${path === 'warm' ? 'from Redis (cache warm)' : 'from PostgreSQL (cache off)'}, ${new Date().toISOString()}`,
    '',
    `${ROUNDS} interleaved rounds of ${SECONDS} s, ${LOAD_GENERATOR} c=50 on loopback, ${SIZE.toLocaleString('en')} favourites, ` +
      `a pool of ${pool} PostgreSQL connections in every instance and the prototype. ` +
      'Throughput ratio: median of the per-round ratios to the service as built. CPU: the server ' +
      "process's own CPU time (user + system, /proc) per request answered, median over rounds; " +
      'saved: what taking the part out saves of the service as built. Allocated: bytes the process ' +
      'allocated on its V8 heap per request (test/bench/heap-meter.mjs), median over rounds; it does ' +
      'not drift with the machine. RSS: right after each load, median.',
    '',
    '| instance | req/s | p99 ms | throughput vs as built | CPU µs/request | saved µs | allocated KiB/request | saved KiB | RSS MiB |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${Math.round(r.requestsPerSecond).toLocaleString('en')} | ${r.p99.toFixed(1)} | ${r.ratio.toFixed(2)}x | ${r.cpuUsPerRequest.toFixed(0)} | ${r.key === 'built' ? '' : r.savedUs.toFixed(0)} | ${r.allocatedKiB.toFixed(1)} | ${r.key === 'built' ? '' : r.savedKiB.toFixed(1)} | ${r.rssMiB.toFixed(0)} |`,
    ),
    '',
  ].join('\n');
  await report(`ablation-${path}`, markdown, {
    path,
    rounds: ROUNDS,
    seconds: SECONDS,
    pool,
    rows,
  });
}

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(stopAll);
