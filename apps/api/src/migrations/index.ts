import { InitialSchema1764000000000 } from './1764000000000-initial-schema';
import { FavoriteVersions1767000000000 } from './1767000000000-favorite-versions';

/** Every migration, in order. Listed explicitly rather than globbed, so bundling cannot drop one. */
export const MIGRATIONS = [InitialSchema1764000000000, FavoriteVersions1767000000000];
