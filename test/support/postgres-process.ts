import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { freePort } from './free-port';

const run = promisify(execFile);

/** The server binaries of the installed PostgreSQL (Debian keeps them off the PATH). */
function binary(name: string): string {
  const root = '/usr/lib/postgresql';
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) throw new Error(`no PostgreSQL under ${root}`);
  return join(root, versions[0], 'bin', name);
}

/**
 * A private PostgreSQL cluster on a loopback port, for fault tests: it can be stopped and started
 * again on the same port without touching the shared server. initdb refuses to run as root, so
 * as root everything runs as the `postgres` user.
 */
export class PostgresProcess {
  private constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly owner?: { uid: number; gid: number },
  ) {}

  static async create(): Promise<PostgresProcess> {
    const dir = await mkdtemp(join(tmpdir(), 'favorites-pg-'));
    let owner: { uid: number; gid: number } | undefined;
    if (process.getuid?.() === 0) {
      const [uid, gid] = await Promise.all(
        ['-u', '-g'].map(async (flag) => Number((await run('id', [flag, 'postgres'])).stdout)),
      );
      owner = { uid, gid };
      await chown(dir, uid, gid);
    }
    const postgres = new PostgresProcess(await freePort(), dir, owner);
    await postgres.exec('initdb', [
      '-D',
      postgres.data,
      '-U',
      'postgres',
      '-A',
      'trust',
      '--no-sync',
    ]);
    await postgres.start();
    return postgres;
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  private get data(): string {
    return join(this.dir, 'data');
  }

  async start(): Promise<void> {
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
    await this.exec('pg_ctl', [
      '-D',
      this.data,
      '-o',
      options,
      '-l',
      join(this.dir, 'log'),
      '-w',
      'start',
    ]);
  }

  /** A fast shutdown: sessions are ended, as when a database is stopped for maintenance. */
  async stop(): Promise<void> {
    await this.exec('pg_ctl', ['-D', this.data, '-m', 'fast', '-w', 'stop']);
  }

  async destroy(): Promise<void> {
    await this.stop().catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true });
  }

  private async exec(name: string, args: string[]): Promise<void> {
    const [command, argv] = this.owner
      ? ['runuser', ['-u', 'postgres', '--', binary(name), ...args]]
      : [binary(name), args];
    await run(command, argv, { timeout: 60_000 });
  }
}
