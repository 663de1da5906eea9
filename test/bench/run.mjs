// `npm run bench`: the service against bare references, in one run (issue #8). Starts the built
// service (cache on; cache off; auth bypassed; one more for streams alone) and its reference
// servers (test/bench/reference: bare node:http hello, bare Fastify prototype with the same drivers
// and queries, bare Nest hello), seeds the users, warms every pool, then runs wrk (ADR-0048) on
// loopback at c=50 in interleaved rounds (each round runs every scenario once, the two sides of
// every ratio back to back) and reports each figure's median and the median of the per-round
// ratios against the targets.
// Also per round: a stream of the deep user's list against psql COPY, RSS after load, and cold
// starts. Writes Markdown and JSON to bench-results/. It never fails on speed: the pass/fail
// column is information. `--quick`: one short round with smaller users, for CI.
// Options: --quick, --fresh (recreate the bench database), --rounds=N, --seconds=N.
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
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
  mib,
  numberOption,
  parseArgs,
  processGroup,
  psqlCopySeconds,
  report,
  ROOT,
  seedFavorites,
  startProcess,
  startPrototype,
  startService,
  streamOnce,
  streamWithPeak,
  text,
  userToken,
  warmCache,
  warmUp,
} from './support.mjs';

const argv = process.argv.slice(2);
const { quick, fresh } = parseArgs(argv);
const ROUNDS = numberOption('rounds', quick ? 1 : 5);
const SECONDS = numberOption('seconds', quick ? 2 : 8);
const WARM_SECONDS = quick ? 1 : 4;
const CONNECTIONS = 50;
const SETTLE_MS = quick ? 200 : 1000;
const LIMIT = 20;
const PAGE = `/favorites?limit=${LIMIT}`;
const SIZES = {
  small: 20,
  page: 10_000,
  // Quick mode (CI) skips the million: seeding it on a fresh database takes a minute.
  deep: quick ? 100_000 : 1_000_000,
  streamSmall: quick ? 10_000 : 100_000,
};
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const JWT_SECRET = randomBytes(48).toString('base64');
const REFERENCE = join(ROOT, 'test/bench/reference');
const fmt = (n, digits = 0) =>
  n.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** Every process this run starts, stopped at the end whatever happens. */
const { started, stopAll } = processGroup();

// LOG_LEVEL error: the load generator ends each run with requests in flight, which the service
// logs as aborted at warn; request lines are off at warn (the other benchmarks' level) as they are
// here.
const serviceEnv = { REDIS_URL, JWT_SECRET, LOG_LEVEL: 'error' };
const startReference = () => startPrototype({ REDIS_URL, JWT_SECRET });

async function setUp() {
  await ensureDatabase({ fresh });
  const service = await started(startService(serviceEnv));
  const users = {};
  for (const [key, size] of Object.entries(SIZES)) {
    const email = `bench-run-${size}@bench.local`;
    const user = await userToken(service.base, email);
    const seed = await seedFavorites(user.userId, size);
    if (seed.seeded)
      console.error(`seeded ${fmt(size)} favourites in ${seed.seconds.toFixed(1)} s`);
    users[key] = { ...user, email, headers: { authorization: `Bearer ${user.token}` } };
  }
  // Writers start empty each run; each side writes to its own user (one users row each, which
  // the favorites_count trigger locks per insert).
  const db = new pg.Client({ connectionString: databaseUrl() });
  await db.connect();
  try {
    for (const side of ['service', 'reference']) {
      const email = `bench-run-writer-${side}@bench.local`;
      const user = await userToken(service.base, email);
      await db.query('DELETE FROM favorites WHERE user_id = $1', [user.userId]);
      users[`writer-${side}`] = {
        ...user,
        email,
        headers: { authorization: `Bearer ${user.token}` },
      };
    }
    // The last run's writes cleared away now rather than by autovacuum in the middle of this one.
    await db.query('VACUUM ANALYZE favorites');
  } finally {
    await db.end();
  }
  return { service, users };
}

