import { InitialSchema1764000000000 } from './1764000000000-initial-schema';
import { Sessions1765000000000 } from './1765000000000-sessions';

/** Every migration, in order. Listed explicitly rather than globbed, so bundling cannot drop one. */
export const MIGRATIONS = [InitialSchema1764000000000, Sessions1765000000000];
