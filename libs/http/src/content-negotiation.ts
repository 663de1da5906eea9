interface MediaRange {
  type: string;
  q: number;
}

function parseAccept(accept: string): MediaRange[] {
  return accept.split(',').flatMap((part) => {
    const [type, ...params] = part.trim().toLowerCase().split(';');
    if (!type) return [];
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    return Number.isFinite(q) ? [{ type: type.trim(), q }] : [];
  });
}

function quality(ranges: MediaRange[], offered: string): number {
  const [major] = offered.split('/');
  const exact = ranges.find((r) => r.type === offered);
  if (exact) return exact.q;
  const wildcard =
    ranges.find((r) => r.type === `${major}/*`) ?? ranges.find((r) => r.type === '*/*');
  return wildcard?.q ?? 0;
}

/** Accept headers seen per offered list: a client sends the same one on every request. */
const decided = new WeakMap<readonly string[], Map<string, string>>();
/** Bounded, so that made-up headers cannot grow it: past this it starts again. */
const MAX_REMEMBERED = 64;

/**
 * The offered media type the Accept header prefers, by q-value (RFC 9110, section 12.5.1). The
 * first offered type wins ties and answers a missing or unsatisfiable header: clients that sent
 * anything to the Go service keep getting what it sent them. The answer for a header already seen
 * with the same offered list is remembered (the list endpoint negotiates on every request).
 */
export function negotiateMediaType(accept: string | undefined, offered: readonly string[]): string {
  if (!accept) return offered[0];
  let seen = decided.get(offered);
  if (!seen) decided.set(offered, (seen = new Map<string, string>()));
  let best = seen.get(accept);
  if (best === undefined) {
    if (seen.size >= MAX_REMEMBERED) seen.clear();
    best = preferred(accept, offered);
    seen.set(accept, best);
  }
  return best;
}

function preferred(accept: string, offered: readonly string[]): string {
  const ranges = parseAccept(accept);
  let best = offered[0];
  let bestQ = quality(ranges, best);
  for (const candidate of offered.slice(1)) {
    const q = quality(ranges, candidate);
    if (q > bestQ) [best, bestQ] = [candidate, q];
  }
  return best;
}
