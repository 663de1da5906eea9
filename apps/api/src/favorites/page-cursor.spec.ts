import { ConfigService } from '@nestjs/config';

import { AuthConfig, SigningKeys } from '@app/config';

import { InvalidCursorError } from './favorites.errors';
import { KeysetPosition, PageCursorCodec } from './page-cursor';

function signingKeys(jwtSecret: string): SigningKeys {
  const auth: AuthConfig = {
    jwtSecret,
    jwtIssuer: 'favorites-service',
    jwtAudience: 'favorites-api',
    jwtExpiresInSeconds: 3600,
    refreshTokenExpiresInSeconds: 30 * 24 * 3600,
    sessionCacheSeconds: 30,
    verifiedTokens: 0,
    bcryptCost: 10,
  };
  const config = { getOrThrow: jest.fn().mockReturnValue(auth) };
  return new SigningKeys(config as unknown as ConfigService);
}

/** The same string with its first character replaced, so the decoded bytes differ. */
function flipFirst(text: string): string {
  return (text[0] === 'A' ? 'B' : 'A') + text.slice(1);
}

describe(PageCursorCodec.name, () => {
  const alice = '0b8f5a0e-6d4c-4c55-9a51-3f1c2f6e0a01';
  const bob = '7d1e2c3b-4a59-4f68-8e77-1a2b3c4d5e6f';
  const position: KeysetPosition = {
    createdAt: new Date('2026-01-02T03:04:05.678Z'),
    id: 'chart.v2.ünïcödé.😀..end',
  };
  let sut: PageCursorCodec;

  beforeEach(() => {
    sut = new PageCursorCodec(signingKeys('a-test-secret-of-at-least-32-bytes!'));
  });

  it('decodes what it encoded, keeping milliseconds and the exact id', () => {
    const cursor = sut.encode(alice, position);

    expect(cursor).toMatch(/^[\w-]+\.[\w-]+$/);
    expect(sut.decode(alice, cursor)).toEqual(position);
    expect(sut.decode(alice, cursor).createdAt.getTime()).toBe(position.createdAt.getTime());
  });

  it("refuses another user's cursor", () => {
    const cursor = sut.encode(alice, position);

    expect(() => sut.decode(bob, cursor)).toThrow(InvalidCursorError);
  });

  it('refuses a cursor signed with another secret', () => {
    const other = new PageCursorCodec(signingKeys('another-secret-of-at-least-32-bytes'));

    expect(() => sut.decode(alice, other.encode(alice, position))).toThrow(InvalidCursorError);
  });

  it('refuses an edited payload', () => {
    const [, mac] = sut.encode(alice, position).split('.');
    const forged = Buffer.from(
      JSON.stringify([position.createdAt.getTime(), 'someone-else']),
    ).toString('base64url');

    expect(() => sut.decode(alice, `${forged}.${mac}`)).toThrow(InvalidCursorError);
  });

  it('refuses an edited MAC', () => {
    const [payload, mac] = sut.encode(alice, position).split('.');

    expect(() => sut.decode(alice, `${payload}.${flipFirst(mac)}`)).toThrow(InvalidCursorError);
    expect(() => sut.decode(alice, `${payload}.${mac.slice(0, -2)}`)).toThrow(InvalidCursorError);
  });

  it('accepts only the one spelling it issues (no padding, no stray characters)', () => {
    const cursor = sut.encode(alice, position);
    const [payload, mac] = cursor.split('.');
    expect(() => sut.decode(alice, `${cursor}=`)).toThrow(InvalidCursorError);
    expect(() => sut.decode(alice, `${payload}.${mac.slice(0, 5)}!${mac.slice(5)}`)).toThrow(
      InvalidCursorError,
    );
    expect(() => sut.decode(alice, `${payload}=.${mac}`)).toThrow(InvalidCursorError);
  });

  it.each(['', 'a', 'a.b.c', '..', '.', 'payload.', '.mac', 'not a cursor at all'])(
    'refuses the garbage cursor %p',
    (garbage) => {
      expect(() => sut.decode(alice, garbage)).toThrow(InvalidCursorError);
    },
  );
});
