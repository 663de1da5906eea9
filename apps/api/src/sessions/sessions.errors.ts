import { DomainError } from '@app/http';

/**
 * One answer for an unknown, expired, already used or revoked refresh token: in every case the
 * client must log in again, and an attacker learns nothing about which it was.
 */
export class InvalidRefreshTokenError extends DomainError {
  readonly code = 'INVALID_REFRESH_TOKEN';
  readonly kind = 'unauthenticated';

  constructor() {
    super('The refresh token is invalid, expired, already used or revoked: log in again');
  }
}
