import { redisConnectionOf } from './cache.config';
import { validateEnvironment } from './environment';
import { describeRedis, parseRedisClusterNodes } from './redis-connection';

describe(parseRedisClusterNodes.name, () => {
  it('reads host:port seed nodes, spaces and empty entries aside', () => {
    expect(parseRedisClusterNodes('127.0.0.1:7000, redis-1.internal:7001,,[::1]:7002')).toEqual({
      kind: 'cluster',
      nodes: [
        { host: '127.0.0.1', port: 7000 },
        { host: 'redis-1.internal', port: 7001 },
        { host: '::1', port: 7002 },
      ],
      tls: false,
    });
  });

  it('takes credentials and TLS from URL entries, for every node', () => {
    expect(
      parseRedisClusterNodes('rediss://app:p%40ss@10.0.0.1:6380,10.0.0.2:6380,10.0.0.3:6380'),
    ).toEqual({
      kind: 'cluster',
      nodes: [
        { host: '10.0.0.1', port: 6380 },
        { host: '10.0.0.2', port: 6380 },
        { host: '10.0.0.3', port: 6380 },
      ],
      username: 'app',
      password: 'p@ss',
      tls: true,
    });
  });

  it.each([
    ['', 'must list at least one host:port'],
    ['127.0.0.1', '"127.0.0.1" is not host:port or a redis:// URL'],
    ['127.0.0.1:0', '"127.0.0.1:0": port out of range'],
    ['127.0.0.1:70000', '"127.0.0.1:70000": port out of range'],
    ['http://127.0.0.1:7000', '"http:" is not redis: or rediss:'],
    ['redis://127.0.0.1', 'every node needs a host and a port'],
    ['redis://127.0.0.1:7000/2', 'a Redis Cluster has only database 0'],
    ['redis://:a@h:1,redis://:b@h:2', 'the URL entries disagree on credentials or TLS'],
    ['redis://h:1,rediss://h:2', 'the URL entries disagree on credentials or TLS'],
  ])('refuses %j: %s', (value, problem) => {
    expect(parseRedisClusterNodes(value)).toBe(problem);
  });

  it('describes a cluster without its password', () => {
    const cluster = parseRedisClusterNodes('redis://app:secret@h1:7000,h2:7001');
    expect(typeof cluster).toBe('object');
    expect(describeRedis(cluster as Exclude<typeof cluster, string>)).toBe(
      'cluster redis://h1:7000,h2:7001',
    );
    expect(describeRedis({ kind: 'standalone', url: 'redis://:secret@h:6379' })).toBe(
      'redis://***@h:6379',
    );
  });
});

describe(redisConnectionOf.name, () => {
  const connectionOf = (raw: Record<string, string>) => redisConnectionOf(validateEnvironment(raw));

  it('is a cluster with REDIS_CLUSTER_NODES, else one server with REDIS_URL or REDIS_ADDR', () => {
    expect(connectionOf({ REDIS_CLUSTER_NODES: 'h1:7000,h2:7001' })).toMatchObject({
      kind: 'cluster',
      nodes: [
        { host: 'h1', port: 7000 },
        { host: 'h2', port: 7001 },
      ],
    });
    expect(connectionOf({ REDIS_URL: 'redis://h:6379' })).toEqual({
      kind: 'standalone',
      url: 'redis://h:6379',
    });
    expect(connectionOf({ REDIS_ADDR: 'h:6379' })).toEqual({
      kind: 'standalone',
      url: 'redis://h:6379',
    });
    expect(connectionOf({ REDIS_CLUSTER_NODES: '' })).toBeUndefined();
    expect(connectionOf({})).toBeUndefined();
  });

  it('stops the boot on an invalid node list, naming the variable', () => {
    expect(() => validateEnvironment({ REDIS_CLUSTER_NODES: 'h1:7000,nope' })).toThrow(
      'REDIS_CLUSTER_NODES: "nope" is not host:port or a redis:// URL',
    );
  });

  it('stops the boot when a cluster and a single server are both configured', () => {
    for (const single of [{ REDIS_URL: 'redis://h:6379' }, { REDIS_ADDR: 'h:6379' }]) {
      expect(() => validateEnvironment({ REDIS_CLUSTER_NODES: 'h1:7000', ...single })).toThrow(
        'REDIS_CLUSTER_NODES: set either it or REDIS_URL/REDIS_ADDR, not both',
      );
    }
  });
});
