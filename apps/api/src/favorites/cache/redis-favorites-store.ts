import { randomBytes } from 'node:crypto';

import { assertReady, RedisClient } from '@app/cache';

import { CacheEntry, CachePosition, CacheRead, FavoritesStore, Rebuild } from './favorites-store';

/**
 * Per user, three keys sharing one Redis Cluster slot through the `{u:<id>}` hash tag:
 *   fav:{u:<id>}:z  sorted set: asset id scored by created_at in ms. Equal scores order by member
 *                   bytes, which is the database's `id COLLATE "C"` tie-break.
 *   fav:{u:<id>}:h  hash: asset id -> Asset JSON.
 *   fav:{u:<id>}:m  hash: v (version, bumped by every write), w ('1' warm, 'big' not cached),
 *                   n (expected ZCARD: a sorted set evicted under memory pressure reads as cold).
 * Every change is one Lua script, so it is atomic per user. A rebuild stages its copy under
 * fav:{u:<id>}:z:<token> and fav:{u:<id>}:h:<token> (same tag, so the same slot, so RENAME works
 * on a Redis Cluster too).
 */
const keysOf = (userId: string) => {
  const tag = `fav:{u:${userId}}`;
  return { z: `${tag}:z`, h: `${tag}:h`, m: `${tag}:m`, tag };
};

/** Seconds a staged rebuild may take before its keys expire on their own. */
const STAGE_TTL_SECONDS = 600;
/** Seconds a list stays marked too large to cache before it is measured again. */
const TOO_LARGE_TTL_SECONDS = 600;

/** Byte-wise `a < b` (Lua's `<` follows the server's collation locale). */
const BEFORE = `
local function before(a, b)
  local la, lb = #a, #b
  for i = 1, math.min(la, lb) do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x < y end
  end
  return la < lb
end`;

// KEYS z h m; ARGV mode ('o' offset | 'a' after), offset or score, after-id, count
const READ = `${BEFORE}
local meta = redis.call('HMGET', KEYS[3], 'v', 'w', 'n')
if meta[2] == 'big' then return {'big'} end
if meta[2] ~= '1' then return {'cold'} end
local total = redis.call('ZCARD', KEYS[1])
if total ~= tonumber(meta[3]) then return {'cold'} end
local count = tonumber(ARGV[4])
local ids, scores = {}, {}
local function take(pairs)
  for i = 1, #pairs, 2 do
    ids[#ids + 1] = pairs[i]
    scores[#scores + 1] = pairs[i + 1]
  end
end
if ARGV[1] == 'o' then
  local offset = tonumber(ARGV[2])
  if offset < total then take(redis.call('ZREVRANGE', KEYS[1], offset, offset + count - 1, 'WITHSCORES')) end
else
  local score, after = ARGV[2], ARGV[3]
  for _, id in ipairs(redis.call('ZREVRANGEBYSCORE', KEYS[1], score, score)) do
    if #ids >= count then break end
    if before(id, after) then
      ids[#ids + 1] = id
      scores[#scores + 1] = score
    end
  end
  if #ids < count then
    take(redis.call('ZREVRANGEBYSCORE', KEYS[1], '(' .. score, '-inf', 'WITHSCORES', 'LIMIT', 0, count - #ids))
  end
end
local json = {}
if #ids > 0 then json = redis.call('HMGET', KEYS[2], unpack(ids)) end
return {'ok', tonumber(meta[1]) or 0, total, ids, scores, json}`;

const TOUCH = `
local function touch(ttl)
  redis.call('EXPIRE', KEYS[1], ttl)
  redis.call('EXPIRE', KEYS[2], ttl)
  redis.call('EXPIRE', KEYS[3], ttl)
end`;

// KEYS z h m; ARGV ttl, id, score, json
const PUT = `${TOUCH}
redis.call('HINCRBY', KEYS[3], 'v', 1)
if redis.call('HGET', KEYS[3], 'w') == '1' then
  if redis.call('ZADD', KEYS[1], ARGV[3], ARGV[2]) == 1 then redis.call('HINCRBY', KEYS[3], 'n', 1) end
  redis.call('HSET', KEYS[2], ARGV[2], ARGV[4])
end
touch(ARGV[1])`;

