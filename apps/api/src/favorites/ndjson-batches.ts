import type { AssetJsonRow } from './favorites.repository';

/** About one TCP window of text per write: row-by-row writes cost several times the throughput. */
const BATCH_CHARS = 64 * 1024;

/**
 * Rows of Asset JSON to NDJSON text in batches. Pulled, not pushed: it reads the next row only
 * when the response asks for more, so a slow client slows the database cursor. On a read error it
 * hands over the complete lines it holds before passing the error on. `onBatch` hears how many
 * rows each batch holds as it goes out (the streamed-rows metric).
 */
export async function* ndjsonBatches(
  rows: AsyncIterable<AssetJsonRow>,
  onBatch: (rows: number) => void = () => undefined,
): AsyncGenerator<string> {
  let batch = '';
  let count = 0;
  const flush = () => {
    onBatch(count);
    const text = batch;
    batch = '';
    count = 0;
    return text;
  };
  try {
    for await (const [json] of rows) {
      batch += `${json}\n`;
      count++;
      if (batch.length >= BATCH_CHARS) yield flush();
    }
  } catch (error) {
    if (batch) yield flush();
    throw error;
  }
  if (batch) yield flush();
}
