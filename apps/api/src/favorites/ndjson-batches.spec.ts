import type { AssetJsonRow } from './favorites.repository';
import { ndjsonBatches } from './ndjson-batches';

async function* rowsOf(count: number, size: number, failAt?: number): AsyncGenerator<AssetJsonRow> {
  for (let i = 0; i < count; i++) {
    await Promise.resolve();
    if (i === failAt) throw new Error(`row ${i} failed`);
    yield [`{"id":"${String(i).padStart(6, '0')}","pad":"${'x'.repeat(size)}"}`];
  }
}

async function collect(batches: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const batch of batches) out.push(batch);
  return out;
}

describe(ndjsonBatches.name, () => {
  it('writes one line per row, in order, in batches of about 64 KiB', async () => {
    const batches = await collect(ndjsonBatches(rowsOf(1000, 200)));

    const lines = batches.join('').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(1000);
    expect(lines.map((l) => (JSON.parse(l) as { id: string }).id)).toEqual(
      Array.from({ length: 1000 }, (_, i) => String(i).padStart(6, '0')),
    );
    expect(batches.length).toBeGreaterThan(1);
    for (const batch of batches.slice(0, -1)) {
      expect(batch.length).toBeGreaterThanOrEqual(64 * 1024);
      expect(batch.length).toBeLessThan(64 * 1024 + 300);
      expect(batch.endsWith('\n')).toBe(true);
    }
  });

  it('tells how many rows each batch holds as it goes out', async () => {
    const counts: number[] = [];
    const batches = await collect(ndjsonBatches(rowsOf(1000, 200), (rows) => counts.push(rows)));

    expect(counts).toHaveLength(batches.length);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(1000);
    expect(counts).toEqual(batches.map((batch) => batch.split('\n').length - 1));
  });

  it('yields nothing for no rows', async () => {
    await expect(collect(ndjsonBatches(rowsOf(0, 10)))).resolves.toEqual([]);
  });

  it('hands over the whole lines it holds before passing a read error on', async () => {
    const seen: string[] = [];
    const run = async () => {
      for await (const batch of ndjsonBatches(rowsOf(10, 10, 7))) seen.push(batch);
    };
    await expect(run()).rejects.toThrow('row 7 failed');
    expect(seen.join('').trimEnd().split('\n')).toHaveLength(7);
  });

  it('reads a row only when the next batch is asked for', async () => {
    let read = 0;
    async function* counted(): AsyncGenerator<AssetJsonRow> {
      for (let i = 0; i < 100_000; i++) {
        await Promise.resolve();
        read++;
        yield [`{"pad":"${'x'.repeat(1000)}"}`];
      }
    }
    const batches = ndjsonBatches(counted());
    await batches.next();
    expect(read).toBeLessThan(100);
    await batches.return(undefined);
  });
});
