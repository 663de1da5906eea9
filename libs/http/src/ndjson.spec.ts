import { Readable } from 'node:stream';

import { ndjsonBody, ndjsonErrorLine } from './ndjson';

const request = { id: 'req-7', url: '/favorites?type=chart' };

/** Yields the strings in turn, asynchronously, and throws the first Error it meets. */
async function* chunksOf(...items: Array<string | Error>): AsyncGenerator<string> {
  for (const item of items) {
    await Promise.resolve();
    if (item instanceof Error) throw item;
    yield item;
  }
}

async function readAll(body: Readable): Promise<string> {
  let text = '';
  for await (const chunk of body) text += String(chunk);
  return text;
}

describe(ndjsonBody.name, () => {
  it('passes the chunks through in order', async () => {
    const body = await ndjsonBody(
      chunksOf('{"id":"a"}\n', '{"id":"b"}\n{"id":"c"}\n'),
      () => 'unused\n',
    );
    await expect(readAll(body)).resolves.toBe('{"id":"a"}\n{"id":"b"}\n{"id":"c"}\n');
  });

  it('gives an empty body for no chunks', async () => {
    await expect(readAll(await ndjsonBody(chunksOf(), () => 'unused\n'))).resolves.toBe('');
  });

  it('rejects when the first chunk fails, so the status can still say so', async () => {
    const onError = jest.fn(() => 'unused\n');
    await expect(ndjsonBody(chunksOf(new Error('connection refused')), onError)).rejects.toThrow(
      'connection refused',
    );
    expect(onError).not.toHaveBeenCalled();
  });

  it('ends with the error line when a later chunk fails', async () => {
    const failure = new Error('division by zero');
    const onError = jest.fn(() => '{"error":{}}\n');
    const body = await ndjsonBody(chunksOf('{"id":"a"}\n', failure), onError);
    await expect(readAll(body)).resolves.toBe('{"id":"a"}\n{"error":{}}\n');
    expect(onError).toHaveBeenCalledWith(failure);
  });

  it('returns the source when the body is destroyed early, so it can release what it holds', async () => {
    let released = false;
    async function* chunks() {
      try {
        for (let i = 0; ; i++) {
          await Promise.resolve();
          yield `${i}\n`;
        }
      } finally {
        released = true;
      }
    }
    const body = await ndjsonBody(chunks(), () => 'unused\n');
    body.once('data', () => body.destroy());
    await new Promise((resolve) => body.once('close', resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(released).toBe(true);
  });
});

describe(ndjsonErrorLine.name, () => {
  it('is one line of {"error": problem} with the request id and no detail of the cause', () => {
    const line = ndjsonErrorLine(request);
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toContain('\n');
    expect(JSON.parse(line)).toEqual({
      error: expect.objectContaining({
        status: 500,
        code: 'STREAM_INTERRUPTED',
        requestId: 'req-7',
        instance: '/favorites',
      }),
    });
  });
});
