/**
 * V8 options of the serving process, set before any other module loads (main.ts imports this
 * first), so that no allocation site is ever judged with them off. Node accepts only a few V8
 * options in NODE_OPTIONS; these are set here so that every way of starting the service (npm
 * start, the image, the benchmarks) runs with them.
 *
 * `--no-allocation-site-pretenuring`: V8 may decide, for an object or array literal whose objects
 * it saw survive young-generation collections (during start-up, or the first seconds of load on
 * cold code), to allocate every later object from that site directly in the old generation, and
 * it does not go back on that decision. On node-postgres' row path such a decision made the
 * objects holding each row's values old garbage that kept the row's young Dates, strings and
 * payloads alive through scavenges: rows were promoted wholesale, scavenges took 6-9 ms, the old
 * generation grew by ~1 MB per scavenge. Without pretenuring, an uncached page used a fifth less
 * CPU (ADR-0034, docs/PERFORMANCE.md).
 *
 * `--heap-growing-percent=40`: after each full collection V8 lets the old generation grow to its
 * live size times a factor it picks from its own speed, up to 4 when collecting is cheap, as it
 * is for this service (~40 MB live): so garbage promoted under load piled up to ~90 MB before the
 * next full collection, and RSS after load swung between 200 and 260 MiB. A fixed factor of 1.4
 * collects sooner: RSS after load ~160 MiB, throughput and CPU per request within this machine's
 * noise on reads and writes (ADR-0036).
 *
 * Not here: the young generation's size (`--max-semi-space-size=16`, ADR-0040). V8 sizes it when
 * the isolate is created, before any script runs, so it comes from the command line: the image's
 * NODE_OPTIONS and the npm start scripts.
 */
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--no-allocation-site-pretenuring');
setFlagsFromString('--heap-growing-percent=40');
