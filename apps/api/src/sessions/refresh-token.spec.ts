import { createHash } from 'node:crypto';

import { isRefreshTokenShaped, newRefreshToken, refreshTokenHash } from './refresh-token';

describe(newRefreshToken.name, () => {
  it('is 256 random bits as base64url: 43 characters, never the same twice', () => {
    const tokens = new Set(Array.from({ length: 1000 }, newRefreshToken));

    expect(tokens.size).toBe(1000);
    for (const token of tokens) {
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    }
  });

  it('has no dots, so it can never be read as a JWT', () => {
    expect(newRefreshToken()).not.toContain('.');
  });
});

describe(refreshTokenHash.name, () => {
  it('is the 32-byte SHA-256 of the token text', () => {
    const token = newRefreshToken();

    expect(refreshTokenHash(token)).toEqual(createHash('sha256').update(token).digest());
    expect(refreshTokenHash(token)).toHaveLength(32);
  });
});

describe(isRefreshTokenShaped.name, () => {
  it('accepts what newRefreshToken makes', () => {
    expect(isRefreshTokenShaped(newRefreshToken())).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['one short', 'A'.repeat(42)],
    ['one long', 'A'.repeat(44)],
    ['padded base64', `${'A'.repeat(42)}=`],
    ['a JWT', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl'],
    ['whitespace', ` ${'A'.repeat(42)}`],
  ])('refuses %s', (_case, text) => {
    expect(isRefreshTokenShaped(text)).toBe(false);
  });
});
