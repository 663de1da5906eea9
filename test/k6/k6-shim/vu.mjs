// One k6 virtual user in a worker thread: k6 gives each VU its own JavaScript runtime, so the
// script's module body (the init context) runs once per worker, with __ENV, __VU and __ITER set.
import { register } from 'node:module';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';

register('./resolve-hooks.mjs', import.meta.url);

globalThis.__ENV = { ...workerData.env };
globalThis.__VU = workerData.vu;
globalThis.__ITER = 0;

const { baseTags, emit, flushSamples, state } = await import('./runtime.mjs');
const script = await import(pathToFileURL(workerData.script).href);

function report(kind, extra) {
  flushSamples();
  parentPort.postMessage({ kind, ...extra });
}

function describe(error) {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

const data = workerData.setupData === undefined ? undefined : JSON.parse(workerData.setupData);

if (workerData.role === 'init') {
  // The options as k6 reads them (a structured clone: functions would not survive), the metrics
  // the init context defined, and which lifecycle functions the script exports.
  report('init', {
    options: script.options ?? {},
    metrics: Object.fromEntries(state.metrics),
    exports: Object.keys(script).filter((name) => typeof script[name] === 'function'),
  });
} else if (workerData.role === 'setup' || workerData.role === 'teardown') {
  state.phase = workerData.role;
  try {
    const result = script[workerData.role]?.(data);
    // k6 hands setup()'s result to every VU as JSON.
    report('done', { setupData: result === undefined ? undefined : JSON.stringify(result) });
  } catch (error) {
    report('done', { error: `${workerData.role}(): ${describe(error)}` });
  }
} else {
  state.phase = 'vu';
  const exec = script[workerData.exec];
  const errors = [];
  for (let iteration = 0; iteration < workerData.iterations; iteration++) {
    globalThis.__ITER = iteration;
    const start = performance.now();
    try {
      exec(data);
    } catch (error) {
      // k6 logs an exception, ends this iteration and goes on with the next.
      errors.push(`VU ${workerData.vu} iteration ${iteration}: ${describe(error)}`);
    }
    state.group = '';
    emit('iterations', 1, baseTags());
    emit('iteration_duration', performance.now() - start, baseTags());
  }
  report('done', { errors });
}
