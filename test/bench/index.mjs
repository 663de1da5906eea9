// `npm run bench`: every benchmark, one after another (they would skew each other side by side).
// Arguments such as `--quick` or `--fresh` are passed on to each.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const BENCHMARKS = [
  'list-latency.mjs',
  'cache.mjs',
  'stream.mjs',
  'overload.mjs',
  'account-deletion.mjs',
];

for (const bench of BENCHMARKS) {
  console.error(`\n== ${bench} ${process.argv.slice(2).join(' ')}`);
  const run = spawnSync(process.execPath, [join(HERE, bench), ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  if (run.status !== 0) {
    console.error(`${bench} failed (exit ${run.status ?? run.signal})`);
    process.exit(1);
  }
}
