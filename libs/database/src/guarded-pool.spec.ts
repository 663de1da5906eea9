import { createServer, Server, Socket } from 'node:net';

import type { PoolClient } from 'pg';

import { DatabaseBreaker } from './database-breaker';
import { GuardedClient, GuardedPool } from './guarded-pool';
import { isDatabaseUnavailable, PoolQueueFullError } from './pg-errors';

interface FakePostgres {
  port: number;
  server: Server;
  sockets: Socket[];
}

/** A loopback server standing for PostgreSQL: `answer` gets each connection; all are tracked. */
async function fakePostgres(answer: (socket: Socket) => void): Promise<FakePostgres> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    answer(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { port: typeof address === 'object' && address ? address.port : 0, server, sockets };
}

/** A PostgreSQL that accepts connections and never answers: one that hangs. */
const silentServer = () => fakePostgres(() => undefined);

async function closeServer(fake: FakePostgres): Promise<void> {
  for (const socket of fake.sockets) socket.destroy();
  await new Promise((resolve) => fake.server.close(resolve));
}

/** A pool of one connection to `port`, with the guard's bounds small enough for a test. */
const guardedPoolAt = (port: number, breaker: DatabaseBreaker, connectionTimeoutMillis: number) =>
  new GuardedPool({
    connectionString: `postgres://postgres@127.0.0.1:${port}/postgres`,
    max: 1,
    connectionTimeoutMillis,
    guard: { breaker, maxWaiting: 2, answerTimeoutMs: 1000 },
  });

const outcome = (p: Promise<unknown>) =>
  p.then(
    () => 'connected',
    (error: Error & { code?: string }) => error.code ?? error.message,
  );

describe(GuardedPool.name, () => {
  let silent: FakePostgres;
  let breaker: DatabaseBreaker;
  let sut: GuardedPool;

  beforeEach(async () => {
    silent = await silentServer();
    breaker = new DatabaseBreaker({ resetMs: 60_000 });
    sut = guardedPoolAt(silent.port, breaker, 300);
  });
  afterEach(async () => {
    breaker.shutdown();
    await closeServer(silent);
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

/** A PostgreSQL wire message: type byte, length, body. */
function message(type: string, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.write(type, 0, 'latin1');
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}

/**
 * A PostgreSQL whose every backend is terminated the moment its start-up completes: the client
 * reads AuthenticationOk, ReadyForQuery and the FATAL 57P01 that pg_terminate_backend sends, all in
 * one packet, and the connection closes.
 */
function terminatingServer(): Promise<FakePostgres> {
  const fields = [
    'SFATAL',
    'VFATAL',
    'C57P01',
    'Mterminating connection due to administrator command',
  ];
  const packet = Buffer.concat([
    message('R', Buffer.from([0, 0, 0, 0])), // AuthenticationOk
    message('Z', Buffer.from('I')), // ReadyForQuery, idle
    message('E', Buffer.from(`${fields.join('\0')}\0\0`, 'latin1')), // ErrorResponse
  ]);
  // The start-up message is the client's only message: answer it once, whole, and hang up.
  return fakePostgres((socket) => socket.once('data', () => socket.end(packet)));
}

describe(`${GuardedPool.name} when PostgreSQL ends a connection as it opens`, () => {
  let terminating: FakePostgres;
  let breaker: DatabaseBreaker;
  let sut: GuardedPool;

  beforeEach(async () => {
    terminating = await terminatingServer();
    breaker = new DatabaseBreaker({ resetMs: 60_000 });
    sut = guardedPoolAt(terminating.port, breaker, 1000);
  });
  afterEach(async () => {
    breaker.shutdown();
    await closeServer(terminating);
  });

  // pg-pool takes its own error listener off a client as it hands it out, and a promise-style
  // borrower adds its own a microtask later; the error parsed from the same packet as the
  // ReadyForQuery that completed the connection is emitted in between, with no listener of the
  // pool's or the borrower's (brianc/node-postgres#2439). Without GuardedClient's own listener
  // that emit throws out of the socket's data handler, and the process ends.
  it('hands out the broken connection without an unhandled error; its query fails as unavailable', async () => {
    const client = await sut.connect();

    const failure = await client.query('SELECT 1').catch((error: Error) => error);
    client.release();

    expect(failure).toBeInstanceOf(Error);
    expect(isDatabaseUnavailable(failure)).toBe(true);
    expect(sut.totalCount).toBe(0);
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