// KEYS z h m; ARGV ttl, id, json
const UPDATE = `${TOUCH}
redis.call('HINCRBY', KEYS[3], 'v', 1)
if redis.call('HGET', KEYS[3], 'w') == '1' and redis.call('ZSCORE', KEYS[1], ARGV[2]) then
  redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
end
touch(ARGV[1])`;

// KEYS z h m; ARGV ttl, id
const REMOVE = `${TOUCH}
redis.call('HINCRBY', KEYS[3], 'v', 1)
if redis.call('ZREM', KEYS[1], ARGV[2]) == 1 and redis.call('HGET', KEYS[3], 'w') == '1' then
  redis.call('HINCRBY', KEYS[3], 'n', -1)
end
redis.call('HDEL', KEYS[2], ARGV[2])
touch(ARGV[1])`;

// KEYS z h m; ARGV version, id1, json1, id2, json2, ...
const FILL = `
if redis.call('HGET', KEYS[3], 'v') ~= ARGV[1] or redis.call('HGET', KEYS[3], 'w') ~= '1' then return 0 end
for i = 2, #ARGV, 2 do
  if redis.call('ZSCORE', KEYS[1], ARGV[i]) then redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]) end
end
return 1`;

// KEYS z h m; ARGV ttl
const INVALIDATE = `
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('HINCRBY', KEYS[3], 'v', 1)
redis.call('HDEL', KEYS[3], 'w', 'n')
redis.call('EXPIRE', KEYS[3], ARGV[1])`;

// KEYS z h m staged-z staged-h; ARGV version, ttl
const COMMIT = `
if (redis.call('HGET', KEYS[3], 'v') or '0') ~= ARGV[1] then
  redis.call('DEL', KEYS[4], KEYS[5])
  return 0
end
local n = redis.call('ZCARD', KEYS[4])
if n > 0 then redis.call('RENAME', KEYS[4], KEYS[1]) else redis.call('DEL', KEYS[1]) end
if redis.call('EXISTS', KEYS[5]) == 1 then redis.call('RENAME', KEYS[5], KEYS[2]) else redis.call('DEL', KEYS[2]) end
redis.call('HSET', KEYS[3], 'v', ARGV[1], 'w', '1', 'n', n)
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[2])
redis.call('EXPIRE', KEYS[3], ARGV[2])
return 1`;

// KEYS m; ARGV version, ttl
const MARK_TOO_LARGE = `
if (redis.call('HGET', KEYS[1], 'v') or '0') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'w', 'big')
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1`;

type ReadReply =
  ['ok', number, number, string[], string[], Array<string | null>] | ['cold'] | ['big'];

interface FavoritesCommands {
  favRead(z: string, h: string, m: string, ...args: Array<string | number>): Promise<ReadReply>;
  favPut(z: string, h: string, m: string, ...args: Array<string | number>): Promise<unknown>;
  favUpdate(z: string, h: string, m: string, ...args: Array<string | number>): Promise<unknown>;
  favRemove(z: string, h: string, m: string, ...args: Array<string | number>): Promise<unknown>;
  favFill(z: string, h: string, m: string, ...args: Array<string | number>): Promise<unknown>;
  favInvalidate(z: string, h: string, m: string, ttl: number): Promise<unknown>;
  favCommit(
    z: string,
    h: string,
    m: string,
    stagedZ: string,
    stagedH: string,
    version: number,
    ttl: number,
  ): Promise<number>;
  favMarkTooLarge(m: string, version: number, ttl: number): Promise<number>;
}

/** FavoritesStore on Redis: one Lua script per operation (EVALSHA, loaded once per connection). */
export class RedisFavoritesStore extends FavoritesStore {
  private readonly redis: RedisClient & FavoritesCommands;

