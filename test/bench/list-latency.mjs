// `npm run bench:list`: does a page cost the same at any depth of any list? Measures
// `GET /favorites?limit=20` on the first page and on a deep keyset page (90% of the way down) of
// a small and a large list, under the load generator (support.mjs) at c=50, in interleaved
// rounds, and prints the medians and the median of the per-round throughput ratios (deep page of
// the large list against first page of the small one).
import {
  latencyTable,
  load,
  parseArgs,
  report,
  runBenchmark,
  seedFavorites,
  summarise,
  throughputRatio,
  userToken,
} from './support.mjs';

const { quick, fresh } = parseArgs();
const SMALL = 1_000;
const LARGE = quick ? 100_000 : 1_000_000;
const ROUNDS = quick ? 1 : 3;
const SECONDS = quick ? 3 : 10;
const CONNECTIONS = 50;
const LIMIT = 20;

async function getJson(url, token) {
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  if (!response.ok) throw new Error(`${url}: ${response.status} ${await response.text()}`);
  return response.json();
}

async function main(service) {
  const scenarios = [];
  const users = new Map();
  for (const [size, depth] of [
    [SMALL, 'first'],
    [SMALL, 'deep'],
    [LARGE, 'first'],
    [LARGE, 'deep'],
  ]) {
    if (!users.has(size)) {
      const user = await userToken(service.base, `bench-list-${size}@bench.local`);
      const seed = await seedFavorites(user.userId, size);
      if (seed.seeded) console.error(`seeded ${size} favourites in ${seed.seconds.toFixed(1)} s`);
      users.set(size, user);
    }
    const { token } = users.get(size);
    let url = `${service.base}/favorites?limit=${LIMIT}`;
    if (depth === 'deep') {
      // One offset read (slow once) hands over the keyset cursor 90% of the way down.
      const page = Math.floor((0.9 * size) / LIMIT);
      const { nextCursor, total } = await getJson(`${url}&page=${page}`, token);
      if (total !== size || !nextCursor) throw new Error(`deep page of ${size}: no cursor`);
      url = `${url}&cursor=${encodeURIComponent(nextCursor)}`;
    }
    const body = await getJson(url, token);
    if (body.data.length !== LIMIT || body.total !== size) {
      throw new Error(`${url}: ${body.data.length} rows of ${body.total}`);
    }
    scenarios.push({
      name: `${depth} page of ${size.toLocaleString('en')}`,
      url,
      token,
      rounds: [],
    });
  }

  // Warm every pooled connection and the code paths before measuring.
  const run = (s, seconds) =>
    load(s.url, {
      headers: { authorization: `Bearer ${s.token}`, accept: 'application/json' },
      connections: CONNECTIONS,
      seconds,
    });
  for (const scenario of scenarios) await run(scenario, 2);
  for (let round = 0; round < ROUNDS; round++) {
    for (const scenario of scenarios) scenario.rounds.push(await run(scenario, SECONDS));
  }

  const ratio = throughputRatio(scenarios[3], scenarios[0]);
  const summary = summarise(scenarios);
  const table = latencyTable(
    `List latency (c=${CONNECTIONS}, ${ROUNDS} x ${SECONDS} s interleaved)`,
    '`GET /favorites?limit=20`',
    summary,
    `Deep page of ${LARGE.toLocaleString('en')} vs first page of ${SMALL.toLocaleString('en')} ` +
      `(median of per-round ratios): ${ratio.toFixed(2)}x.`,
  );
  await report('list-latency', table, {
    quick,
    connections: CONNECTIONS,
    seconds: SECONDS,
    summary,
    ratio,
  });
}

// PostgreSQL's keyset pages, not the cache: bench:cache measures that.
runBenchmark(main, { fresh, env: { CACHE_ENABLED: 'false' } });
