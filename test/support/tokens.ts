import { createHmac } from 'node:crypto';

export const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

export interface ForgeOptions {
  alg?: string;
  /** Defaults to the secret the test apps sign with (JWT_SECRET, set by the global setup). */
  secret?: string;
}

/** Signs like the service does, with the claims it checks, so each test can break exactly one. */
export function forge(claims: Record<string, unknown>, options: ForgeOptions = {}): string {
  const header = b64url({ alg: options.alg ?? 'HS256', typ: 'JWT' });
  const payload = b64url(claims);
  if (options.alg === 'none') return `${header}.${payload}.`;
  const hash = options.alg === 'HS512' ? 'sha512' : 'sha256';
  const signature = createHmac(hash, options.secret ?? process.env.JWT_SECRET!)
    .update(`${header}.${payload}`)
    .digest('base64url');
  return `${header}.${payload}.${signature}`;
}

/** The claims of a token the service issued (not verified: for building altered copies). */
export function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
}