  constructor(
    redis: RedisClient,
    private readonly ttlSeconds: number,
  ) {
    super();
    redis.defineCommand('favRead', { numberOfKeys: 3, lua: READ });
    redis.defineCommand('favPut', { numberOfKeys: 3, lua: PUT });
    redis.defineCommand('favUpdate', { numberOfKeys: 3, lua: UPDATE });
    redis.defineCommand('favRemove', { numberOfKeys: 3, lua: REMOVE });
    redis.defineCommand('favFill', { numberOfKeys: 3, lua: FILL });
    redis.defineCommand('favInvalidate', { numberOfKeys: 3, lua: INVALIDATE });
    redis.defineCommand('favCommit', { numberOfKeys: 5, lua: COMMIT });
    redis.defineCommand('favMarkTooLarge', { numberOfKeys: 1, lua: MARK_TOO_LARGE });
    this.redis = redis as RedisClient & FavoritesCommands;
  }

  async read(userId: string, position: CachePosition, count: number): Promise<CacheRead> {
    const { z, h, m } = keysOf(userId);
    const args =
      'offset' in position
        ? ['o', position.offset, '', count]
        : ['a', position.after.createdAt.getTime(), position.after.id, count];
    const reply = await this.redis.favRead(z, h, m, ...args);
    if (reply[0] === 'cold') return 'cold';
    if (reply[0] === 'big') return 'too-large';
    const [, version, total, ids, scores, json] = reply;
    return {
      version,
      total,
      items: ids.map((id, i) => ({ id, score: Number(scores[i]), json: json[i] ?? null })),
    };
  }

  async put(userId: string, entry: CacheEntry): Promise<void> {
    const { z, h, m } = keysOf(userId);
    await this.redis.favPut(z, h, m, this.ttlSeconds, entry.id, entry.score, entry.json);
  }

  async update(userId: string, entry: CacheEntry): Promise<void> {
    const { z, h, m } = keysOf(userId);
    await this.redis.favUpdate(z, h, m, this.ttlSeconds, entry.id, entry.json);
  }

  async remove(userId: string, id: string): Promise<void> {
    const { z, h, m } = keysOf(userId);
    await this.redis.favRemove(z, h, m, this.ttlSeconds, id);
  }

  async fill(userId: string, version: number, entries: CacheEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const { z, h, m } = keysOf(userId);
    await this.redis.favFill(z, h, m, version, ...entries.flatMap((e) => [e.id, e.json]));
  }

  async invalidate(userId: string): Promise<void> {
    const { z, h, m } = keysOf(userId);
    await this.redis.favInvalidate(z, h, m, this.ttlSeconds);
  }

  async beginRebuild(userId: string): Promise<Rebuild> {
    const version = await this.redis.hget(keysOf(userId).m, 'v');
    return { version: Number(version ?? 0), token: randomBytes(8).toString('hex') };
  }

  async stage(userId: string, rebuild: Rebuild, entries: CacheEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const { tag } = keysOf(userId);
    const stagedZ = `${tag}:z:${rebuild.token}`;
    const stagedH = `${tag}:h:${rebuild.token}`;
    // One slot (the user's tag), so a transaction even on a cluster.
    assertReady(this.redis);
    const results = await this.redis
      .multi()
      .zadd(stagedZ, ...entries.flatMap((e) => [e.score, e.id]))
      .hset(stagedH, ...entries.flatMap((e) => [e.id, e.json]))
      .expire(stagedZ, STAGE_TTL_SECONDS)
      .expire(stagedH, STAGE_TTL_SECONDS)
      .exec();
    const failed = results?.find(([error]) => error);
    if (!results || failed) throw failed?.[0] ?? new Error('staging transaction discarded');
  }

  async commit(userId: string, rebuild: Rebuild): Promise<boolean> {
    const { z, h, m, tag } = keysOf(userId);
    const committed = await this.redis.favCommit(
      z,
      h,
      m,
      `${tag}:z:${rebuild.token}`,
      `${tag}:h:${rebuild.token}`,
      rebuild.version,
      this.ttlSeconds,
    );
    return committed === 1;
  }

  async markTooLarge(userId: string, rebuild: Rebuild): Promise<void> {
    await this.redis.favMarkTooLarge(keysOf(userId).m, rebuild.version, TOO_LARGE_TTL_SECONDS);
  }
}