/** Checks every server answers the same bytes before anything is measured. */
async function checkAnswers(s, users, deepUrl) {
  const json = { accept: 'application/json' };
  const page = { ...json, ...users.page.headers };
  const answers = {
    'service, cache warm': await text(`${s.service.base}${PAGE}`, { headers: page }),
    'service, cache off': await text(`${s.cacheOff.base}${PAGE}`, { headers: page }),
    'service, auth bypassed': await text(`${s.bypassed.base}${PAGE}`, { headers: json }),
    'reference, Redis': await text(`${s.reference.base}/cached${PAGE}`, { headers: page }),
    'reference, PostgreSQL': await text(`${s.reference.base}/db${PAGE}`, { headers: page }),
  };
  const [first, ...others] = Object.entries(answers);
  for (const [name, body] of others) {
    if (body !== first[1]) {
      throw new Error(
        `${name} answers differently from ${first[0]}:\n${body.slice(0, 300)}\n${first[1].slice(0, 300)}`,
      );
    }
  }
  const deep = JSON.parse(await text(deepUrl, { headers: { ...json, ...users.deep.headers } }));
  if (deep.data.length !== LIMIT || deep.total !== SIZES.deep) {
    throw new Error(`deep page: ${deep.data.length} rows of ${deep.total}`);
  }
}

function scenarios(s, users, deepUrl) {
  const json = { accept: 'application/json' };
  const as = (user) => ({ ...json, ...user.headers });
  const post = (user) => ({
    method: 'POST',
    headers: { ...user.headers, 'content-type': 'application/json' },
    // No id: each request adds a new favourite (the service and the reference mint a UUID).
    body: JSON.stringify({
      type: 'insight',
      name: 'Written by the benchmark',
      description: 'One of many',
      content: '40% of users log in on Mondays',
    }),
  });
  return {
    nodeHello: { name: 'bare node:http hello', url: `${s.nodeHello.base}/` },
    fastifyHello: { name: 'bare Fastify hello', url: `${s.reference.base}/hello` },
    nestHello: { name: 'bare Nest (Fastify adapter) hello', url: `${s.nestHello.base}/hello` },
    warm: {
      name: `service GET ${PAGE}, cache warm (${fmt(SIZES.page)} favourites)`,
      url: `${s.service.base}${PAGE}`,
      headers: as(users.page),
    },
    bypassed: {
      name: 'same, auth bypassed (bench-only entry)',
      url: `${s.bypassed.base}${PAGE}`,
      headers: json,
    },
    referenceRedis: {
      name: 'bare Fastify: JWT verify + Redis page (same Lua)',
      url: `${s.reference.base}/cached${PAGE}`,
      headers: as(users.page),
    },
    cacheOff: {
      name: `service GET ${PAGE}, cache off (PostgreSQL)`,
      url: `${s.cacheOff.base}${PAGE}`,
      headers: as(users.page),
    },
    referencePostgres: {
      name: 'bare Fastify: JWT verify + keyset query (same SQL)',
      url: `${s.reference.base}/db${PAGE}`,
      headers: as(users.page),
    },
    deep: {
      name: `service, cache off, deep cursor page of ${fmt(SIZES.deep)}`,
      url: deepUrl,
      headers: as(users.deep),
    },
    small: {
      name: `service, cache off, first page of ${SIZES.small}`,
      url: `${s.cacheOff.base}${PAGE}`,
      headers: as(users.small),
    },
    write: {
      name: 'service POST /favorites (write-through)',
      url: `${s.service.base}/favorites`,
      ...post(users['writer-service']),
    },
    referenceInsert: {
      name: 'bare Fastify: JWT verify + INSERT',
      url: `${s.reference.base}/favorites`,
      ...post(users['writer-reference']),
    },
  };
}

const TARGETS = [
  {
    name: 'Nest hello vs bare Fastify hello (framework overhead)',
    a: 'nestHello',
    b: 'fastifyHello',
    min: 0.75,
  },
  {
    name: `GET ${PAGE}, cache warm, vs the bare reference`,
    a: 'warm',
    b: 'referenceRedis',
    min: 0.85,
    maxP99: 1.5,
  },
  { name: 'same, vs bare node:http hello (the ceiling)', a: 'warm', b: 'nodeHello', min: 0.3 },
  {
    name: `GET ${PAGE}, cache off (PostgreSQL keyset), vs the bare reference`,
    a: 'cacheOff',
    b: 'referencePostgres',
    min: 0.85,
    p99Ms: 50,
  },
  {
    name: `deep cursor page of ${fmt(SIZES.deep)} vs first page of ${SIZES.small}`,
    a: 'deep',
    b: 'small',
    min: 0.8,
  },
  {
    name: 'POST /favorites (write-through) vs bare Fastify INSERT',
    a: 'write',
    b: 'referenceInsert',
    min: 0.7,
  },
  {
    name: 'authenticated vs the same endpoint with auth bypassed',
    a: 'warm',
    b: 'bypassed',
    min: 0.85,
  },
];

const verdict = (ok) => (ok ? 'pass' : '**miss**');

