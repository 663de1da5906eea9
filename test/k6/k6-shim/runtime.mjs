// The state of one virtual user of the k6 shim (one worker thread): its phase, group, metrics and
// samples, and the blocking calls k6's API needs (HTTP and sleep are synchronous in k6).
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';

/** k6's built-in metrics this shim produces, by type. */
const BUILT_IN = {
  http_reqs: 'counter',
  http_req_duration: 'trend',
  http_req_failed: 'rate',
  checks: 'rate',
  group_duration: 'trend',
  iterations: 'counter',
  iteration_duration: 'trend',
};

export const state = {
  /** 'init' while the script's module body runs (k6's init context), then 'setup', 'vu', 'teardown'. */
  phase: 'init',
  /** k6's group path: '' at the root, '::name::child' inside groups. */
  group: '',
  metrics: new Map(Object.entries(BUILT_IN)),
  samples: [],
};

export function defineMetric(name, type) {
  if (state.phase !== 'init')
    throw new Error(`metric ${name}: k6 defines metrics in the init context only`);
  if (!/^[a-zA-Z_][a-zA-Z0-9_]{0,127}$/.test(name)) throw new Error(`invalid metric name ${name}`);
  const known = state.metrics.get(name);
  if (known && known !== type) throw new Error(`metric ${name} is already a ${known}`);
  state.metrics.set(name, type);
}

/** The tags every sample carries, as k6 adds them. */
export function baseTags() {
  return { scenario: workerData.scenario, group: state.group };
}

export function emit(metric, value, tags) {
  state.samples.push({ metric, type: state.metrics.get(metric), value, tags });
  if (state.samples.length >= 500) flushSamples();
}

export function flushSamples() {
  if (state.samples.length)
    parentPort.postMessage({ kind: 'samples', samples: state.samples.splice(0) });
}

/**
 * One HTTP exchange, synchronous as in k6: the main thread runs it (fetch) while this thread
 * sleeps on a shared flag, then the answer is taken off the port without an event loop turn.
 */
export function blockingFetch(request) {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  workerData.httpPort.postMessage({ request, flag });
  if (Atomics.wait(flag, 0, 0, request.timeoutMs + 10_000) === 'timed-out') {
    throw new Error(`k6 shim: no answer from the main thread for ${request.method} ${request.url}`);
  }
  return receiveMessageOnPort(workerData.httpPort).message;
}

export function blockFor(ms) {
  if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
