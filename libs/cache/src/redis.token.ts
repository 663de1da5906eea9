/** The shared Redis client, or null when none is configured (the in-process cache and
 * rate-limit counters stand in). */
export const REDIS = Symbol('REDIS');
