import { setTimeout as sleep } from 'node:timers/promises';

import type { DestinationStream } from 'pino';

/** One log line as the service wrote it, parsed. */
export type LogLine = Record<string, any> & { level: string; msg: string };

const REQUEST_LINE_MESSAGES = new Set(['request completed', 'request failed', 'request aborted']);

/**
 * A pino destination that keeps every line an application instance writes, for a suite to read
 * (startTestApp's `logDestination`).
 */
export class LogCapture implements DestinationStream {
  /** The lines exactly as written: JSON text, one object each. */
  readonly raw: string[] = [];

  write(line: string): void {
    this.raw.push(line);
  }

  get lines(): LogLine[] {
    return this.raw.map((line) => JSON.parse(line) as LogLine);
  }

  /** Every line logged with this request id: its request line and what was logged meanwhile. */
  forRequest(requestId: string | null): LogLine[] {
    return this.lines.filter((line) => line.requestId === requestId);
  }

  requestLines(requestId: string | null): LogLine[] {
    return this.forRequest(requestId).filter((line) => REQUEST_LINE_MESSAGES.has(line.msg));
  }

  /**
   * The one request line of a request. It is written when the response ends on the server, which
   * can be just after the client has read it: waits up to 2 s for it.
   */
  async requestLine(requestId: string | null): Promise<LogLine> {
    const deadline = Date.now() + 2000;
    while (this.requestLines(requestId).length === 0 && Date.now() < deadline) await sleep(10);
    const lines = this.requestLines(requestId);
    if (lines.length !== 1) {
      throw new Error(`expected one request line for ${requestId}, got ${lines.length}`);
    }
    return lines[0];
  }
}
