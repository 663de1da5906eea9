export interface RedisNodeAddress {
  host: string;
  port: number;
}

/** One Redis server (REDIS_URL / REDIS_ADDR). */
export interface StandaloneRedis {
  kind: 'standalone';
  url: string;
}

/**
 * A Redis Cluster (REDIS_CLUSTER_NODES): the seed nodes the client asks for the slot map (any
 * reachable one is enough; it discovers the rest), and what every node shares.
 */
export interface ClusterRedis {
  kind: 'cluster';
  nodes: RedisNodeAddress[];
  username?: string;
  password?: string;
  tls: boolean;
}

export type RedisConnection = StandaloneRedis | ClusterRedis;

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

/**
 * Parses REDIS_CLUSTER_NODES: seed nodes, comma-separated, each `host:port` or a
 * `redis://[user:password@]host:port` (`rediss://` for TLS) URL. The nodes of a cluster share
 * their credentials and TLS setting, so URL entries must agree on them, and `host:port` entries
 * take them from the URL entries. A cluster has only database 0, so a URL may not name another.
 * Returns the problem as a string when the value is invalid.
 */
export function parseRedisClusterNodes(value: string): ClusterRedis | string {
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (entries.length === 0) return 'must list at least one host:port';
  const nodes: RedisNodeAddress[] = [];
  const shared = new Set<string>();
  let settings: Omit<ClusterRedis, 'kind' | 'nodes'> = { tls: false };
  for (const entry of entries) {
    if (!entry.includes('://')) {
      const match = HOST_PORT.exec(entry);
      if (!match) return `"${entry}" is not host:port or a redis:// URL`;
      const port = Number(match[2]);
      if (port < 1 || port > 65535) return `"${entry}": port out of range`;
      nodes.push({ host: match[1].replace(/^\[|\]$/g, ''), port });
      continue;
    }
    let url: URL;
    try {
      url = new URL(entry);
    } catch {
      return `"${redactCredentials(entry)}" is not a valid URL`;
    }
    if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
      return `"${url.protocol}" is not redis: or rediss:`;
    }
    if (!url.hostname || !url.port) return 'every node needs a host and a port';
    if (url.pathname !== '' && url.pathname !== '/' && url.pathname !== '/0') {
      return 'a Redis Cluster has only database 0';
    }
    settings = {
      tls: url.protocol === 'rediss:',
      username: url.username ? decodeURIComponent(url.username) : undefined,
      password: url.password ? decodeURIComponent(url.password) : undefined,
    };
    shared.add(JSON.stringify(settings));
    nodes.push({ host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port) });
  }
  if (shared.size > 1) return 'the URL entries disagree on credentials or TLS';
  return { kind: 'cluster', nodes, ...settings };
}

/** What a log line may say about the connection: no password. */
export function describeRedis(connection: RedisConnection): string {
  if (connection.kind === 'standalone') return redactCredentials(connection.url);
  const nodes = connection.nodes.map(({ host, port }) => `${host}:${port}`).join(',');
  return `cluster ${connection.tls ? 'rediss' : 'redis'}://${nodes}`;
}

function redactCredentials(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
