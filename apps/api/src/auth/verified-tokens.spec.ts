import { ConfigService } from '@nestjs/config';

import { AllConfig } from '@app/config';

import { SessionRevocations } from '../sessions/session-revocations';
import { VerifiedTokens } from './verified-tokens';

function verifiedTokens(capacity: number, revocations = revocationsStub()): VerifiedTokens {
  const config = { get: () => ({ verifiedTokens: capacity }) };
  return new VerifiedTokens(config as unknown as ConfigService<AllConfig, true>, revocations);
}

/** Collects the listener VerifiedTokens registers, so a test can announce a revocation. */
function revocationsStub() {
  const listeners: Array<(sessionIds: string[]) => void> = [];
  return Object.assign(
    { onRevoked: (listener: (sessionIds: string[]) => void) => listeners.push(listener) },
    { announce: (sessionIds: string[]) => listeners.forEach((listener) => listener(sessionIds)) },
  ) as unknown as SessionRevocations & { announce(sessionIds: string[]): void };
}

const alice = { id: '0b8f5a0e-6d4c-4c55-9a51-3f1c2f6e0a01', sessionId: 'a1' };
const alice2 = { ...alice, sessionId: 'a2' };
const bob = { id: '7d1e2c3b-4a59-4f68-8e77-1a2b3c4d5e6f', sessionId: 'b1' };
const EXP = 1_800_000_000;

describe('VerifiedTokens', () => {
  it('knows only the exact token it was told, until its exp', () => {
    const tokens = verifiedTokens(10);
    tokens.remember('h.p.sig', alice, EXP);
    expect(tokens.get('h.p.sig', EXP * 1000 - 1)).toEqual(alice);
    expect(tokens.get('h.p.sig2', EXP * 1000 - 1)).toBeUndefined();
    expect(tokens.get('h.p.si', EXP * 1000 - 1)).toBeUndefined();
  });

  it('treats a token as expired from the second of its exp on, and forgets it', () => {
    const tokens = verifiedTokens(10);
    tokens.remember('t', alice, EXP);
    expect(tokens.get('t', EXP * 1000)).toBeUndefined();
    expect(tokens.size).toBe(0);
    // Forgotten for good: an earlier clock does not bring it back.
    expect(tokens.get('t', EXP * 1000 - 5000)).toBeUndefined();
  });

  it('holds at most its capacity, dropping the oldest first', () => {
    const tokens = verifiedTokens(2);
    tokens.remember('a', alice, EXP);
    tokens.remember('b', bob, EXP);
    tokens.remember('a', alice, EXP);
    expect(tokens.size).toBe(2);
    tokens.remember('c', bob, EXP);
    expect(tokens.size).toBe(2);
    expect(tokens.get('a', 0)).toBeUndefined();
    expect(tokens.get('b', 0)).toEqual(bob);
    expect(tokens.get('c', 0)).toEqual(bob);
  });

  it('remembers nothing with a capacity of 0', () => {
    const tokens = verifiedTokens(0);
    tokens.remember('a', alice, EXP);
    expect(tokens.get('a', 0)).toBeUndefined();
    expect(tokens.size).toBe(0);
  });

  it('forgets every token of a session as soon as its revocation is heard, and only those', () => {
    const revocations = revocationsStub();
    const tokens = verifiedTokens(10, revocations);
    tokens.remember('a-1', alice, EXP);
    tokens.remember('a-2', alice, EXP);
    tokens.remember('a2-1', alice2, EXP);
    tokens.remember('b-1', bob, EXP);

    revocations.announce(['a1', 'unknown']);

    expect(tokens.get('a-1', 0)).toBeUndefined();
    expect(tokens.get('a-2', 0)).toBeUndefined();
    expect(tokens.get('a2-1', 0)).toEqual(alice2);
    expect(tokens.get('b-1', 0)).toEqual(bob);
    expect(tokens.size).toBe(2);
  });
});
