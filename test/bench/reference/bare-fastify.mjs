// The bare prototype: the service's hot endpoints written directly on Fastify with the same
// drivers and the same queries, and nothing else (no Nest, no hooks, no validation beyond what
// the query needs, no ETag, no rate limit, no token memo: every request verifies its JWT).
// What the service costs is measured against it (test/bench/run.mjs). Configured by the
// environment the benchmark passes: PORT, DATABASE_URL, REDIS_URL, JWT_SECRET, DIST (the built
// service, for its Redis store: the very Lua scripts the service runs).
import { createHmac, createSecretKey, randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';

import Fastify from 'fastify';
import Redis from 'ioredis';
import jwt from 'jsonwebtoken';
import pg from 'pg';

const require = createRequire(import.meta.url);
const { RedisFavoritesStore } = require(
  join(process.env.DIST, 'favorites/cache/redis-favorites-store.js'),
);

const secret = Buffer.from(process.env.JWT_SECRET, 'utf8');
// A KeyObject, as the service: jsonwebtoken parses a string secret as a PEM key first.
const jwtKey = createSecretKey(secret);
const cursorKey = createHmac('sha256', secret).update('favorites/page-cursor/v1').digest();
const VERIFY = { algorithms: ['HS256'], issuer: 'favorites-service', audience: 'favorites-api' };

const pool = new pg.Pool({
  connectionString: process.env.DATABASE_URL,
  max: Number(process.env.DATABASE_POOL_SIZE ?? 10),
});
const store = new RedisFavoritesStore(new Redis(process.env.REDIS_URL), 24 * 3600);

const COLUMNS = 'id, type, name, description, payload, created_at, updated_at, version';
// The service's first-page query (TypeOrmFavoritesRepository.findPageForUser, offset mode).
const PAGE_SQL = `
  SELECT u.favorites_count AS total, f.*
    FROM users u
    LEFT JOIN LATERAL (
      SELECT ${COLUMNS} FROM favorites
       WHERE user_id = u.id
         AND $3::bigint < u.favorites_count
       ORDER BY created_at DESC, id DESC
       LIMIT $2 OFFSET $3
    ) f ON true
   WHERE u.id = $1`;
const INSERT_SQL = `INSERT INTO favorites (user_id, id, type, name, description, payload)
  VALUES ($1, $2, $3, $4, $5, $6)
  ON CONFLICT (user_id, id) DO NOTHING
  RETURNING ${COLUMNS}`;

function userOf(request, reply) {
  const header = request.headers.authorization;
  try {
    if (!header?.startsWith('Bearer ')) throw new Error('no token');
    return jwt.verify(header.slice(7), jwtKey, VERIFY).sub;
  } catch {
    void reply.code(401).send({ error: 'unauthorized' });
    return undefined;
  }
}

const assetJson = (row) =>
  JSON.stringify({
    id: row.id,
    type: row.type,
    name: row.name,
    description: row.description,
    ...row.payload,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  });

function cursor(userId, createdAtMs, id) {
  const payload = Buffer.from(JSON.stringify([createdAtMs, id])).toString('base64url');
  const mac = createHmac('sha256', cursorKey).update(`${userId}\n${payload}`).digest();
  return `${payload}.${mac.subarray(0, 16).toString('base64url')}`;
}

/** The first page as the service writes it (FavoritesPage.toBody); `items` has limit + 1. */
function pageBody(userId, items, total, limit) {
  const page = items.slice(0, limit);
  const last = page[page.length - 1];
  const next = items.length > limit ? cursor(userId, last.createdAt, last.id) : null;
  return (
    `{"data":[${page.map((item) => item.json).join(',')}],"total":${total},` +
    `"page":1,"limit":${limit},"nextCursor":${JSON.stringify(next)}}`
  );
}

const limitOf = (request) => Number(request.query.limit ?? 20);

const app = Fastify({ logger: false });

app.get('/hello', async () => ({ hello: 'world' }));

app.get('/cached/favorites', async (request, reply) => {
  const userId = userOf(request, reply);
  if (!userId) return reply;
  const limit = limitOf(request);
  const slice = await store.read(userId, { offset: 0 }, limit + 1);
  if (typeof slice !== 'object' || slice.items.some((item) => item.json === null)) {
    return reply.code(503).send({ error: `list not cached: ${slice}` });
  }
  const items = slice.items.map(({ id, score, json }) => ({ id, createdAt: score, json }));
  return reply
    .type('application/json; charset=utf-8')
    .send(pageBody(userId, items, slice.total, limit));
});

app.get('/db/favorites', async (request, reply) => {
  const userId = userOf(request, reply);
  if (!userId) return reply;
  const limit = limitOf(request);
  const { rows } = await pool.query(PAGE_SQL, [userId, limit + 1, 0]);
  const total = Number(rows[0]?.total ?? 0);
  const items =
    rows.length === 0 || rows[0].id === null
      ? []
      : rows.map((row) => ({
          id: row.id,
          createdAt: row.created_at.getTime(),
          json: assetJson(row),
        }));
  return reply.type('application/json; charset=utf-8').send(pageBody(userId, items, total, limit));
});

app.post('/favorites', async (request, reply) => {
  const userId = userOf(request, reply);
  if (!userId) return reply;
  const { id = randomUUID(), type, name, description = '', ...payload } = request.body ?? {};
  if (typeof type !== 'string' || typeof name !== 'string') {
    return reply.code(400).send({ error: 'type and name are required' });
  }
  const { rows } = await pool.query(INSERT_SQL, [
    userId,
    id,
    type,
    name,
    description,
    JSON.stringify(payload),
  ]);
  if (rows.length === 0) return reply.code(409).send({ error: 'exists' });
  return reply
    .code(201)
    .header('location', `/favorites/${encodeURIComponent(id)}`)
    .type('application/json; charset=utf-8')
    .send(assetJson(rows[0]));
});

await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });

// A clean exit on SIGTERM (so `--cpu-prof` can write its profile).
process.once('SIGTERM', () => {
  void app
    .close()
    .then(() => Promise.all([pool.end(), store.redis.quit()]))
    .finally(() => process.exit(0));
});
