import type { AssetJsonRow } from './favorites.repository';

/** About one TCP window of text per write: row-by-row writes cost several times the throughput. */
const BATCH_CHARS = 64 * 1024;

/**
 * Rows of Asset JSON to NDJSON text in batches. Pulled, not pushed: it reads the next row only
 * when the response asks for more, so a slow client slows the database cursor. On a read error it
 * hands over the complete lines it holds before passing the error on.
 */
export async function* ndjsonBatches(rows: AsyncIterable<AssetJsonRow>): AsyncGenerator<string> {
  let batch = '';
  try {
    for await (const [json] of rows) {
      batch += `${json}\n`;
      if (batch.length >= BATCH_CHARS) {
        yield batch;
        batch = '';
      }
    }
  } catch (error) {
    if (batch) yield batch;
    throw error;
  }
  if (batch) yield batch;
}
