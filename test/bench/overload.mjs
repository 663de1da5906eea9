// `npm run bench:overload`: what load shedding buys under overload. Measures the sustainable rate
// of `GET /favorites?limit=20` (1,000 favourites, cache off: every read goes to PostgreSQL) as the
// throughput at c=50 (support.mjs's load generator, which also proves the default limits shed
// nothing there), then offers 3x that rate as an open model - requests arrive on a fixed schedule
// whether or not earlier ones were answered, each given up after 5 s - to an instance with the
// default shedding limits and to one with shedding off. Latency is counted from each request's
// scheduled arrival, so time spent waiting for a free connection on the client counts too.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import { offerOpenLoad } from './open-model.mjs';
import {
  load,
  parseArgs,
  report,
  runBenchmark,
  seedFavorites,
  startService,
  userToken,
} from './support.mjs';

const { quick, fresh } = parseArgs();
const SIZE = 1_000;
const CAPACITY_SECONDS = quick ? 3 : 10;
const OVERLOAD_SECONDS = quick ? 5 : 15;
const OVERLOAD_FACTOR = 3;
const CONNECTIONS = 50;
/** A client's patience: past it the request is abandoned (and counted as a timeout). */
const CLIENT_TIMEOUT_MS = 5000;
/**
 * Keep-alive connections to the instance, opened before the run, as a load balancer's pool:
 * requests finding none free wait on the client, their clock running from their arrival.
 */
const MAX_SOCKETS = 256;
/** The bound the admitted requests' p99 must keep under overload (see ADR "Load shedding"). */
const P99_BOUND_MS = 1000;
const SERVICE_ENV = {
  CACHE_ENABLED: 'false',
  // Both instances verify the same tokens.
  JWT_SECRET: randomBytes(48).toString('base64'),
  // Abandoned requests are logged at warn (499), thousands of lines here: not what is measured.
  LOG_LEVEL: 'error',
};

/** The worst event-loop delay since the last scrape (prom-client resets it on every scrape). */
async function eventLoopLagMaxMs(base) {
  const text = await (await fetch(`${base}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('nodejs_eventloop_lag_max_seconds '));
  return line ? Number(line.split(' ')[1]) * 1000 : Number.NaN;
}

const ms = (value) => (Number.isFinite(value) ? Math.round(value).toLocaleString('en') : '-');
const pct = (share) => `${(share * 100).toFixed(1)}%`;

async function main(shedding) {
  const unprotected = await startService({
    ...SERVICE_ENV,
    LOAD_SHEDDING_MAX_IN_FLIGHT: '0',
    LOAD_SHEDDING_LOOP_DELAY_MS: '0',
  });
  try {
    const { token, userId } = await userToken(shedding.base, `bench-list-${SIZE}@bench.local`);
    const seed = await seedFavorites(userId, SIZE);
    if (seed.seeded) console.error(`seeded ${SIZE} favourites in ${seed.seconds.toFixed(1)} s`);
    const headers = { authorization: `Bearer ${token}`, accept: 'application/json' };
    const path = '/favorites?limit=20';

    // Sustainable rate: closed-loop throughput at c=50 on the instance with shedding on, after a
    // warm-up of both; load() fails on any non-2xx, so a shed request here fails the run.
    for (const service of [shedding, unprotected]) {
      await load(`${service.base}${path}`, { headers, connections: CONNECTIONS, seconds: 2 });
    }
    await eventLoopLagMaxMs(shedding.base);
    const capacity = await load(`${shedding.base}${path}`, {
      headers,
      connections: CONNECTIONS,
      seconds: CAPACITY_SECONDS,
    });
    capacity.eventLoopLagMaxMs = await eventLoopLagMaxMs(shedding.base);
    const rate = Math.round(capacity.requestsPerSecond * OVERLOAD_FACTOR);
    console.error(
      `sustainable: ${Math.round(capacity.requestsPerSecond)} req/s; offering ${rate} req/s`,
    );

    const runs = [];
    for (const [name, service] of [
      ['shedding on (defaults)', shedding],
      ['shedding off', unprotected],
    ]) {
      await eventLoopLagMaxMs(service.base);
      const result = await offerOpenLoad(service.base, {
        path,
        headers,
        rate,
        seconds: OVERLOAD_SECONDS,
        timeoutMs: CLIENT_TIMEOUT_MS,
        maxSockets: MAX_SOCKETS,
      });
      result.eventLoopLagMaxMs = await eventLoopLagMaxMs(service.base);
      runs.push({ name, ...result });
      // Let the abandoned requests drain before the next run.
      await sleep(2000);
    }

    const [on, off] = runs;
    const bounded = on.p99 < P99_BOUND_MS;
    const table = [
      `# Overload (${new Date().toISOString()})`,
      '',
      `\`GET /favorites?limit=20\`, ${SIZE.toLocaleString('en')} favourites, cache off. Sustainable ` +
        `rate: ${Math.round(capacity.requestsPerSecond).toLocaleString('en')} req/s at c=${CONNECTIONS} ` +
        `(p50 ${capacity.p50} ms, p99 ${capacity.p99} ms, event loop at most ` +
        `${ms(capacity.eventLoopLagMaxMs)} ms late, no request shed). Offered ${OVERLOAD_FACTOR}x ` +
        `that as an open model for ${OVERLOAD_SECONDS} s, client timeout ${CLIENT_TIMEOUT_MS / 1000} s, ` +
        `up to ${MAX_SOCKETS} connections; latency from each request's scheduled arrival.`,
      '',
      '| run | offered req/s | admitted (2xx) req/s | shed (503) | timeouts | p50 ms | p99 ms | 503 p99 ms | loop delay max ms |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...runs.map(
        (r) =>
          `| ${r.name} | ${ms(r.offeredPerSecond)} | ${ms(r.admittedPerSecond)} | ${pct(r.shedShare)} | ` +
          `${pct(r.timeoutShare)} | ${ms(r.p50)} | ${ms(r.p99)} | ${ms(r.shedP99)} | ${ms(r.eventLoopLagMaxMs)} |`,
      ),
      '',
      `Target: with shedding, p99 of admitted requests under ${P99_BOUND_MS} ms: ` +
        `${bounded ? 'met' : 'NOT met'} (${ms(on.p99)} ms, ${(on.p99 / capacity.p99).toFixed(1)}x the ` +
        `sustainable p99; without shedding ${ms(off.p99)} ms). Other statuses: ` +
        `${on.otherStatus} / ${off.otherStatus}; connection errors: ${on.errors} / ${off.errors}; ` +
        `the generator issued requests late by ${ms(on.issueLagP99)} / ${ms(off.issueLagP99)} ms (p99).`,
      '',
    ].join('\n');
    await report('overload', table, { quick, rate, capacity, runs, p99BoundMs: P99_BOUND_MS });
  } finally {
    await unprotected.stop();
  }
}

runBenchmark(main, { fresh, env: SERVICE_ENV });
