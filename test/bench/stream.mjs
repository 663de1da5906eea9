// `npm run bench:stream`: streams one user's whole list as NDJSON from the built service and
// compares it with psql copying the same rows (COPY ... TO STDOUT) to /dev/null. Per list size: rows/s, time to first
// byte, and the service's peak RSS, so memory growth with the list shows (or does not).
import {
  median,
  mib,
  parseArgs,
  psqlCopySeconds,
  report,
  runBenchmark,
  seedFavorites,
  streamOnce,
  userToken,
} from './support.mjs';

const { quick, fresh } = parseArgs();
const SIZES = quick ? [10_000, 100_000] : [100_000, 1_000_000];
const ROUNDS = quick ? 1 : 3;

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
    '| favourites | body MiB | rows/s | psql COPY rows/s | vs psql | TTFB ms | peak RSS MiB |',
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
