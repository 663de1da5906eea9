import { createServer, Server, Socket } from 'node:net';

import type { PoolClient } from 'pg';

import { DatabaseBreaker } from './database-breaker';
import { GuardedClient, GuardedPool } from './guarded-pool';
import { PoolQueueFullError } from './pg-errors';

/** A loopback server that accepts connections and never answers: a PostgreSQL that hangs. */
async function silentServer(): Promise<{ port: number; server: Server; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { port: typeof address === 'object' && address ? address.port : 0, server, sockets };
}

const outcome = (p: Promise<unknown>) =>
  p.then(
    () => 'connected',
    (error: Error & { code?: string }) => error.code ?? error.message,
  );

describe(GuardedPool.name, () => {
  let silent: Awaited<ReturnType<typeof silentServer>>;
  let breaker: DatabaseBreaker;
  let sut: GuardedPool;

  beforeEach(async () => {
    silent = await silentServer();
    breaker = new DatabaseBreaker({ resetMs: 60_000 });
    sut = new GuardedPool({
      connectionString: `postgres://postgres@127.0.0.1:${silent.port}/postgres`,
      max: 1,
      connectionTimeoutMillis: 300,
      guard: { breaker, maxWaiting: 2, answerTimeoutMs: 1000 },
    });
  });
  afterEach(async () => {
    breaker.shutdown();
    for (const socket of silent.sockets) socket.destroy();
    await new Promise((resolve) => silent.server.close(resolve));
  });

  it('refuses a caller at once when maxWaiting callers already wait', async () => {
    const opening = outcome(sut.connect()); // opens the one connection
    const waiting = [outcome(sut.connect()), outcome(sut.connect())];
    await expect(sut.connect()).rejects.toBeInstanceOf(PoolQueueFullError);
    expect(sut.waitingCount).toBe(2);
    // Every other caller still gets its answer within the acquire timeout.
    await expect(Promise.all([opening, ...waiting])).resolves.toEqual([
      'Connection terminated due to connection timeout',
      'timeout exceeded when trying to connect',
      'timeout exceeded when trying to connect',
    ]);
  });

  it('opens the circuit on a run of timeouts, then fails at once without connecting', async () => {
    for (let i = 0; i < 5; i++) await outcome(sut.connect());
    expect(breaker.state).toBe('open');
    const connections = silent.sockets.length;
    await expect(outcome(sut.connect())).resolves.toBe('EOPENBREAKER');
    expect(silent.sockets.length).toBe(connections);
  });

  it('hands out clients through the callback form TypeORM uses', async () => {
    const result = await new Promise<{ err?: Error; client?: PoolClient }>((resolve) =>
      sut.connect((err, client) => resolve({ err, client })),
    );
    expect(result.client).toBeUndefined();
    expect(result.err?.message).toBe('Connection terminated due to connection timeout');
  });
});

describe(GuardedClient.name, () => {
  it('survives a connection error emitted while no borrower listens', () => {
    const sut = new GuardedClient();
    const lost = new Error('terminating connection due to administrator command');

    expect(() => sut.emit('error', lost)).not.toThrow();
  });

  it('still hands the error to whoever holds the client', () => {
    const sut = new GuardedClient();
    const heard: Error[] = [];
    sut.on('error', (error: Error) => heard.push(error));
    const lost = new Error('Connection terminated unexpectedly');

    sut.emit('error', lost);

    expect(heard).toEqual([lost]);
  });
});
