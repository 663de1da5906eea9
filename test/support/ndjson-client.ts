import { IncomingMessage, request } from 'node:http';

/** A stream response whose body the test reads (or leaves unread) at its own pace. */
export interface OpenStream {
  response: IncomingMessage;
  /** Reads the rest of the body and splits it into lines (each must end with a newline). */
  lines(): Promise<string[]>;
  /** Disconnects, as a client that gives up mid-stream does. */
  abort(): void;
}

/** GET /favorites with `Accept: application/x-ndjson` over node:http, body not yet read. */
export function openStream(
  baseUrl: string,
  token: string,
  query = '',
  accept = 'application/x-ndjson',
): Promise<OpenStream> {
  return new Promise((resolve, reject) => {
    const req = request(`${baseUrl}/favorites${query}`, {
      headers: { accept, authorization: `Bearer ${token}` },
    });
    req.once('error', reject);
    req.once('response', (response) => {
      response.pause();
      resolve({
        response,
        abort: () => req.destroy(),
        lines: () =>
          new Promise((done, fail) => {
            const chunks: Buffer[] = [];
            response.on('data', (chunk: Buffer) => chunks.push(chunk));
            response.once('error', fail);
            response.once('end', () => {
              const text = Buffer.concat(chunks).toString('utf8');
              if (text && !text.endsWith('\n')) fail(new Error('stream ended mid-line'));
              done(text ? text.slice(0, -1).split('\n') : []);
            });
            response.resume();
          }),
      });
    });
    req.end();
  });
}

/** The whole stream, parsed. */
export async function streamAll<T = Record<string, unknown>>(
  baseUrl: string,
  token: string,
  query = '',
): Promise<{ response: IncomingMessage; items: T[] }> {
  const stream = await openStream(baseUrl, token, query);
  const lines = await stream.lines();
  return { response: stream.response, items: lines.map((line) => JSON.parse(line) as T) };
}
