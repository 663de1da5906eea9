const NEWLINE = 0x0a;

function countLines(text: Buffer): number {
  let lines = 0;
  for (let at = text.indexOf(NEWLINE); at !== -1; at = text.indexOf(NEWLINE, at + 1)) lines++;
  return lines;
}

/**
 * NDJSON bytes as they come off the database connection, which cuts them wherever its reads end,
 * to chunks of whole lines: the start of a line cut off is held back and goes out with its rest.
 * Pulled, not pushed: the next chunk is read only when the response asks for more, so a slow
 * client slows the database. On a read error the lines already handed over are all whole, and
 * the cut-off start is dropped, so an error line can follow. `onLines` hears how many lines each
 * chunk holds as it goes out (the streamed-rows metric).
 */
export async function* wholeLines(
  chunks: AsyncIterable<Buffer>,
  onLines: (lines: number) => void = () => undefined,
): AsyncGenerator<Buffer> {
  let cutOff: Buffer | undefined;
  for await (const chunk of chunks) {
    const end = chunk.lastIndexOf(NEWLINE) + 1;
    if (end === 0) {
      cutOff = cutOff ? Buffer.concat([cutOff, chunk]) : chunk;
      continue;
    }
    const lines = chunk.subarray(0, end);
    onLines(countLines(lines));
    // The held-back start goes out first, on its own: no copy of the chunk to join them.
    if (cutOff) yield cutOff;
    yield lines;
    cutOff = end < chunk.length ? chunk.subarray(end) : undefined;
  }
  if (cutOff) throw new Error('the NDJSON source ended inside a line');
}
