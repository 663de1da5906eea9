// `npm run bench:profile -- <scenario>`: where the service spends its CPU on one hot path. Starts
// the built service with --cpu-prof, loads one endpoint with support.mjs's load generator (c=50),
// stops the service and prints the profile's self time by function and by file or package,
// heaviest first. The .cpuprofile stays in bench-results/profiles/ (open it in Chrome DevTools
// for the call tree).
// Scenarios: warm (GET /favorites?limit=20 from Redis), off (the same from PostgreSQL), write
// (POST /favorites), hello (GET /health/live), stream (the NDJSON stream of a 100,000-favourite
// list, read again and again), start (the cold start alone: spawn to the first answer).
// Options: --seconds=N (default 10).
// --perf (warm, off, write, hello; Linux `perf` needed): Linux perf's sampler instead of V8's,
// on the service and then on the bare Fastify prototype on the same path, side by side in µs of
// CPU per request by kind of work (JS code, promise machinery, property lookups, GC, hashing,
// strings, kernel...). V8's sampler puts a native call's time where it happened to sample; perf
// sees native code, the kernel and V8's builtins as they are (ADR-0042).
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
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
  startPrototype,
  startService,
  streamOnce,
  userToken,
} from './support.mjs';

const argv = process.argv.slice(2);
const scenario = argv.find((arg) => !arg.startsWith('--')) ?? 'warm';
const seconds = numberOption('seconds', 10);
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const SIZE = 10_000;
const PERF = argv.includes('--perf');

/** Kinds of work, by symbol, in the order they are tried (the first match wins). */
const KINDS = [
  [
    'GC',
    /Scaveng|Heap::|MarkCompact|Sweeper|Evacuat|IteratePointers|GCTracer|Marking|Remembered|SlotSet|RecordWrite|heap::base|MemoryAllocator|Worklist|PagedSpace|SemiSpace|NewSpace|MinorMS|cppgc/,
  ],
  ['hashing (OpenSSL)', /sha256|sha1|EVP_|HMAC|ossl_|CRYPTO_|OPENSSL/],
  [
    'promises, async functions',
    /Promise|Microtask|Generator|Await|AsyncFunction|AsyncContext|AsyncLocal/,
  ],
  [
    'property lookups (ICs)',
    /IC_|LoadIC|StoreIC|GetProperty|SetProperty|KeyedLoad|KeyedStore|HasProperty|LoadGlobal|DefineKeyed|CloneObject|ObjectAssign|CreateObjectLiteral|CreateShallow/,
  ],
  [
    'strings, JSON, regexps',
    /String|Utf8|utf8|Latin1|latin1|simdutf|RegExp|Regex|Flatten|Json|JSON|Number|Internalize/,
  ],
  ['buffers, typed arrays', /TypedArray|ArrayBuffer|Buffer/],
  ['calls, other builtins', /Call|Construct|Builtins_|Interpreter|Baseline|Deopt|Runtime_|JSEntry/],
  ['libuv, node internals', /uv_|epoll|StreamBase|StreamWrap|TCPWrap|node::/],
  ['malloc, memcpy', /malloc|free|memmove|memcpy|memset|_int_/],
];

