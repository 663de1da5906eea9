// Bench-only preload (`node --import ./test/bench/heap-meter.mjs`): counts the bytes the process
// allocates on the V8 heap. Each SIGUSR2 writes the count since the start to HEAP_METER_FILE as
// JSON `{ reading, allocatedBytes, collections }` (`reading` goes up by one each time). Unlike CPU
// time, the count does not move with the machine's load: the same build on the same requests
// allocates the same bytes, to a percent (ADR-0046). From V8's own statistics around each
// collection: the heap in use before a collection less the heap in use after the one before.
import { renameSync, writeFileSync } from 'node:fs';
import v8 from 'node:v8';

const file = process.env.HEAP_METER_FILE;
if (!file) throw new Error('heap-meter.mjs needs HEAP_METER_FILE');

let allocatedBytes = 0;
let collections = 0;
let reading = 0;
let usedAfterLast = v8.getHeapStatistics().used_heap_size;
let profiler = new v8.GCProfiler();
profiler.start();

process.on('SIGUSR2', () => {
  const { statistics } = profiler.stop();
  const usedNow = v8.getHeapStatistics().used_heap_size;
  profiler = new v8.GCProfiler();
  profiler.start();
  for (const gc of statistics) {
    allocatedBytes += Math.max(0, gc.beforeGC.heapStatistics.usedHeapSize - usedAfterLast);
    usedAfterLast = gc.afterGC.heapStatistics.usedHeapSize;
    collections++;
  }
  // Allocated since the last collection: counted now, and not again at the next one.
  allocatedBytes += Math.max(0, usedNow - usedAfterLast);
  usedAfterLast = usedNow;
  reading++;
  writeFileSync(`${file}.tmp`, JSON.stringify({ reading, allocatedBytes, collections }));
  renameSync(`${file}.tmp`, file);
});
