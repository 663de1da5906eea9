import { ConfigService } from '@nestjs/config';
import * as bcrypt from 'bcrypt';

import { AllConfig } from '@app/config';

import { PasswordHasher, prehash } from './password-hasher';

// A pass-through spy. jest.spyOn(bcrypt, 'compare') cannot work here: the compiled
// `import * as bcrypt` gives each file its own copy of the namespace, so a spy on this file's
// copy never sees the calls made by password-hasher.ts.
jest.mock('bcrypt', () => {
  const actual = jest.requireActual<typeof import('bcrypt')>('bcrypt');
  return {
    ...actual,
    compare: jest.fn((data: string | Buffer, encrypted: string) => actual.compare(data, encrypted)),
  };
});

type Compare = (data: string | Buffer, encrypted: string) => Promise<boolean>;
const compare = bcrypt.compare as unknown as jest.MockedFunction<Compare>;

const BCRYPT_COST_10 = /^\$2b\$10\$[./A-Za-z0-9]{53}$/;

/** 100 bytes that share their first 72 bytes, the most bcrypt itself would read. */
const longA = 'p'.repeat(72) + 'A'.repeat(28);
const longB = 'p'.repeat(72) + 'B'.repeat(28);

describe(prehash.name, () => {
  it('is base64 of a SHA-256 digest: 44 ASCII characters', () => {
    expect(prehash('correct horse battery staple')).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(prehash('é😀')).toHaveLength(44);
  });

  it('is deterministic', () => {
    expect(prehash(longA)).toBe(prehash(longA));
  });

  it('tells apart long passwords that share their first 72 bytes', () => {
    expect(Buffer.byteLength(longA)).toBe(100);

    expect(prehash(longA)).not.toBe(prehash(longB));
  });
});

describe(PasswordHasher.name, () => {
  let config: { get: jest.Mock };
  let sut: PasswordHasher;

  beforeAll(async () => {
    config = { get: jest.fn().mockReturnValue(10) };
    sut = new PasswordHasher(config as unknown as ConfigService<AllConfig, true>);
    await sut.onModuleInit();
  });

  beforeEach(() => compare.mockClear());

  it('reads its cost from auth.bcryptCost', async () => {
    expect(config.get).toHaveBeenCalledWith('auth.bcryptCost', { infer: true });
    await expect(sut.hash('pw')).resolves.toMatch(BCRYPT_COST_10);
  });

  it('verifies a password against its own hash, and no other', async () => {
    const hash = await sut.hash('correct horse battery staple');

    await expect(sut.verify('correct horse battery staple', hash)).resolves.toBe(true);
    await expect(sut.verify('Correct horse battery staple', hash)).resolves.toBe(false);
  });

  it('does not truncate: passwords equal in their first 72 bytes do not match', async () => {
    // The premise: bcrypt alone would take them for the same password.
    await expect(bcrypt.compare(longB, await bcrypt.hash(longA, 4))).resolves.toBe(true);

    const hashA = await sut.hash(longA);

    await expect(sut.verify(longA, hashA)).resolves.toBe(true);
    await expect(sut.verify(longB, hashA)).resolves.toBe(false);
  });

  it('without a stored hash, does the same bcrypt work against a dummy hash', async () => {
    await expect(sut.verify('any password', undefined)).resolves.toBe(false);

    expect(compare).toHaveBeenCalledTimes(1);
    expect(compare).toHaveBeenCalledWith(
      prehash('any password'),
      expect.stringMatching(BCRYPT_COST_10),
    );
  });

  it('without a stored hash, answers false even if the dummy hash matched', async () => {
    compare.mockResolvedValueOnce(true);

    await expect(sut.verify('any password', undefined)).resolves.toBe(false);
  });
});
