import { Readable } from 'node:stream';

import type { FastifyRequest } from 'fastify';

import { problemDetails } from './problem-details';

export const NDJSON = 'application/x-ndjson';
export const NDJSON_CONTENT_TYPE = `${NDJSON}; charset=utf-8`;

/** Enough of the request to build a problem body once the response has started. */
export interface RequestRef {
  id: string;
  url: string;
}

export function requestRefOf(request: FastifyRequest): RequestRef {
  return { id: String(request.id), url: request.url };
}

/** The last line of a stream that broke after its first byte, when the status can no longer change. */
export function ndjsonErrorLine(request: RequestRef): string {
  const problem = problemDetails(
    500,
    'STREAM_INTERRUPTED',
    'The stream ended early because of a server error: it is incomplete',
    request,
  );
  return `${JSON.stringify({ error: problem })}\n`;
}

/**
 * A byte stream of the given NDJSON chunks. It waits for the first chunk, so an error before any
 * byte still reaches the client as a normal problem response with a real status; an error after
 * that is reported through `onError` and ends the body with its line instead. Destroying the body
 * (a client that disconnects) returns the source iterator, which releases what it holds.
 */
export async function ndjsonBody(
  chunks: AsyncIterable<string | Uint8Array>,
  onError: (error: unknown) => string,
): Promise<Readable> {
  const source = chunks[Symbol.asyncIterator]();
  const first = await source.next();
  async function* body(): AsyncGenerator<string | Uint8Array> {
    try {
      if (first.done) return;
      yield first.value;
      for (let next = await source.next(); !next.done; next = await source.next()) yield next.value;
    } catch (error) {
      yield onError(error);
    } finally {
      await source.return?.();
    }
  }
  // highWaterMark 1: at most one chunk waits in memory, so a slow client slows the reader.
  return Readable.from(body(), { objectMode: false, highWaterMark: 1 });
}
