import { ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

import { ApiClient } from './api-client';
import { freePort } from './free-port';

const ROOT = resolve(__dirname, '../..');
/** Git-ignored, and not dist/: a build here never pulls the files from under a running service. */
const BUILD_DIR = join(ROOT, '.data/e2e-build');

/**
 * Builds the service from the sources as they are now (`nest build` and the bundle, as
 * `npm run build` does, into a private folder) and returns the bundle: a suite that runs the built
 * service never tests a stale dist/. Takes about 15 s.
 */
export async function buildService(): Promise<string> {
  await mkdir(BUILD_DIR, { recursive: true });
  const tsconfig = join(BUILD_DIR, 'tsconfig.json');
  const config = {
    extends: '../../apps/api/tsconfig.app.json',
    compilerOptions: { outDir: 'out' },
  };
  await writeFile(tsconfig, `${JSON.stringify(config, null, 2)}\n`);
  const nest = join(ROOT, 'node_modules/@nestjs/cli/bin/nest.js');
  // The CLI takes the tsconfig path relative to the workspace (it prefixes the cwd).
  const args = [nest, 'build', 'api', '-p', relative(ROOT, tsconfig)];
  // Then bundled, as `npm run build` does (apps/api/bundle.mjs): the suites run what ships.
  const bundle = [join(ROOT, 'apps/api/bundle.mjs'), 'out/apps/api/src/main.js', 'out/main.js'];
  for (const [step, stepArgs] of [
    ['nest build', args],
    ['bundle', bundle],
  ] as const) {
    try {
      await promisify(execFile)(process.execPath, stepArgs, {
        cwd: step === 'bundle' ? BUILD_DIR : ROOT,
        maxBuffer: 16 << 20,
      });
    } catch (error) {
      const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
      throw new Error(`${step} failed:\n${stdout}${stderr}`);
    }
  }
  return join(BUILD_DIR, 'out/main.js');
}

export interface ServiceProcess {
  api: ApiClient;
  /** SIGTERM, as an orchestrator stops it; SIGKILL after `graceMs` (10 s). Resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
  /** What it has written to stdout and stderr so far. */
  output(): string;
}

/**
 * Runs the built service as a child process on a free loopback port, with the suite's environment
 * (the database, Redis and secret the global setup prepared) plus `env`, and waits until it
 * answers. Its output is kept and shown if it fails to start.
 */
export async function startServiceProcess(
  main: string,
  env: Record<string, string | undefined> = {},
): Promise<ServiceProcess> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [main], {
    cwd: ROOT,
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolveExit) =>
    child.once('exit', (code) => resolveExit(code)),
  );
  const stop = async (graceMs = 10_000) => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };

  const api = new ApiClient(`http://127.0.0.1:${port}`);
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`service exited with ${child.exitCode} while starting:\n${output}`);
    }
    try {
      if ((await api.get('/health/live')).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`service did not answer within 30 s:\n${output}`);
    }
    await sleep(100);
  }
  return { api, stop, output: () => output };
}
