import { createHash } from 'node:crypto';

import { InvalidIdempotencyKeyError } from './idempotency.errors';

/** Printable ASCII, 1 to 255 characters (the length Stripe allows). */
const IDEMPOTENCY_KEY = /^[\x20-\x7e]{1,255}$/;

/** The key of an Idempotency-Key header, undefined without one; refused when malformed. */
export function parseIdempotencyKey(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (typeof header !== 'string' || !IDEMPOTENCY_KEY.test(header)) {
    throw new InvalidIdempotencyKeyError();
  }
  return header;
}

/**
 * JSON with every object's keys sorted, so two bodies that differ only in key order or spacing
 * are the same request. The body has passed the storable-JSON check: at most 32 levels deep.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map(
        (key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`,
      );
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** What makes two requests "the same": method, target (path and query) and canonical body. */
export function requestFingerprint(method: string, target: string, body: unknown): string {
  return createHash('sha256')
    .update(`${method.toUpperCase()} ${target}\n${canonicalJson(body)}`)
    .digest('base64url');
}
