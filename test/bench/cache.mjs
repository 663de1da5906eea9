// `npm run bench:cache`: what the Redis cache buys. `GET /favorites?limit=20` for a user with
// 10,000 favourites on the built service with the cache warm, on a second instance with the cache
// off (PostgreSQL keyset), and a bare node:http server answering a fixed 20-item JSON (the
// ceiling), under the load generator (support.mjs) at c=50 in interleaved rounds. Prints medians
// and the medians of the per-round ratios.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

import Redis from 'ioredis';

import {
  freePort,
  latencyTable,
  load,
  parseArgs,
  report,
  runBenchmark,
  seedFavorites,
  startService,
  summarise,
  throughputRatio,
  userToken,
} from './support.mjs';

const { quick, fresh } = parseArgs();
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const SIZE = 10_000;
const ROUNDS = quick ? 1 : 5;
const SECONDS = quick ? 3 : 10;
const CONNECTIONS = 50;
// Both instances verify the same tokens.
const JWT_SECRET = randomBytes(48).toString('base64');

/** The ceiling: node:http answering the same 20 assets, serialised once. */
async function bareServer(body) {
  const port = await freePort();
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    res.end(body);
  });
  await new Promise((resolveListen) => server.listen(port, '127.0.0.1', resolveListen));
  return { url: `http://127.0.0.1:${port}/`, close: () => server.close() };
}

async function main(warm) {
  const cold = await startService({ CACHE_ENABLED: 'false', JWT_SECRET });
  const redis = new Redis(REDIS_URL);
  try {
    const { token, userId } = await userToken(warm.base, `bench-cache-${SIZE}@bench.local`);
    const seed = await seedFavorites(userId, SIZE);
    if (seed.seeded) console.error(`seeded ${SIZE} favourites in ${seed.seconds.toFixed(1)} s`);
    // The rows were written by SQL, past the cache: drop whatever an earlier run cached.
    await redis.del(`fav:{u:${userId}}:z`, `fav:{u:${userId}}:h`, `fav:{u:${userId}}:m`);

    const headers = { authorization: `Bearer ${token}`, accept: 'application/json' };
    const path = '/favorites?limit=20';
    // The first read schedules the read-repair; wait until the list is cached.
    const expected = await (await fetch(`${warm.base}${path}`, { headers })).text();
    for (let i = 0; (await redis.hget(`fav:{u:${userId}}:m`, 'w')) !== '1'; i++) {
      if (i > 300) throw new Error('the list was not cached within 30 s');
      await sleep(100);
    }
    const fromCache = await (await fetch(`${warm.base}${path}`, { headers })).text();
    const fromDatabase = await (await fetch(`${cold.base}${path}`, { headers })).text();
    if (fromCache !== expected || fromDatabase !== expected) {
      throw new Error(
        `the cached, uncached and first answers differ:\n${expected.slice(0, 400)}\n${fromCache.slice(0, 400)}\n${fromDatabase.slice(0, 400)}`,
      );
    }
    const bare = await bareServer(expected);

    const scenarios = [
      { name: 'cache warm (Redis)', url: `${warm.base}${path}`, headers, rounds: [] },
      { name: 'cache off (PostgreSQL)', url: `${cold.base}${path}`, headers, rounds: [] },
      { name: 'bare node:http, fixed body', url: bare.url, headers: {}, rounds: [] },
    ];
    try {
      const run = (s, seconds) =>
        load(s.url, { headers: s.headers, connections: CONNECTIONS, seconds });
      for (const s of scenarios) await run(s, 2);
      for (let round = 0; round < ROUNDS; round++) {
        for (const s of scenarios) s.rounds.push(await run(s, SECONDS));
      }
    } finally {
      bare.close();
    }

    const [cached, uncached, ceiling] = scenarios;
    const summary = summarise(scenarios);
    const ratios = {
      warmVsOff: throughputRatio(cached, uncached),
      warmVsBare: throughputRatio(cached, ceiling),
    };
    const table = latencyTable(
      `Cache (${SIZE.toLocaleString('en')} favourites, c=${CONNECTIONS}, ${ROUNDS} x ${SECONDS} s interleaved)`,
      '`GET /favorites?limit=20`',
      summary,
      `Cache warm vs cache off: ${ratios.warmVsOff.toFixed(2)}x; cache warm vs bare node:http: ` +
        `${ratios.warmVsBare.toFixed(2)}x (medians of per-round ratios).`,
    );
    await report('cache', table, { quick, summary, ratios });
  } finally {
    redis.disconnect();
    await cold.stop();
  }
}

runBenchmark(main, { fresh, env: { REDIS_URL, JWT_SECRET } });
