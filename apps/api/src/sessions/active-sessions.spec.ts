import { ConfigService } from '@nestjs/config';

import { AllConfig } from '@app/config';

import { ActiveSessions } from './active-sessions';
import { SessionRevocations } from './session-revocations';
import { SessionsRepository } from './sessions.repository';

const ALICE = '0b8f5a0e-6d4c-4c55-9a51-3f1c2f6e0a01';
const BOB = '7d1e2c3b-4a59-4f68-8e77-1a2b3c4d5e6f';
const S1 = '11111111-1111-4111-8111-111111111111';
const S2 = '22222222-2222-4222-8222-222222222222';

/** A revocation bus that lets a test announce revocations and a resubscription. */
function revocationsStub() {
  const revoked: Array<(sessionIds: string[]) => void> = [];
  const resubscribed: Array<() => void> = [];
  const stub = {
    onRevoked: (listener: (sessionIds: string[]) => void) => revoked.push(listener),
    onResubscribed: (listener: () => void) => resubscribed.push(listener),
    announce: (sessionIds: string[]) => revoked.forEach((listener) => listener(sessionIds)),
    resubscribe: () => resubscribed.forEach((listener) => listener()),
  };
  return stub as typeof stub & SessionRevocations;
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe(ActiveSessions.name, () => {
  let findActiveOwner: jest.Mock<Promise<string | undefined>, [string]>;
  let revocations: ReturnType<typeof revocationsStub>;
  let sut: ActiveSessions;

  const build = (sessionCacheSeconds = 30) => {
    const config = { get: () => ({ sessionCacheSeconds, jwtExpiresInSeconds: 900 }) };
    return new ActiveSessions(
      { findActiveOwner } as unknown as SessionsRepository,
      revocations,
      config as unknown as ConfigService<AllConfig, true>,
    );
  };

  beforeEach(() => {
    findActiveOwner = jest.fn((sessionId: string) =>
      Promise.resolve(sessionId === S1 ? ALICE : undefined),
    );
    revocations = revocationsStub();
    sut = build();
  });

  it('asks PostgreSQL about an unknown session, then answers from memory, synchronously', async () => {
    await expect(sut.check(S1, ALICE, 0)).resolves.toBe(true);

    expect(sut.check(S1, ALICE, 1000)).toBe(true);
    expect(findActiveOwner).toHaveBeenCalledTimes(1);
    expect(findActiveOwner).toHaveBeenCalledWith(S1);
  });

  it("refuses a session that is not the token's user's, from PostgreSQL and from memory", async () => {
    await expect(sut.check(S1, BOB)).resolves.toBe(false);
    expect(sut.check(S1, BOB)).toBe(false);
    expect(sut.check(S1, ALICE)).toBe(true);
  });

  it('asks again once the trust period has passed', async () => {
    const now = Date.now();
    await sut.check(S1, ALICE, now);

    expect(sut.check(S1, ALICE, now + 29_000)).toBe(true);
    await expect(sut.check(S1, ALICE, now + 31_000)).resolves.toBe(true);
    expect(findActiveOwner).toHaveBeenCalledTimes(2);
  });

  it('shares one query between concurrent checks of one session', async () => {
    const answer = deferred<string | undefined>();
    findActiveOwner.mockReturnValueOnce(answer.promise);

    // All three wait for the one query: none is answered from memory yet.
    const checks = [sut.check(S1, ALICE), sut.check(S1, ALICE), sut.check(S1, BOB)] as Array<
      Promise<boolean>
    >;
    checks.forEach((check) => expect(check).toBeInstanceOf(Promise));
    answer.resolve(ALICE);

    await expect(Promise.all(checks)).resolves.toEqual([true, true, false]);
    expect(findActiveOwner).toHaveBeenCalledTimes(1);
  });

  it('remembers a session PostgreSQL does not know as refused: replays cost no query', async () => {
    await expect(sut.check(S2, ALICE)).resolves.toBe(false);

    expect(sut.check(S2, ALICE)).toBe(false);
    expect(findActiveOwner).toHaveBeenCalledTimes(1);
  });

  it('refuses a trusted session as soon as its revocation is heard', async () => {
    await sut.check(S1, ALICE);

    revocations.announce([S1]);

    expect(sut.check(S1, ALICE)).toBe(false);
    expect(findActiveOwner).toHaveBeenCalledTimes(1);
  });

  it('lets a revocation heard during a query win over what the query read', async () => {
    const answer = deferred<string | undefined>();
    findActiveOwner.mockReturnValueOnce(answer.promise);
    const check = sut.check(S1, ALICE);

    revocations.announce([S1]);
    answer.resolve(ALICE);

    await expect(check).resolves.toBe(false);
    expect(sut.check(S1, ALICE)).toBe(false);
  });

  it('forgets a revocation once no access token issued before it can be valid', async () => {
    const now = Date.now();
    sut.forget([S1], now);

    expect(sut.check(S1, ALICE, now + 899_000)).toBe(false);
    await expect(sut.check(S1, ALICE, now + 901_000)).resolves.toBe(true);
  });

  it('drops what it trusted when the revocation channel (re)connects: messages may be lost', async () => {
    await sut.check(S1, ALICE);

    revocations.resubscribe();

    await expect(sut.check(S1, ALICE)).resolves.toBe(true);
    expect(findActiveOwner).toHaveBeenCalledTimes(2);
  });

  it('with a trust period of 0, asks PostgreSQL every time', async () => {
    sut = build(0);

    await expect(sut.check(S1, ALICE)).resolves.toBe(true);
    await expect(sut.check(S1, ALICE)).resolves.toBe(true);
    expect(findActiveOwner).toHaveBeenCalledTimes(2);
  });

  it('does not cache a failed query', async () => {
    findActiveOwner.mockRejectedValueOnce(new Error('connection refused'));

    await expect(sut.check(S1, ALICE)).rejects.toThrow('connection refused');
    await expect(sut.check(S1, ALICE)).resolves.toBe(true);
  });
});
