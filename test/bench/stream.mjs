// `npm run bench:stream`: streams one user's whole list as NDJSON from the built service and
// compares it with psql copying the same rows (COPY ... TO STDOUT) to /dev/null. Per list size: rows/s, time to first
// byte, and the service's peak RSS over each stream alone, so memory growth with the list shows
// (or does not).
import {
  median,
  mib,
  parseArgs,
  psqlCopySeconds,
  report,
  runBenchmark,
  seedFavorites,
  streamOnce,
  streamWithPeak,
  userToken,
} from './support.mjs';

const { quick, fresh } = parseArgs();
const SIZES = quick ? [10_000, 100_000] : [100_000, 1_000_000];
const ROUNDS = quick ? 1 : 5;

async function main(service) {
  const users = [];
  for (const size of SIZES) {
    const { token, userId } = await userToken(service.base, `bench-stream-${size}@bench.local`);
    const seed = await seedFavorites(userId, size);
    if (seed.seeded) console.error(`seeded ${size} favourites in ${seed.seconds.toFixed(1)} s`);
    users.push({ size, token, userId });
  }

  // Warm the code paths, a pooled connection and the heap: one stream of each size first (the
  // service's RSS settles over its first streams), the peak over start-up and warm-up kept.
  for (const { token } of users) await streamOnce(service.base, token);
  const baseline = service.memory();

  // Each stream's own peak RSS (VmHWM reset before it); the sizes take turns going first.
  const bySize = new Map(users.map(({ size }) => [size, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const { size, token, userId } of round % 2 ? [...users].reverse() : users) {
      const run = await streamWithPeak(service, token);
      if (run.lines !== size || run.last.error) {
        throw new Error(
          `stream of ${size} gave ${run.lines} lines, last ${JSON.stringify(run.last)}`,
        );
      }
      if (run.first.id <= run.last.id) throw new Error('stream is not newest first');
      const psqlSeconds = psqlCopySeconds(userId);
      bySize.get(size).push({
        rowsPerSecond: size / run.seconds,
        psqlRowsPerSecond: size / psqlSeconds,
        ratio: psqlSeconds / run.seconds,
        firstByteMs: run.firstByteMs,
        megabytes: mib(run.bytes),
        peakRssMiB: mib(run.peakRss),
      });
    }
  }
  const results = users.map(({ size }) => {
    const rounds = bySize.get(size);
    return {
      size,
      rowsPerSecond: median(rounds.map((r) => r.rowsPerSecond)),
      psqlRowsPerSecond: median(rounds.map((r) => r.psqlRowsPerSecond)),
      ratio: median(rounds.map((r) => r.ratio)),
      firstByteMs: median(rounds.map((r) => r.firstByteMs)),
      megabytes: rounds[0].megabytes,
      peakRssMiB: median(rounds.map((r) => r.peakRssMiB)),
      rounds,
    };
  });

  const [small, large] = results;
  // Per round, the large list's stream against the small one's: memory that grows with the list.
  const growthMiB = median(large.rounds.map((r, i) => r.peakRssMiB - small.rounds[i].peakRssMiB));
  const peakMiB = Math.max(
    mib(baseline.peak),
    ...results.flatMap((r) => r.rounds.map((x) => x.peakRssMiB)),
  );
  const table = [
    `# Stream benchmark (${quick ? 'quick' : `${ROUNDS} rounds`}, ${new Date().toISOString()})`,
    '',
    `Service RSS after warm-up (one stream of each size): ${mib(baseline.rss).toFixed(1)} MiB; cold start ${service.coldStartMs.toFixed(0)} ms. ` +
      "Peak RSS: each stream's own (VmHWM reset before it), median over rounds.",
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
    `Peak RSS growth from ${small.size.toLocaleString('en')} to ${large.size.toLocaleString('en')} ` +
      `(median of the per-round differences): ${growthMiB.toFixed(1)} MiB. ` +
      `Highest RSS of the run, start-up and warm-up included: ${peakMiB.toFixed(1)} MiB.`,
    '',
  ].join('\n');
  await report('stream', table, { quick, results, growthMiB, peakMiB });
}

runBenchmark(main, { fresh });
