// `npm run bench:stream`: streams one user's whole list as NDJSON from the built service and
// compares it with psql copying the same rows to /dev/null. Per list size: rows/s, time to first
// byte, and the service's peak RSS, so memory growth with the list shows (or does not).
import { spawnSync } from 'node:child_process';
import { request } from 'node:http';

import {
  databaseUrl,
  median,
  mib,
  parseArgs,
  report,
  runBenchmark,
  seedFavorites,
  userToken,
} from './support.mjs';

const { quick, fresh } = parseArgs();
const SIZES = quick ? [10_000, 100_000] : [100_000, 1_000_000];
const ROUNDS = quick ? 1 : 3;

/** The same rows, in the same order and the same JSON text, as the service's stream query. */
const ISO_MS = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;
const referenceSql = (userId) => `SELECT (
    jsonb_build_object('id', id, 'type', type, 'name', name, 'description', description)
    || payload
    || jsonb_build_object(
         'createdAt', to_char(created_at AT TIME ZONE 'UTC', ${ISO_MS}),
         'updatedAt', to_char(updated_at AT TIME ZONE 'UTC', ${ISO_MS}))
  )::text FROM favorites WHERE user_id = '${userId}' ORDER BY created_at DESC, id DESC`;

function psqlCopySeconds(userId) {
  const started = performance.now();
  const result = spawnSync(
    'psql',
    ['-X', '-q', databaseUrl(), '-c', `\\copy (${referenceSql(userId)}) to '/dev/null'`],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  if (result.status !== 0) throw new Error(`psql failed: ${result.stderr}`);
  return (performance.now() - started) / 1000;
}

/** Reads the whole stream, counting lines; checks it is complete and in order. */
function streamOnce(base, token) {
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

async function main(service) {
  const results = [];
  const users = [];
  for (const size of SIZES) {
    const { token, userId } = await userToken(service.base, `bench-stream-${size}@bench.local`);
    const seed = await seedFavorites(userId, size);
    if (seed.seeded) console.error(`seeded ${size} favourites in ${seed.seconds.toFixed(1)} s`);
    users.push({ size, token, userId });
  }

  // Warm the code paths and a pooled connection, then start counting peak memory from here.
  await streamOnce(service.base, users[0].token);
  const baseline = service.memory();

  for (const { size, token, userId } of users) {
    const rounds = [];
    for (let round = 0; round < ROUNDS; round++) {
      const run = await streamOnce(service.base, token);
      if (run.lines !== size || run.last.error) {
        throw new Error(
          `stream of ${size} gave ${run.lines} lines, last ${JSON.stringify(run.last)}`,
        );
      }
      if (run.first.id <= run.last.id) throw new Error('stream is not newest first');
      const psqlSeconds = psqlCopySeconds(userId);
      rounds.push({
        rowsPerSecond: size / run.seconds,
        psqlRowsPerSecond: size / psqlSeconds,
        ratio: psqlSeconds / run.seconds,
        firstByteMs: run.firstByteMs,
        megabytes: mib(run.bytes),
      });
    }
    results.push({
      size,
      rowsPerSecond: median(rounds.map((r) => r.rowsPerSecond)),
      psqlRowsPerSecond: median(rounds.map((r) => r.psqlRowsPerSecond)),
      ratio: median(rounds.map((r) => r.ratio)),
      firstByteMs: median(rounds.map((r) => r.firstByteMs)),
      megabytes: rounds[0].megabytes,
      peakRssMiB: mib(service.memory().peak),
      rounds,
    });
  }

  const [small, large] = results;
  const growthMiB = large.peakRssMiB - small.peakRssMiB;
  const table = [
    `# Stream benchmark (${quick ? 'quick' : `${ROUNDS} rounds`}, ${new Date().toISOString()})`,
    '',
    `Service RSS after warm-up: ${mib(baseline.rss).toFixed(1)} MiB; cold start ${service.coldStartMs.toFixed(0)} ms.`,
    '',
    '| favourites | body MiB | rows/s | psql \\copy rows/s | vs psql | TTFB ms | peak RSS MiB |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...results.map(
      (r) =>
        `| ${r.size.toLocaleString('en')} | ${r.megabytes.toFixed(1)} | ${Math.round(r.rowsPerSecond).toLocaleString('en')} | ` +
        `${Math.round(r.psqlRowsPerSecond).toLocaleString('en')} | ${r.ratio.toFixed(2)}x | ` +
        `${r.firstByteMs.toFixed(1)} | ${r.peakRssMiB.toFixed(1)} |`,
    ),
    '',
    `Peak RSS growth from ${small.size.toLocaleString('en')} to ${large.size.toLocaleString('en')}: ${growthMiB.toFixed(1)} MiB.`,
    '',
  ].join('\n');
  await report('stream', table, { quick, results, growthMiB });
}

runBenchmark(main, { fresh });
