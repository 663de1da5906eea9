import { createHash, randomBytes } from 'node:crypto';

/** 256 random bits, base64url: 43 characters, no dots, so it can never parse as a JWT. */
const REFRESH_TOKEN = /^[A-Za-z0-9_-]{43}$/;

/**
 * A new opaque refresh token. Only its hash is stored (refreshTokenHash): a copy of the table
 * gives nobody a usable token.
 */
export function newRefreshToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * SHA-256 of the token. A slow password hash (bcrypt) would add nothing here: it exists to make
 * guessing a low-entropy password from its hash expensive, and 256 random bits cannot be guessed
 * at any hash speed. A fast hash also lets the token be looked up by its hash (the primary key),
 * which a salted bcrypt hash cannot (ADR-0022).
 */
export function refreshTokenHash(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** Whether the text can be one of our refresh tokens at all (an access token cannot). */
export function isRefreshTokenShaped(text: string): boolean {
  return REFRESH_TOKEN.test(text);
}
