// `npm run bench:profile -- <scenario>`: where the service spends its CPU on one hot path. Starts
// the built service with --cpu-prof, loads one endpoint with autocannon (c=50), stops the service
// and prints the profile's self time by function and by file or package, heaviest first. The
// .cpuprofile stays in bench-results/profiles/ (open it in Chrome DevTools for the call tree).
// Scenarios: warm (GET /favorites?limit=20 from Redis), off (the same from PostgreSQL), write
// (POST /favorites), hello (GET /health/live), stream (the NDJSON stream of a 100,000-favourite
// list, read again and again), start (the cold start alone: spawn to the first answer).
// Options: --seconds=N (default 10).
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import Redis from 'ioredis';

import {
  ensureDatabase,
  load,
  numberOption,
  ROOT,
  seedFavorites,
  SERVICE_DIST,
  startService,
  streamOnce,
  userToken,
} from './support.mjs';

const argv = process.argv.slice(2);
const scenario = argv.find((arg) => !arg.startsWith('--')) ?? 'warm';
const seconds = numberOption('seconds', 10);
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const SIZE = 10_000;

/**
 * Self time per function and per file (node_modules collapsed to the package), counting only the
 * samples of the last `windowSeconds` before the profile ends (the load, not the start-up).
 */
function summarise(profile, windowSeconds, top = 25) {
  const byFunction = new Map();
  const byFile = new Map();
  const deltas = profile.timeDeltas;
  const from = profile.endTime - windowSeconds * 1e6;
  const selfUs = new Map();
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    at += deltas[i] ?? 0;
    if (at >= from) selfUs.set(id, (selfUs.get(id) ?? 0) + (deltas[i] ?? 0));
  });
  let total = 0;
  for (const node of profile.nodes) {
    const us = selfUs.get(node.id) ?? 0;
    total += us;
    const { functionName, url, lineNumber } = node.callFrame;
    const path = url.replace(/^file:\/\//, '');
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1];
    const file = pkg ?? (path ? relative(ROOT, path) : `(${functionName || 'native'})`);
    const fn = `${functionName || '(anonymous)'} ${file}${path ? `:${lineNumber + 1}` : ''}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
    byFile.set(file, (byFile.get(file) ?? 0) + us);
  }
  const lines = (map, count = top) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(([name, us]) => `${((100 * us) / total).toFixed(1).padStart(5)}%  ${name}`);
  // Inclusive time of the service's own functions (not counted twice when nested in themselves).
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const inclusive = new Map();
  const walk = (node, open) => {
    const { functionName, url, lineNumber } = node.callFrame;
    const ours = url.includes('/dist/') && !url.includes('node_modules');
    const key = ours
      ? `${functionName || '(anonymous)'} ${relative(ROOT, url.replace(/^file:\/\//, ''))}:${lineNumber + 1}`
      : undefined;
    const inside = key && !open.has(key) ? new Set(open).add(key) : open;
    const us = selfUs.get(node.id) ?? 0;
    for (const k of inside) inclusive.set(k, (inclusive.get(k) ?? 0) + us);
    for (const child of node.children ?? []) walk(nodes.get(child), inside);
  };
  walk(profile.nodes[0], new Set());
  return [
    'by file or package:',
    ...lines(byFile),
    '',
    'by function:',
    ...lines(byFunction),
    '',
    "the service's functions, inclusive:",
    ...lines(inclusive, 40),
  ].join('\n');
}

async function main() {
  await ensureDatabase();
  const dir = join(ROOT, 'bench-results/profiles');
  await mkdir(dir, { recursive: true });
  const env = {
    REDIS_URL,
    JWT_SECRET: randomBytes(48).toString('base64'),
    LOG_LEVEL: 'error',
    ...(scenario === 'off' ? { CACHE_ENABLED: 'false' } : {}),
  };
  const before = new Set(await readdir(dir));
  // The tsc build, not the bundle the service runs as (ADR-0037): the same code, but each sample
  // keeps its own file, so its package. The `start` profile is of that build's start-up.
  const service = await startService(env, {
    nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
    script: join(SERVICE_DIST, 'main.js'),
  });
  const redis = new Redis(REDIS_URL);
  let window = seconds + 1;
  try {
    if (scenario === 'start') {
      console.log(`cold start ${Math.round(service.coldStartMs)} ms`);
      window = 600;
    } else if (scenario === 'stream') {
      const size = 100_000;
      const user = await userToken(service.base, `bench-run-${size}@bench.local`);
      await seedFavorites(user.userId, size);
      await streamOnce(service.base, user.token);
      const until = performance.now() + seconds * 1000;
      let rows = 0;
      const started = performance.now();
      while (performance.now() < until) rows += (await streamOnce(service.base, user.token)).lines;
      window = (performance.now() - started) / 1000 + 1;
      console.log(`stream: ${Math.round(rows / (window - 1))} rows/s`);
    } else {
      const user = await userToken(service.base, `bench-run-${SIZE}@bench.local`);
      await seedFavorites(user.userId, SIZE);
      const headers = { authorization: `Bearer ${user.token}`, accept: 'application/json' };
      const m = `fav:{u:${user.userId}}:m`;
      await fetch(`${service.base}/favorites?limit=20`, { headers }).then((r) => r.text());
      if (scenario === 'warm') {
        for (let i = 0; (await redis.hget(m, 'w')) !== '1'; i++) {
          if (i > 600) throw new Error('not cached within 60 s');
          await sleep(100);
        }
      }
      const target = {
        warm: { url: `${service.base}/favorites?limit=20`, headers },
        off: { url: `${service.base}/favorites?limit=20`, headers },
        hello: { url: `${service.base}/health/live`, headers: {} },
        write: {
          url: `${service.base}/favorites`,
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify({ type: 'insight', name: 'Profiled', content: 'x' }),
        },
      }[scenario];
      if (!target) throw new Error(`unknown scenario ${scenario}`);
      await load(target.url, { ...target, seconds: 3 });
      const result = await load(target.url, { ...target, seconds });
      console.log(
        `${scenario}: ${Math.round(result.requestsPerSecond)} req/s, p99 ${result.p99} ms`,
      );
    }
  } finally {
    redis.disconnect();
    await service.stop();
  }
  const written = (await readdir(dir)).filter((f) => !before.has(f) && f.endsWith('.cpuprofile'));
  for (const file of written) {
    console.log(`\n${join(dir, file)}\n`);
    // The measured run and the service's shutdown after it.
    const profile = JSON.parse(await readFile(join(dir, file), 'utf8'));
    console.log(summarise(profile, window));
  }
}

if (process.argv[2] === '--summarise') {
  const profile = JSON.parse(await readFile(process.argv[3], 'utf8'));
  console.log(summarise(profile, Number(process.argv[4] ?? 11)));
} else
  main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