/** Shares of a perf recording's samples (percent) by kind of work, and by JavaScript function. */
function perfKinds(dataFile) {
  const report = spawnSync(
    'perf',
    ['report', '-i', dataFile, '--no-children', '--sort', 'dso,sym', '--stdio', '-g', 'none'],
    { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
  );
  if (report.status !== 0) throw new Error(`perf report failed: ${report.stderr}`);
  const kinds = new Map();
  const functions = [];
  for (const line of report.stdout.split('\n')) {
    const row = /^\s+([\d.]+)%\s+(\[JIT\] tid \d+|\S+)\s+\[.\]\s+(.*)$/.exec(line);
    if (!row) continue;
    const [, percent, dso, symbol] = row;
    const kind = dso.startsWith('[kernel')
      ? 'kernel'
      : dso.startsWith('[JIT]')
        ? 'JS code (JIT-compiled)'
        : (KINDS.find(([, pattern]) => pattern.test(symbol))?.[0] ?? 'other native');
    kinds.set(kind, (kinds.get(kind) ?? 0) + Number(percent));
    if (dso.startsWith('[JIT]')) functions.push([symbol.replace(`${ROOT}/`, ''), Number(percent)]);
  }
  return { kinds, functions };
}

/**
 * Loads `target` on `server` while perf samples it (cpu-clock, call graphs; JIT code named
 * through --perf-basic-prof), and returns its CPU time per request split by kind of work.
 */
async function perfProfile(server, target, name, dir) {
  await load(target.url, { ...target, seconds: 3 });
  const dataFile = join(dir, `perf-${scenario}-${name}-${Date.now()}.data`);
  const perf = spawn(
    'perf',
    [
      'record',
      '-q',
      '-e',
      'cpu-clock',
      '-F',
      '999',
      '-g',
      '-p',
      String(server.pid),
      '-o',
      dataFile,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const recorded = new Promise((resolveExit) => perf.once('exit', resolveExit));
  await sleep(200);
  const cpuBefore = server.cpuMicros();
  const result = await load(target.url, { ...target, seconds });
  const cpuUs = (server.cpuMicros() - cpuBefore) / result.requests;
  perf.kill('SIGINT');
  await recorded;
  // JIT code is named from the process's /tmp/perf-<pid>.map, removed once the process stops.
  const { kinds, functions } = perfKinds(dataFile);
  console.log(
    `${name}, ${target.method ?? 'GET'} ${new URL(target.url).pathname}: ` +
      `${Math.round(result.requestsPerSecond)} req/s, p99 ${result.p99} ms, ` +
      `${cpuUs.toFixed(0)} µs CPU/request (${dataFile}); heaviest JavaScript, µs per request:`,
  );
  for (const [symbol, share] of functions.slice(0, 12)) {
    console.log(`${((share * cpuUs) / 100).toFixed(2).padStart(7)}  ${symbol}`);
  }
  return {
    cpuUs,
    perUs: new Map([...kinds].map(([kind, share]) => [kind, (share * cpuUs) / 100])),
  };
}

/** The two profiles side by side, the kinds where the service spends most beyond the prototype first. */
function perfTable(service, prototype) {
  const kinds = [...new Set([...service.perUs.keys(), ...prototype.perUs.keys()])];
  const us = (p, kind) => p.perUs.get(kind) ?? 0;
  kinds.sort((a, b) => us(service, b) - us(prototype, b) - (us(service, a) - us(prototype, a)));
  const row = (label, a, b) =>
    `${label.padEnd(28)} ${a.toFixed(1).padStart(8)} ${b.toFixed(1).padStart(10)} ${(a - b).toFixed(1).padStart(8)}`;
  return [
    `${'µs of CPU per request'.padEnd(28)} ${'service'.padStart(8)} ${'prototype'.padStart(10)} ${'more'.padStart(8)}`,
    ...kinds.map((kind) => row(kind, us(service, kind), us(prototype, kind))),
    row('total', service.cpuUs, prototype.cpuUs),
  ].join('\n');
}

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
  if (PERF && (scenario === 'start' || scenario === 'stream')) {
    throw new Error(`--perf profiles a loaded path: warm, off, write or hello, not ${scenario}`);
  }
  // V8's profile: the tsc build, not the bundle the service runs as (ADR-0037): the same code,
  // but each sample keeps its own file, so its package. The `start` profile is of that build's
  // start-up. perf's: the bundle, as deployed (perf's view is by kind of work, not by file).
  const service = await startService(
    env,
    PERF
      ? { nodeArgs: ['--perf-basic-prof'] }
      : {
          nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
          script: join(SERVICE_DIST, 'main.js'),
        },
  );
  let perfRun;
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
      if (PERF) {
        perfRun = { target, service: await perfProfile(service, target, 'service', dir) };
      } else {
        await load(target.url, { ...target, seconds: 3 });
        const result = await load(target.url, { ...target, seconds });
        console.log(
          `${scenario}: ${Math.round(result.requestsPerSecond)} req/s, p99 ${result.p99} ms`,
        );
      }
    }
  } finally {
    redis.disconnect();
    await service.stop();
    rmSync(`/tmp/perf-${service.pid}.map`, { force: true });
  }
  if (perfRun) {
    const path = {
      warm: '/cached/favorites?limit=20',
      off: '/db/favorites?limit=20',
      hello: '/hello',
      write: '/favorites',
    }[scenario];
    await profilePrototype({ ...perfRun.target, path, env }, perfRun.service, dir);
    return;
  }
  const written = (await readdir(dir)).filter((f) => !before.has(f) && f.endsWith('.cpuprofile'));
  for (const file of written) {
    console.log(`\n${join(dir, file)}\n`);
    // The measured run and the service's shutdown after it.
    const profile = JSON.parse(await readFile(join(dir, file), 'utf8'));
    console.log(summarise(profile, window));
  }
}

/** The bare Fastify prototype on the same path, under perf, then both side by side. */
async function profilePrototype({ path, env, ...target }, profiled, dir) {
  const prototype = await startPrototype(
    { REDIS_URL: env.REDIS_URL, JWT_SECRET: env.JWT_SECRET },
    { nodeArgs: ['--perf-basic-prof'] },
  );
  try {
    const reference = await perfProfile(
      prototype,
      { ...target, url: `${prototype.base}${path}` },
      'prototype',
      dir,
    );
    console.log(`\n${perfTable(profiled, reference)}`);
  } finally {
    await prototype.stop();
    rmSync(`/tmp/perf-${prototype.pid}.map`, { force: true });
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
