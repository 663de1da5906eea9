// An open-model load generator for the overload benchmark: requests arrive on a fixed schedule
// whether or not earlier ones have been answered (autocannon keeps a fixed number of requests
// outstanding, so an overloaded server would simply slow it down). Each request's latency counts
// from its scheduled arrival; one unanswered after `timeoutMs` is abandoned (its connection
// closed) and counted as a timeout. HTTP/1.1 over raw keep-alive sockets, one request at a time
// per socket, parsed just enough (status line, Content-Length): node:http's client cost more CPU
// than the service's own 503s on this 2-core machine, and the generator shares it.
import { once } from 'node:events';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

const HEAD_END = Buffer.from('\r\n\r\n');

const percentile = (sorted, p) =>
  sorted.length === 0
    ? Number.NaN
    : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

/** One keep-alive connection carrying one request at a time. */
class Connection {
  constructor(port, onAnswer, onClose) {
    this.busy = undefined;
    this.buffer = Buffer.alloc(0);
    this.socket = connect(port, '127.0.0.1');
    this.socket.setNoDelay(true);
    this.socket.on('data', (chunk) => {
      this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
      const status = this.parse();
      if (status !== undefined) onAnswer(this, status);
    });
    this.socket.on('error', () => undefined);
    this.socket.on('close', () => onClose(this));
  }

  send(bytes, request) {
    this.busy = request;
    this.socket.write(bytes);
  }

  /** The status once the whole response is in, else undefined. */
  parse() {
    const headEnd = this.buffer.indexOf(HEAD_END);
    if (headEnd < 0) return undefined;
    const head = this.buffer.subarray(0, headEnd).toString('latin1');
    const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
    const end = headEnd + HEAD_END.length + length;
    if (this.buffer.length < end) return undefined;
    this.buffer = this.buffer.subarray(end);
    return Number(head.slice(9, 12));
  }
}

/**
 * Offers `rate` requests per second of `GET path` for `seconds` over `maxSockets` keep-alive
 * connections opened beforehand (arrivals finding none free wait on the client, on the clock; a
 * connection closed by a timeout is replaced), and waits for the last answer or timeout. Counts
 * outcomes; latencies of the 2xx and 503 answers, in milliseconds.
 */
export async function offerOpenLoad(base, { path, headers, rate, seconds, timeoutMs, maxSockets }) {
  const { port, host } = new URL(base);
  const bytes = Buffer.from(
    [
      `GET ${path} HTTP/1.1`,
      `Host: ${host}`,
      ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
      '',
      '',
    ].join('\r\n'),
  );
  const outcome = { sent: 0, ok: 0, shed: 0, timeouts: 0, otherStatus: 0, errors: 0 };
  const okMs = [];
  const shedMs = [];
  const idle = [];
  const waiting = [];
  let open = 0;
  let unsettled = 0;

  const settle = (request, kind, status) => {
    if (request.settled) return;
    request.settled = true;
    clearTimeout(request.timer);
    unsettled--;
    const latency = performance.now() - request.scheduledAt;
    if (kind === 'timeout') outcome.timeouts++;
    else if (kind === 'error') outcome.errors++;
    else if (status >= 200 && status < 300) {
      outcome.ok++;
      okMs.push(latency);
    } else if (status === 503) {
      outcome.shed++;
      shedMs.push(latency);
    } else outcome.otherStatus++;
  };

  const dispatch = (connection) => {
    while (waiting.length) {
      const request = waiting.shift();
      if (request.settled) continue;
      request.connection = connection;
      connection.send(bytes, request);
      return;
    }
    connection.busy = undefined;
    idle.push(connection);
  };
  const onAnswer = (connection, status) => {
    settle(connection.busy, 'answer', status);
    dispatch(connection);
  };
  const onClose = (connection) => {
    open--;
    const at = idle.indexOf(connection);
    if (at >= 0) idle.splice(at, 1);
    if (connection.busy) settle(connection.busy, 'error');
    // Another connection takes over the queue, if any waits.
    if (waiting.length && open < maxSockets) {
      open++;
      dispatch(new Connection(port, onAnswer, onClose));
    }
  };

  const arrive = (scheduledAt) => {
    outcome.sent++;
    unsettled++;
    const request = { scheduledAt, settled: false, connection: undefined };
    request.timer = setTimeout(
      () => {
        if (request.settled) return;
        settle(request, 'timeout');
        // Abandoned: its connection is closed, as a client that gives up would.
        const connection = request.connection;
        if (connection?.busy === request) {
          connection.busy = undefined;
          connection.socket.destroy();
        }
      },
      Math.max(0, scheduledAt + timeoutMs - performance.now()),
    );
    waiting.push(request);
    if (idle.length) dispatch(idle.pop());
    else if (open < maxSockets) {
      open++;
      // Written as soon as it connects (net buffers until then).
      dispatch(new Connection(port, onAnswer, onClose));
    }
  };

  // The connections are open before the first arrival, as a load balancer's pool to the
  // instance would be: the run measures requests, not a storm of connection handshakes.
  await Promise.all(
    Array.from({ length: maxSockets }, async () => {
      open++;
      const connection = new Connection(port, onAnswer, onClose);
      await once(connection.socket, 'connect');
      idle.push(connection);
    }),
  );

  const interval = 1000 / rate;
  const total = Math.round(rate * seconds);
  const started = performance.now();
  const issueLagMs = [];
  let next = 0;
  while (next < total) {
    const now = performance.now();
    while (next < total && started + next * interval <= now) {
      const scheduledAt = started + next++ * interval;
      issueLagMs.push(now - scheduledAt);
      arrive(scheduledAt);
    }
    await sleep(1);
  }
  const offeredSeconds = (performance.now() - started) / 1000;
  while (unsettled > 0) await sleep(20);
  for (const connection of idle) connection.socket.destroy();
  okMs.sort((a, b) => a - b);
  shedMs.sort((a, b) => a - b);
  issueLagMs.sort((a, b) => a - b);
  return {
    ...outcome,
    offeredPerSecond: outcome.sent / offeredSeconds,
    admittedPerSecond: outcome.ok / offeredSeconds,
    shedShare: outcome.shed / outcome.sent,
    timeoutShare: outcome.timeouts / outcome.sent,
    p50: percentile(okMs, 50),
    p99: percentile(okMs, 99),
    shedP50: percentile(shedMs, 50),
    shedP99: percentile(shedMs, 99),
    /** How late the generator itself issued requests: a busy generator shows here. */
    issueLagP99: percentile(issueLagMs, 99),
  };
}
