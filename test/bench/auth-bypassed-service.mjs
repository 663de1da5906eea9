// Bench-only entry: the built service exactly as main.js starts it, except that the global JWT
// guard admits every request as one fixed user (BENCH_USER_ID, BENCH_SESSION_ID) without looking
// at a token. It measures what authentication costs (test/bench/run.mjs); it is no production
// flag: the service has no way to turn its guard off, this file patches the built class before
// main.js loads it. SERVICE_DIST: the built service's source folder.
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const dist = process.env.SERVICE_DIST;
const { JwtAuthGuard } = require(join(dist, 'auth/jwt-auth.guard.js'));

const user = { id: process.env.BENCH_USER_ID, sessionId: process.env.BENCH_SESSION_ID };
if (!user.id || !user.sessionId) throw new Error('BENCH_USER_ID and BENCH_SESSION_ID are required');

JwtAuthGuard.prototype.canActivate = function admitBenchUser(context) {
  context.switchToHttp().getRequest().user = user;
  return true;
};

require(join(dist, 'main.js'));
