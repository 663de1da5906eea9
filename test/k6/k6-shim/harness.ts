import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { MessageChannel, MessagePort, Worker } from 'node:worker_threads';

import { evaluateThresholds, MetricType, Sample, ThresholdResult } from './thresholds';

const VU_WORKER = join(__dirname, 'vu.mjs');

export interface K6RunOptions {
  /** Path of the k6 script. */
  script: string;
  /** The script's `__ENV` (k6's `-e NAME=value`). */
  env: Record<string, string>;
  vus: number;
  /** Iterations of the scenario's function per VU (the shim has no executors or stages). */
  iterations: number;
  /** The whole run; past it the workers are stopped and the run fails. */
  timeoutMs: number;
}

export interface K6Run {
  options: {
    scenarios?: Record<string, { exec?: string; executor: string }>;
    thresholds?: Record<string, (string | { threshold: string })[]>;
  };
  metrics: Record<string, MetricType>;
  samples: Sample[];
  /** Exceptions thrown by setup(), an iteration or teardown(). */
  errors: string[];
  thresholds: ThresholdResult[];
}

interface WorkerSpec {
  role: 'init' | 'setup' | 'vu' | 'teardown';
  vu: number;
  scenario: string;
  exec?: string;
  iterations?: number;
  setupData?: string;
}

interface FetchRequest {
  method: string;
  url: string;
  body?: string;
  headers: Record<string, string>;
  timeoutMs: number;
}

/** Runs one request for a VU (whose thread waits on `flag`), then wakes it. */
async function serve(port: MessagePort, request: FetchRequest, flag: Int32Array): Promise<void> {
  const start = performance.now();
  let answer;
  try {
    const response = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal: AbortSignal.timeout(request.timeoutMs),
    });
    const body = await response.text();
    answer = {
      status: response.status,
      statusText: response.statusText,
      headers: [...response.headers],
      body,
      durationMs: performance.now() - start,
    };
  } catch (error) {
    // k6 answers a network error or a timeout with status 0 and the error's text.
    const cause = error instanceof Error ? (error.cause as Error | undefined) : undefined;
    const text = `${String(error)}${cause ? ` (${cause.message})` : ''}`;
    answer = {
      status: 0,
      statusText: '',
      headers: [],
      body: '',
      durationMs: performance.now() - start,
      error: text,
    };
  }
  port.postMessage(answer);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}

/**
 * Runs a k6 script's lifecycle the way k6 does (options from the init context, setup() once, the
 * scenario function in every VU with setup()'s data, teardown()), in worker threads, against a
 * real service, and evaluates its thresholds. Not a k6: no executors, stages or durations, only
 * the API subset in this folder; it proves the script's requests and checks match the API.
 */
export async function runK6Script(options: K6RunOptions): Promise<K6Run> {
  const samples: Sample[] = [];
  const errors: string[] = [];
  const workers = new Set<Worker>();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`k6 run exceeded ${options.timeoutMs} ms`)),
      options.timeoutMs,
    );
  });

  const run = (spec: WorkerSpec): Promise<Record<string, any>> => {
    const { port1, port2 } = new MessageChannel();
    port1.on('message', ({ request, flag }: { request: FetchRequest; flag: Int32Array }) => {
      void serve(port1, request, flag);
    });
    const worker = new Worker(VU_WORKER, {
      workerData: { ...spec, script: options.script, env: options.env, httpPort: port2 },
      transferList: [port2],
    });
    workers.add(worker);
    return new Promise<Record<string, any>>((resolve, reject) => {
      let result: Record<string, any> | undefined;
      worker.on('message', (message: Record<string, any>) => {
        if (message.kind === 'samples') samples.push(...(message.samples as Sample[]));
        else result = message;
      });
      worker.once('error', reject);
      worker.once('exit', (code) => {
        workers.delete(worker);
        port1.close();
        if (result) resolve(result);
        else reject(new Error(`${spec.role} worker (VU ${spec.vu}) exited with ${code}`));
      });
    });
  };

  const lifecycle = async (): Promise<K6Run> => {
    const init = await run({ role: 'init', vu: 0, scenario: 'default' });
    const scriptOptions = init.options as K6Run['options'];
    const scenarios = Object.entries(scriptOptions.scenarios ?? { default: {} });
    if (scenarios.length !== 1) throw new Error('the k6 shim runs scripts of one scenario');
    const [scenario, config] = scenarios[0];
    const exec = (config as { exec?: string }).exec ?? 'default';
    if (!(init.exports as string[]).includes(exec)) {
      throw new Error(`scenario ${scenario} runs ${exec}, which the script does not export`);
    }

    const start = performance.now();
    let setupData: string | undefined;
    if ((init.exports as string[]).includes('setup')) {
      const setup = await run({ role: 'setup', vu: 0, scenario: 'setup' });
      if (setup.error) throw new Error(setup.error);
      setupData = setup.setupData;
    }
    const vus = await Promise.all(
      Array.from({ length: options.vus }, (_, i) =>
        run({ role: 'vu', vu: i + 1, scenario, exec, iterations: options.iterations, setupData }),
      ),
    );
    for (const vu of vus) errors.push(...(vu.errors as string[]));
    if ((init.exports as string[]).includes('teardown')) {
      const teardown = await run({ role: 'teardown', vu: 0, scenario: 'teardown', setupData });
      if (teardown.error) errors.push(teardown.error);
    }
    const seconds = (performance.now() - start) / 1000;

    const metrics = init.metrics as Record<string, MetricType>;
    const thresholds = evaluateThresholds(
      scriptOptions.thresholds ?? {},
      metrics,
      samples,
      seconds,
    );
    return { options: scriptOptions, metrics, samples, errors, thresholds };
  };

  try {
    return await Promise.race([lifecycle(), timedOut]);
  } finally {
    clearTimeout(timer);
    await Promise.all([...workers].map((worker) => worker.terminate()));
  }
}
