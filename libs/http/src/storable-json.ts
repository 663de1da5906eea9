import { FieldError } from './domain-error';

export const MAX_JSON_DEPTH = 32;

/** NUL and unpaired surrogates: PostgreSQL refuses both in text and JSONB. */
export function unstorableTextReason(text: string): string | undefined {
  if (text.includes('\u0000')) return 'must not contain NUL characters';
  if (!text.isWellFormed()) return 'must not contain unpaired surrogates';
  return undefined;
}

function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return parent ? `${parent}.${key}` : key;
}

/**
 * Finds the first value a request must not carry into the database or a logger: text PostgreSQL
 * refuses, prototype-polluting keys, or nesting deeper than MAX_JSON_DEPTH. Iterative, so a
 * hostile 20,000-deep document cannot overflow the stack.
 */
export function findUnstorableJson(root: unknown): FieldError | undefined {
  const stack: Array<{ value: unknown; path: string; depth: number }> = [
    { value: root, path: '', depth: 0 },
  ];
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value === 'string') {
      const reason = unstorableTextReason(value);
      if (reason) return { field: path || '(body)', message: `${path || 'body'} ${reason}` };
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth >= MAX_JSON_DEPTH) {
      return { field: path || '(body)', message: `nesting deeper than ${MAX_JSON_DEPTH} levels` };
    }
    if (Array.isArray(value)) {
      value.forEach((item, i) =>
        stack.push({ value: item, path: childPath(path, i), depth: depth + 1 }),
      );
      continue;
    }
    for (const [key, item] of Object.entries(value)) {
      const reason = unstorableTextReason(key);
      if (reason) return { field: path || '(body)', message: `a property name ${reason}` };
      if (key === '__proto__' || (key === 'constructor' && typeof item === 'object')) {
        return { field: childPath(path, key), message: `${key} is not an allowed property name` };
      }
      stack.push({ value: item, path: childPath(path, key), depth: depth + 1 });
    }
  }
  return undefined;
}
