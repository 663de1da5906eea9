import { createHmac, timingSafeEqual } from 'node:crypto';

import { Injectable } from '@nestjs/common';

import { SigningKeys } from '@app/config';

import { InvalidCursorError } from './favorites.errors';

/** Where a keyset page ends: the (created_at, id) of its last row. */
export interface KeysetPosition {
  createdAt: Date;
  id: string;
}

const MAC_BYTES = 16;
/** One spelling only: base64url without padding, a 128-bit MAC is exactly 22 characters. */
const CURSOR = /^([A-Za-z0-9_-]{1,600})\.([A-Za-z0-9_-]{22})$/;

/**
 * Opaque, tamper-evident page cursors: base64url(JSON [createdAtMs, id]) "." MAC, where the MAC
 * (HMAC-SHA256, truncated to 128 bits) also covers the user id. A cursor edited by hand, or
 * replayed by another user, fails verification and is answered with 400; it can grant nothing.
 */
@Injectable()
export class PageCursorCodec {
  constructor(private readonly keys: SigningKeys) {}

  encode(userId: string, position: KeysetPosition): string {
    const payload = Buffer.from(
      JSON.stringify([position.createdAt.getTime(), position.id]),
    ).toString('base64url');
    return `${payload}.${this.mac(userId, payload).toString('base64url')}`;
  }

  decode(userId: string, cursor: string): KeysetPosition {
    const match = CURSOR.exec(cursor);
    if (!match) throw new InvalidCursorError();
    const [, payload, mac] = match;
    const given = Buffer.from(mac, 'base64url');
    const expected = this.mac(userId, payload);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new InvalidCursorError();
    }
    const [ms, id] = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as [
      number,
      string,
    ];
    return { createdAt: new Date(ms), id };
  }

  private mac(userId: string, payload: string): Buffer {
    return createHmac('sha256', this.keys.cursor)
      .update(`${userId}\n${payload}`)
      .digest()
      .subarray(0, MAC_BYTES);
  }
}
