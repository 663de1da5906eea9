import { InitialSchema1764000000000 } from './1764000000000-initial-schema';
import { Sessions1765000000000 } from './1765000000000-sessions';
import { FavoriteVersions1767000000000 } from './1767000000000-favorite-versions';
import { IdempotencyKeys1767000000001 } from './1767000000001-idempotency-keys';

/** Every migration, in order. Listed explicitly rather than globbed, so bundling cannot drop one. */
export const MIGRATIONS = [
  InitialSchema1764000000000,
  Sessions1765000000000,
  FavoriteVersions1767000000000,
  IdempotencyKeys1767000000001,
];
