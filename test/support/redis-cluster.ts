import { ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

import { freePort } from './free-port';

const run = promisify(execFile);

/** Whether a loopback port can be bound right now. */
function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A free port whose cluster bus port (port + 10000) is free too. */
async function freeClusterPort(taken: number[]): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await freePort();
    if (port + 10_000 > 65_535 || taken.includes(port)) continue;
    if (await isFree(port + 10_000)) return port;
  }
  throw new Error('no free port pair (port, port + 10000) for a cluster node');
}

/** `redis-cli -p <port> <args>` on loopback, its output trimmed. */
export async function redisCli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], {
    maxBuffer: 64 << 20,
  });
  return stdout.trim();
}

/**
 * A private Redis Cluster of `masters` masters and no replicas on loopback ports, in a temporary
 * folder: `redis-server --cluster-enabled yes` per node, joined by `redis-cli --cluster create`,
 * ready once every node reports `cluster_state:ok`. `stop` ends every node (SIGTERM, SIGKILL after
 * 5 s) and removes the folder; a failed start stops what it started.
 */
export class RedisCluster {
  private readonly children: ChildProcess[] = [];
  readonly ports: number[] = [];

  private constructor(private readonly dir: string) {}

  static async start(masters = 3): Promise<RedisCluster> {
    const cluster = new RedisCluster(await mkdtemp(join(tmpdir(), 'redis-cluster-')));
    try {
      await cluster.launch(masters);
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  /** REDIS_CLUSTER_NODES for the service: every node as a seed. */
  get seedNodes(): string {
    return this.ports.map((port) => `127.0.0.1:${port}`).join(',');
  }

  /** Every key on each node (`--scan`), by port. */
  async keysByNode(pattern = '*'): Promise<Map<number, string[]>> {
    const keys = new Map<number, string[]>();
    for (const port of this.ports) {
      const out = await redisCli(port, '--scan', '--pattern', pattern);
      keys.set(port, out === '' ? [] : out.split('\n'));
    }
    return keys;
  }

  async keySlot(key: string): Promise<number> {
    return Number(await redisCli(this.ports[0], 'CLUSTER', 'KEYSLOT', key));
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.children.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }),
    );
    await rm(this.dir, { recursive: true, force: true });
  }

  private async launch(masters: number): Promise<void> {
    for (let n = 0; n < masters; n++) this.ports.push(await freeClusterPort(this.ports));
    for (const port of this.ports) {
      const child = spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          join(this.dir, `nodes-${port}.conf`),
          '--dir',
          this.dir,
          '--save',
          '',
          '--appendonly',
          'no',
          '--daemonize',
          'no',
        ],
        { stdio: 'ignore' },
      );
      this.children.push(child);
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', reject);
      });
    }
    await this.until('every node answers', async () => {
      for (const port of this.ports) if ((await redisCli(port, 'PING')) !== 'PONG') return false;
      return true;
    });
    const nodes = this.ports.map((port) => `127.0.0.1:${port}`);
    await run('redis-cli', [
      '--cluster',
      'create',
      ...nodes,
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    await this.until('cluster_state:ok on every node', async () => {
      for (const port of this.ports) {
        if (!(await redisCli(port, 'CLUSTER', 'INFO')).includes('cluster_state:ok')) return false;
      }
      return true;
    });
  }

  private async until(what: string, check: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const exited = this.children.find((child) => child.exitCode !== null);
      if (exited) throw new Error(`a redis-server exited with ${exited.exitCode}`);
      try {
        if (await check()) return;
      } catch {
        // not answering yet
      }
      if (Date.now() > deadline) throw new Error(`Redis Cluster: no ${what} within 20 s`);
      await sleep(100);
    }
  }
}
