import { createHash, randomBytes } from 'node:crypto';

import { Injectable, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import * as bcrypt from 'bcrypt';

import { AllConfig } from '@app/config';

/**
 * bcrypt reads only the first 72 bytes of its input, so a long password would be silently
 * truncated. Every password is first reduced to base64(SHA-256(password)), 44 ASCII bytes with
 * no NUL, then hashed with bcrypt (see docs/DECISIONS.md, ADR-0004).
 */
export function prehash(password: string): string {
  return createHash('sha256').update(password, 'utf8').digest('base64');
}

@Injectable()
export class PasswordHasher implements OnModuleInit {
  private readonly cost: number;
  private dummyHash = '';

  constructor(config: ConfigService<AllConfig, true>) {
    this.cost = config.get('auth.bcryptCost', { infer: true });
  }

  /** A hash to compare against when the email is unknown, so login timing reveals nothing. */
  async onModuleInit(): Promise<void> {
    this.dummyHash = await bcrypt.hash(randomBytes(32).toString('base64'), this.cost);
  }

  hash(password: string): Promise<string> {
    return bcrypt.hash(prehash(password), this.cost);
  }

  /** With no stored hash, spends the same work against the dummy hash and answers false. */
  async verify(password: string, storedHash: string | undefined): Promise<boolean> {
    const matches = await bcrypt.compare(prehash(password), storedHash ?? this.dummyHash);
    return storedHash !== undefined && matches;
  }
}