/**
 * The scenarios a target compares run back to back, so that a ratio sets two loads a few seconds
 * apart against each other, not two minutes: this machine's speed drifts on that scale (ADR-0045).
 * The cached page sits between its two references and the node:http hello next to them. The
 * groups' order rotates by one each round, and on odd rounds each group runs backwards, so that
 * neither side of a pair always goes first.
 */
const GROUPS = [
  ['fastifyHello', 'nestHello'],
  ['nodeHello', 'referenceRedis', 'warm', 'bypassed'],
  ['referencePostgres', 'cacheOff'],
  ['small', 'deep'],
  ['referenceInsert', 'write'],
];

/** The scenario keys of one round, in the order they run. */
function roundOrder(round) {
  return GROUPS.map((_, i) => GROUPS[(i + round) % GROUPS.length]).flatMap((group) =>
    round % 2 === 1 ? [...group].reverse() : group,
  );
}

async function main() {
  const loadAtStart = loadavg();
  const { service, users } = await setUp();
  const redis = new Redis(REDIS_URL);
  try {
    const servers = { service };
    servers.cacheOff = await started(startService({ ...serviceEnv, CACHE_ENABLED: 'false' }));
    servers.bypassed = await started(
      startService(
        {
          ...serviceEnv,
          BENCH_ABLATE: 'auth',
          BENCH_USER_ID: users.page.userId,
          BENCH_SESSION_ID: users.page.sessionId,
        },
        { script: join(ROOT, 'test/bench/ablated-service.mjs') },
      ),
    );
    // Streams on an instance of their own, so its peak RSS is the streams' alone.
    servers.streams = await started(startService(serviceEnv));
    servers.reference = await started(startReference());
    servers.nodeHello = await started(startProcess(join(REFERENCE, 'bare-http.mjs')));
    servers.nestHello = await started(
      startProcess(join(REFERENCE, 'nest-hello.mjs'), {}, { readyPath: '/hello' }),
    );

    await warmCache(redis, `${service.base}${PAGE}`, users.page);
    await warmCache(redis, `${service.base}${PAGE}`, users['writer-service']);
    // One offset read (slow once) hands over the keyset cursor 90% of the way down.
    const deepPage = Math.floor((0.9 * SIZES.deep) / LIMIT);
    const { nextCursor } = JSON.parse(
      await text(`${servers.cacheOff.base}${PAGE}&page=${deepPage}`, {
        headers: { accept: 'application/json', ...users.deep.headers },
      }),
    );
    const deepUrl = `${servers.cacheOff.base}${PAGE}&cursor=${encodeURIComponent(nextCursor)}`;
    await checkAnswers(servers, users, deepUrl);

    const byKey = scenarios(servers, users, deepUrl);
    const list = Object.values(byKey);
    const grouped = GROUPS.flat().sort().join();
    if (grouped !== Object.keys(byKey).sort().join()) {
      throw new Error(`GROUPS (${grouped}) must name every scenario once`);
    }
    for (const s of list) s.rounds = [];
    // Non-2xx answers (503s shed when the machine is overloaded) are counted and reported, not
    // fatal: one would otherwise end a long run. Their requests count in req/s; see the table.
    const run = (s, seconds) =>
      load(s.url, { ...s, connections: CONNECTIONS, seconds, tolerateNon2xx: true }).catch(
        (error) => {
          throw new Error(`${s.name}: ${error.message}`);
        },
      );

    // Warm every pool and code path (new PostgreSQL backends are slow for their first seconds).
    console.error(`warming ${list.length} scenarios, ${WARM_SECONDS} s each`);
    for (const s of list) await run(s, WARM_SECONDS);
    // The stream instance's RSS settles over its first streams: one of each size first.
    await streamOnce(servers.streams.base, users.streamSmall.token);
    await streamOnce(servers.streams.base, users.deep.token);
    const streamWarmPeak = servers.streams.memory().peak;

    const extra = [];
    for (let round = 0; round < ROUNDS; round++) {
      const at = { round: round + 1, loadBefore: loadavg()[0] };
      // Cold starts: a fresh service and a fresh bare prototype, spawn to first answer.
      const coldService = await startService(serviceEnv);
      await coldService.stop();
      const coldReference = await startReference();
      await coldReference.stop();
      at.coldStartMs = { service: coldService.coldStartMs, reference: coldReference.coldStartMs };

      for (const s of roundOrder(round).map((key) => byKey[key])) {
        // The previous scenario's last requests and garbage are done with before the next.
        await sleep(SETTLE_MS);
        await warmUp(s.url, { ...s, connections: CONNECTIONS });
        const result = await run(s, SECONDS);
        s.rounds.push(result);
        console.error(
          `round ${round + 1}: ${s.name}: ${fmt(result.requestsPerSecond)} req/s, p99 ${fmt(result.p99, 1)} ms`,
        );
      }
      at.rssAfterLoad = {
        service: service.memory().rss,
        reference: servers.reference.memory().rss,
      };

      // psql and the service take turns going first: whatever the load just before left running
      // (autovacuum after the writers' inserts, collections) falls on each in turn.
      await sleep(SETTLE_MS);
      const psqlFirst = round % 2 === 1;
      const copiedFirst = psqlFirst ? psqlCopySeconds(users.deep.userId) : undefined;
      const stream = await streamWithPeak(servers.streams, users.deep.token);
      if (stream.lines !== SIZES.deep || stream.last.error || stream.first.id <= stream.last.id) {
        throw new Error(
          `stream of ${SIZES.deep}: ${stream.lines} lines, last ${JSON.stringify(stream.last)}`,
        );
      }
      const copySeconds = psqlFirst ? copiedFirst : psqlCopySeconds(users.deep.userId);
      at.stream = {
        rowsPerSecond: SIZES.deep / stream.seconds,
        psqlRowsPerSecond: SIZES.deep / copySeconds,
        ratio: copySeconds / stream.seconds,
        firstByteMs: stream.firstByteMs,
        megabytes: mib(stream.bytes),
        peakLargeMiB: mib(stream.peakRss),
      };
      // Then the short list's stream, its own peak to set against the long one's.
      const small = await streamWithPeak(servers.streams, users.streamSmall.token);
      if (small.lines !== SIZES.streamSmall || small.last.error) {
        throw new Error(`stream of ${SIZES.streamSmall}: ${small.lines} lines`);
      }
      at.stream.peakSmallMiB = mib(small.peakRss);
      at.loadAfter = loadavg()[0];
      extra.push(at);
      console.error(
        `round ${round + 1}: stream ${at.stream.ratio.toFixed(2)}x of psql; load ${at.loadAfter.toFixed(2)}`,
      );
    }

    // Figures.
    const perRound = (a, b, f) => median(a.rounds.map((r, i) => f(r) / f(b.rounds[i])));
    const summary = Object.fromEntries(
      Object.entries(byKey).map(([key, s]) => [
        key,
        {
          name: s.name,
          requestsPerSecond: median(s.rounds.map((r) => r.requestsPerSecond)),
          p50: median(s.rounds.map((r) => r.p50)),
          p99: median(s.rounds.map((r) => r.p99)),
          non2xx: s.rounds.reduce((sum, r) => sum + r.non2xx, 0),
          rounds: s.rounds,
        },
      ]),
    );
    const rows = TARGETS.map((t) => {
      const a = byKey[t.a];
      const b = byKey[t.b];
      const ratio = perRound(a, b, (r) => r.requestsPerSecond);
      const p99Ratio = perRound(a, b, (r) => r.p99);
      const p99 = summary[t.a].p99;
      let ok = ratio >= t.min;
      let measured = `${ratio.toFixed(2)}x`;
      let target = `>= ${t.min}x`;
      if (t.maxP99) {
        ok &&= p99Ratio <= t.maxP99;
        measured += `, p99 ${p99Ratio.toFixed(2)}x`;
        target += `, p99 <= ${t.maxP99}x`;
      }
      if (t.p99Ms) {
        ok &&= p99 <= t.p99Ms;
        measured += `, p99 ${fmt(p99, 1)} ms`;
        target += `, p99 <= ${t.p99Ms} ms`;
      }
      return { name: t.name, measured, target, ok, ratio, p99Ratio, p99 };
    });
    const med = (f) => median(extra.map(f));
    const streamRatio = med((x) => x.stream.ratio);
    // Each stream's own peak RSS (VmHWM reset before it): per round, the long list's against
    // the short one's; and the highest of the instance's whole run.
    const growthMiB = med((x) => x.stream.peakLargeMiB - x.stream.peakSmallMiB);
    const peakMiB = Math.max(
      mib(streamWarmPeak),
      ...extra.flatMap((x) => [x.stream.peakLargeMiB, x.stream.peakSmallMiB]),
    );
    rows.push({
      name: `stream of ${fmt(SIZES.deep)} favourites vs psql COPY TO STDOUT`,
      measured: `${streamRatio.toFixed(2)}x; peak RSS growth ${fmt(SIZES.streamSmall)}->${fmt(SIZES.deep)} ${growthMiB.toFixed(1)} MiB; peak ${peakMiB.toFixed(1)} MiB`,
      target: '>= 0.7x; growth <= 10 MiB; peak <= 200 MiB',
      ok: streamRatio >= 0.7 && growthMiB <= 10 && peakMiB <= 200,
      ratio: streamRatio,
      growthMiB,
      peakMiB,
    });
    const coldService = med((x) => x.coldStartMs.service);
    const coldRatio = med((x) => x.coldStartMs.service / x.coldStartMs.reference);
    rows.push({
      name: 'cold start (spawn until the port answers)',
      measured: `${fmt(coldService)} ms, ${coldRatio.toFixed(2)}x the bare prototype (${fmt(med((x) => x.coldStartMs.reference))} ms)`,
      target: '<= 2,000 ms and <= 3x',
      ok: coldService <= 2000 && coldRatio <= 3,
      ratio: coldRatio,
      ms: coldService,
    });
    const rssRatio = med((x) => x.rssAfterLoad.service / x.rssAfterLoad.reference);
    rows.push({
      name: 'RSS after load',
      measured: `${mib(med((x) => x.rssAfterLoad.service)).toFixed(1)} MiB, ${rssRatio.toFixed(2)}x the bare prototype (${mib(med((x) => x.rssAfterLoad.reference)).toFixed(1)} MiB)`,
      target: '<= 1.3x',
      ok: rssRatio <= 1.3,
      ratio: rssRatio,
    });

    const loadAtEnd = loadavg();
    const markdown = [
      `# Benchmark${quick ? ' (quick: indicative only)' : ''}, ${new Date().toISOString()}`,
      '',
      `${ROUNDS} interleaved round(s) of ${SECONDS} s per scenario, ${LOAD_GENERATOR} c=${CONNECTIONS} on loopback; ` +
        `${cpus().length} CPUs (${cpus()[0]?.model.trim()}), Node ${process.version}. ` +
        `Load average at start ${loadAtStart.map((l) => l.toFixed(2)).join(' ')}, at end ${loadAtEnd.map((l) => l.toFixed(2)).join(' ')}. ` +
        `Ratios are medians of the per-round ratios.` +
        (quick
          ? ` Quick mode: the deep user has ${fmt(SIZES.deep)} favourites, not 1,000,000.`
          : ''),
      '',
      '| scenario | measured | target | |',
      '| --- | --- | --- | --- |',
      ...rows.map((r) => `| ${r.name} | ${r.measured} | ${r.target} | ${verdict(r.ok)} |`),
      '',
      '| load (medians over rounds) | req/s | p50 ms | p99 ms | non-2xx (all rounds) |',
      '| --- | ---: | ---: | ---: | ---: |',
      ...Object.values(summary).map(
        (s) =>
          `| ${s.name} | ${fmt(s.requestsPerSecond)} | ${fmt(s.p50, 1)} | ${fmt(s.p99, 1)} | ${fmt(s.non2xx)} |`,
      ),
      '',
      `| round | load avg before/after | service cold start ms | prototype cold start ms | stream rows/s | psql rows/s | stream peak RSS MiB, ${fmt(SIZES.streamSmall)} / ${fmt(SIZES.deep)} | service RSS MiB | prototype RSS MiB |`,
      '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...extra.map(
        (x) =>
          `| ${x.round} | ${x.loadBefore.toFixed(2)} / ${x.loadAfter.toFixed(2)} | ${fmt(x.coldStartMs.service)} | ${fmt(x.coldStartMs.reference)} | ` +
          `${fmt(x.stream.rowsPerSecond)} | ${fmt(x.stream.psqlRowsPerSecond)} | ${x.stream.peakSmallMiB.toFixed(1)} / ${x.stream.peakLargeMiB.toFixed(1)} | ${mib(x.rssAfterLoad.service).toFixed(1)} | ${mib(x.rssAfterLoad.reference).toFixed(1)} |`,
      ),
      '',
    ].join('\n');
    await report(quick ? 'bench-quick' : 'bench', markdown, {
      quick,
      loadGenerator: LOAD_GENERATOR,
      rounds: ROUNDS,
      seconds: SECONDS,
      connections: CONNECTIONS,
      sizes: SIZES,
      loadAtStart,
      loadAtEnd,
      targets: rows,
      summary,
      perRound: extra,
      stream: { warmPeakMiB: mib(streamWarmPeak), peakMiB, growthMiB },
    });
  } finally {
    redis.disconnect();
  }
}

const startedAt = performance.now();
main()
  .then(() =>
    console.error(`benchmark took ${((performance.now() - startedAt) / 1000).toFixed(0)} s`),
  )
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(stopAll);
