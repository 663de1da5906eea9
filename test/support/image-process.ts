import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import { Client } from 'pg';

import { ApiClient } from './api-client';
import { freePort } from './free-port';
import { ImageContents } from './image-contents';

export interface ImageProcess {
  api: ApiClient;
  port: number;
  /** Resolves with the exit code and signal once the process has ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, SIGKILL after `graceMs`; resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
  output(): string;
}

/**
 * Runs the image's command in its folder as a container would: that folder as the working
 * directory, the image's ENV plus `env` and nothing of this process's environment, on a free
 * loopback port. Resolves once /health/ready answers 200.
 */
export async function startImage(
  image: ImageContents,
  env: Record<string, string>,
  readyWithinMs = 60_000,
): Promise<ImageProcess> {
  const port = await freePort();
  const [command, ...args] = image.command;
  const child: ChildProcess = spawn(command, args, {
    cwd: image.dir,
    env: { ...image.env, ...env, HOST: '127.0.0.1', PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const stop = async (graceMs = 15_000) => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    }
    return child.exitCode;
  };

  const api = new ApiClient(`http://127.0.0.1:${port}`);
  const deadline = Date.now() + readyWithinMs;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(
        `the image's command exited with ${child.exitCode} while starting:\n${output}`,
      );
    }
    const status = await api.get('/health/ready').then(
      (res) => res.status,
      () => 0,
    );
    if (status === 200) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`not ready within ${readyWithinMs} ms (last status ${status}):\n${output}`);
    }
    await sleep(200);
  }
  return { api, port, exited, stop, output: () => output };
}

export interface ThrowawayDatabase {
  url: string;
  /** Whether it starts empty (the service must migrate it) or is the suites' migrated one. */
  fresh: boolean;
  poolSize: string;
  drop(): Promise<void>;
}

/**
 * An empty database on TEST_DATABASE_URL's server, dropped afterwards, so the service's start-up
 * migrations run from nothing. Without a server (the embedded database, outside CI): the suites'
 * database, already migrated, over its single connection.
 */
export async function throwawayDatabase(): Promise<ThrowawayDatabase> {
  const server = process.env.TEST_DATABASE_URL;
  if (!server) {
    return {
      url: process.env.DATABASE_URL!,
      fresh: false,
      poolSize: process.env.DATABASE_POOL_SIZE ?? '1',
      drop: () => Promise.resolve(),
    };
  }
  const name = `favorites_image_${Date.now()}_${randomBytes(3).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new Client({ connectionString: server });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    fresh: true,
    poolSize: '4',
    drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}
