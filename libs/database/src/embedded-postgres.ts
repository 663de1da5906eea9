import { mkdirSync } from 'node:fs';

import type { PGlite } from '@electric-sql/pglite';
import type { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/**
 * A real PostgreSQL (PGlite, PostgreSQL compiled to WebAssembly) served over the wire protocol on
 * loopback, so `pg` and TypeORM run unchanged. Single-threaded, one session: clients use a pool of
 * one. For local development and tests only, never production.
 */
const CONNECTION_SLOTS = 4;

export class EmbeddedPostgres {
  private constructor(
    private readonly db: PGlite,
    private readonly server: PGLiteSocketServer,
    readonly url: string,
  ) {}

  /** `dataDir` is a folder kept between runs, or `memory://` for a throwaway database. */
  static async start(dataDir: string): Promise<EmbeddedPostgres> {
    if (!dataDir.startsWith('memory://')) mkdirSync(dataDir, { recursive: true });
    // Loaded here, not with the module: a service given a DATABASE_URL never holds PGlite's
    // half-megabyte of code (ADR-0037).
    const [{ PGlite }, { PGLiteSocketServer }] = await Promise.all([
      import('@electric-sql/pglite'),
      import('@electric-sql/pglite-socket'),
    ]);
    const db = await PGlite.create(dataDir);
    // The socket server queues every connection's messages onto the one session and holds the
    // others back while one is in a transaction. More than one connection slot lets a new pool
    // connect while the socket of a closed one is still being torn down: with a single slot the
    // server refused it ("Connection terminated unexpectedly") for up to half a minute.
    const server = new PGLiteSocketServer({
      db,
      host: '127.0.0.1',
      port: 0,
      maxConnections: CONNECTION_SLOTS,
    });
    await server.start();
    return new EmbeddedPostgres(
      db,
      server,
      `postgres://postgres@${server.getServerConn()}/postgres`,
    );
  }

  async stop(): Promise<void> {
    await this.server.stop();
    await this.db.close();
  }
}
