// `npm run bench:account`: what DELETE /me costs for an account of 1,000,000 favourites. Measures
// the response time of DELETE /me (the account gone at once), how long the background purge takes
// to remove every row, another user's `GET /favorites?limit=20` (cache off: PostgreSQL) before and
// during the purge, and, for comparison, the one synchronous statement the purge replaces:
// `DELETE FROM users` cascading to the same number of favourites.
import { setTimeout as sleep } from 'node:timers/promises';

import pg from 'pg';

import {
  databaseUrl,
  latencyTable,
  load,
  parseArgs,
  report,
  runBenchmark,
  seedFavorites,
  summarise,
  userToken,
} from './support.mjs';

const { quick, fresh } = parseArgs();
const SIZE = quick ? 100_000 : 1_000_000;
const CONNECTIONS = 10;

async function timed(run) {
  const started = performance.now();
  const result = await run();
  return { ms: performance.now() - started, result };
}

async function main(service) {
  const db = new pg.Client({ connectionString: databaseUrl() });
  await db.connect();
  try {
    // Fresh accounts each run: deleted ones are gone.
    const stamp = Date.now();
    const reader = await userToken(service.base, `bench-account-reader@bench.local`);
    await seedFavorites(reader.userId, 1_000);
    const doomed = await userToken(service.base, `bench-account-${stamp}@bench.local`);
    const seeded = await timed(() => seedFavorites(doomed.userId, SIZE));
    console.error(`seeded ${SIZE} favourites in ${(seeded.ms / 1000).toFixed(1)} s`);

    const page = `${service.base}/favorites?limit=20`;
    const headers = { authorization: `Bearer ${reader.token}` };
    const idle = { name: 'another user, purge idle', rounds: [] };
    const busy = { name: 'another user, during the purge', rounds: [] };
    await load(page, { headers, connections: CONNECTIONS, seconds: 2 });
    idle.rounds.push(await load(page, { headers, connections: CONNECTIONS, seconds: 3 }));

    const deleted = await timed(() =>
      fetch(`${service.base}/me`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${doomed.token}` },
      }),
    );
    if (deleted.result.status !== 204) throw new Error(`DELETE /me: ${deleted.result.status}`);
    const purgeStarted = performance.now() - deleted.ms;
    busy.rounds.push(await load(page, { headers, connections: CONNECTIONS, seconds: 3 }));
    const gone = async () =>
      (await db.query('SELECT 1 FROM users WHERE id = $1', [doomed.userId])).rowCount === 0;
    while (!(await gone())) await sleep(50);
    const purgeMs = performance.now() - purgeStarted;

    // The alternative: one statement cascading to every row, while the request waits.
    const cascaded = await userToken(service.base, `bench-account-sync-${stamp}@bench.local`);
    await seedFavorites(cascaded.userId, SIZE);
    const cascade = await timed(() =>
      db.query('DELETE FROM users WHERE id = $1', [cascaded.userId]),
    );

    const summary = summarise([idle, busy]);
    const table = latencyTable(
      `Account deletion (${SIZE.toLocaleString('en')} favourites; reader c=${CONNECTIONS}, cache off)`,
      '`GET /favorites?limit=20`',
      summary,
      `DELETE /me answered in ${deleted.ms.toFixed(0)} ms; the background purge removed ` +
        `${SIZE.toLocaleString('en')} favourites in ${(purgeMs / 1000).toFixed(1)} s ` +
        `(${Math.round(SIZE / (purgeMs / 1000)).toLocaleString('en')} rows/s). ` +
        `The synchronous cascade it replaces (one DELETE FROM users) took ` +
        `${(cascade.ms / 1000).toFixed(1)} s.`,
    );
    await report('account-deletion', table, {
      quick,
      size: SIZE,
      deleteMeMs: deleted.ms,
      purgeMs,
      cascadeMs: cascade.ms,
      summary,
    });
  } finally {
    await db.end();
  }
}

runBenchmark(main, { fresh, env: { CACHE_ENABLED: 'false' } });
