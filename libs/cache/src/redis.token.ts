/** The shared Redis client, or null when none is configured (the in-process cache stands in). */
export const REDIS = Symbol('REDIS');
