import { isIP } from 'node:net';

/**
 * Which peers may set `X-Forwarded-For`, in the forms Fastify's `trustProxy` takes: `true` (any:
 * only behind a proxy that overwrites the header), a hop count, or addresses and CIDR ranges
 * (`loopback`, `linklocal`, `uniquelocal` stand for their ranges). `false`: the socket's address
 * is the client, whatever the header says.
 */
export type TrustProxy = boolean | number | string[];

const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function isAddressOrRange(entry: string): boolean {
  if (NAMED_RANGES.has(entry) || isIP(entry) !== 0) return true;
  const [address, prefix, ...rest] = entry.split('/');
  if (rest.length > 0 || prefix === undefined || !/^\d{1,3}$/.test(prefix)) return false;
  const version = isIP(address);
  return version !== 0 && Number(prefix) <= (version === 4 ? 32 : 128);
}

/** `TRUST_PROXY` as Fastify wants it, or undefined when it is none of the accepted forms. */
export function parseTrustProxy(raw: string): TrustProxy | undefined {
  const value = raw.trim().toLowerCase();
  if (value === '' || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    return hops >= 1 && hops <= 10 ? hops : undefined;
  }
  const entries = value.split(',').map((entry) => entry.trim());
  return entries.every(isAddressOrRange) ? entries : undefined;
}

/**
 * `CORS_ORIGINS` as a list of exact origins (`https://app.example.com`, no path), or undefined
 * when an entry is not one. Empty: CORS stays off.
 */
export function parseCorsOrigins(raw: string): string[] | undefined {
  const entries = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  const origins: string[] = [];
  for (const entry of entries) {
    let url: URL;
    try {
      url = new URL(entry);
    } catch {
      return undefined;
    }
    if (!['http:', 'https:'].includes(url.protocol) || url.origin !== entry.replace(/\/$/, '')) {
      return undefined;
    }
    origins.push(url.origin);
  }
  return origins;
}
