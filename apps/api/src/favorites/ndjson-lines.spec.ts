import { wholeLines } from './ndjson-lines';

const line = (i: number, size = 20) =>
  `{"id":"${String(i).padStart(6, '0')}","pad":"${'é'.repeat(size)}"}\n`;

/** The text of `count` lines, cut into pieces of `size` bytes (a multi-byte character may be cut). */
async function* piecesOf(count: number, size: number, failAfter?: number): AsyncGenerator<Buffer> {
  const text = Buffer.from(Array.from({ length: count }, (_, i) => line(i)).join(''));
  for (let at = 0, n = 0; at < text.length; at += size, n++) {
    await Promise.resolve();
    if (n === failAfter) throw new Error(`piece ${n} failed`);
    yield text.subarray(at, at + size);
  }
}

async function collect(chunks: AsyncIterable<Buffer>): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const chunk of chunks) out.push(chunk);
  return out;
}

describe(wholeLines.name, () => {
  it.each([1, 7, 64, 1000, 65_536])(
    'gives back the same bytes, whole lines at every read, from pieces of %i bytes',
    async (size) => {
      const source = piecesOf(500, size);
      let reads = 0;
      async function* counted(): AsyncGenerator<Buffer> {
        for await (const piece of source) {
          reads++;
          yield piece;
        }
      }
      // Whenever the source is read again, what went out so far ends at a line end.
      const lastSentAtRead: Array<number | undefined> = [];
      const chunks: Buffer[] = [];
      let readsSeen = 0;
      for await (const chunk of wholeLines(counted())) {
        if (reads !== readsSeen) lastSentAtRead.push(chunks.at(-1)?.at(-1));
        readsSeen = reads;
        chunks.push(chunk);
      }

      expect(Buffer.concat(chunks).toString()).toBe(
        Array.from({ length: 500 }, (_, i) => line(i)).join(''),
      );
      expect(lastSentAtRead.length).toBeGreaterThan(0);
      expect(lastSentAtRead.filter((byte) => byte !== undefined && byte !== 0x0a)).toEqual([]);
    },
  );

  it('tells how many lines each chunk holds as it goes out', async () => {
    const counts: number[] = [];
    const chunks = await collect(wholeLines(piecesOf(500, 333), (lines) => counts.push(lines)));

    expect(counts.reduce((a, b) => a + b, 0)).toBe(500);
    // Counted when its line end goes out: a chunk of lines carries them, a held-back start none.
    const ends = chunks.map((chunk) => chunk.toString().split('\n').length - 1);
    expect(counts).toEqual(ends.filter((n) => n > 0));
  });

  it('yields nothing for no bytes', async () => {
    await expect(collect(wholeLines(piecesOf(0, 10)))).resolves.toEqual([]);
  });

  it('hands over only whole lines before passing a read error on', async () => {
    const seen: Buffer[] = [];
    const run = async () => {
      for await (const chunk of wholeLines(piecesOf(100, 50, 9))) seen.push(chunk);
    };
    await expect(run()).rejects.toThrow('piece 9 failed');
    const text = Buffer.concat(seen).toString();
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.trimEnd().split('\n');
    // 9 pieces of 50 bytes hold 450 bytes; every line before the cut is there, the cut one is not.
    expect(lines).toEqual(Array.from({ length: lines.length }, (_, i) => line(i).trimEnd()));
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(450);
    expect(Buffer.byteLength(text) + Buffer.byteLength(line(lines.length))).toBeGreaterThan(450);
  });

  it('refuses a source that ends inside a line', async () => {
    async function* cut(): AsyncGenerator<Buffer> {
      await Promise.resolve();
      yield Buffer.from(line(1));
      yield Buffer.from('{"id":"0000');
    }
    const seen: Buffer[] = [];
    const run = async () => {
      for await (const chunk of wholeLines(cut())) seen.push(chunk);
    };
    await expect(run()).rejects.toThrow('ended inside a line');
    expect(Buffer.concat(seen).toString()).toBe(line(1));
  });

  it('reads the next piece only when the next chunk is asked for', async () => {
    let read = 0;
    async function* counted(): AsyncGenerator<Buffer> {
      for (let i = 0; i < 100_000; i++) {
        await Promise.resolve();
        read++;
        yield Buffer.from(line(i, 1000));
      }
    }
    const chunks = wholeLines(counted());
    await chunks.next();
    expect(read).toBe(1);
    await chunks.return(undefined);
  });
});
