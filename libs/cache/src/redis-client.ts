import { Logger } from '@nestjs/common';
import Redis, { Cluster, RedisOptions } from 'ioredis';

import { ClusterRedis, describeRedis, RedisConnection } from '@app/config';

import { keySlot } from './key-slot';

/**
 * One Redis server or a Redis Cluster. Every command, script (defineCommand), pipeline and
 * transaction this service sends exists on both; on a cluster each must keep to one hash slot
 * (docs/ARCHITECTURE.md lists the keys and their hash tags).
 */
export type RedisClient = Redis | Cluster;

export function isCluster(client: RedisClient): client is Cluster {
  return client instanceof Cluster;
}

/** Waits between reconnect attempts: 200 ms more each time, at most 2 s. */
export const reconnectDelay = (attempt: number) => Math.min(attempt * 200, 2000);

/**
 * A Redis client that never queues: while disconnected a command fails at once, and a command
 * that gets no answer within `commandTimeoutMs` fails too, so a down or paused Redis costs a
 * request at most that long before the circuit breaker takes over. It reconnects by itself.
 *
 * On a cluster the same holds: the cluster refuses commands while it has no slot map
 * (enableOfflineQueue), each node connection times its commands out from the first send, so
 * MOVED/ASK redirections and CLUSTERDOWN retries stay within the timeout, reads and writes go to
 * masters (scaleReads), and a failed slot-map refresh gives up after the connect timeout.
 */
export function createRedisClient(
  connection: RedisConnection,
  commandTimeoutMs: number,
): RedisClient {
  const logger = new Logger('Redis');
  const connectTimeout = Math.max(1000, commandTimeoutMs * 5);
  const client: RedisClient =
    connection.kind === 'standalone'
      ? new Redis(connection.url, {
          enableOfflineQueue: false,
          commandTimeout: commandTimeoutMs,
          connectTimeout,
          maxRetriesPerRequest: 0,
          retryStrategy: reconnectDelay,
          lazyConnect: false,
        })
      : new Cluster(connection.nodes, {
          enableOfflineQueue: false,
          enableReadyCheck: true,
          scaleReads: 'master',
          clusterRetryStrategy: reconnectDelay,
          slotsRefreshTimeout: connectTimeout,
          lazyConnect: false,
          // Node connections keep ioredis's own settings (lazy, offline queue, no reconnect: a
          // lost node is found again through the slot map); only the time limits and
          // credentials are ours.
          redisOptions: {
            ...nodeOptions(connection),
            commandTimeout: commandTimeoutMs,
            connectTimeout,
          },
        });
  let healthy = false;
  client.on('ready', () => {
    healthy = true;
    logger.log(`connected to ${describeRedis(connection)}`);
  });
  client.on('error', (error: Error) => {
    // Logged once per outage, not once per reconnect attempt.
    if (healthy) logger.warn(`connection lost: ${error.message}`);
    healthy = false;
  });
  return client;
}

/** Credentials and TLS of a cluster's nodes. */
export function nodeOptions(cluster: ClusterRedis): RedisOptions {
  return {
    username: cluster.username,
    password: cluster.password,
    tls: cluster.tls ? {} : undefined,
  };
}

/**
 * Splits `items` into groups whose keys one node serves, for pipelines: a cluster refuses a
 * pipeline whose keys live on several nodes (ioredis checks it against the same slot map). One
 * Redis server serves them all. Throws while a cluster has no slot map (not connected yet), where
 * ioredis would hold the pipeline until it connects.
 */
export function groupByNode<T>(client: RedisClient, items: T[], keyOf: (item: T) => string): T[][] {
  if (!isCluster(client)) return items.length > 0 ? [items] : [];
  assertReady(client);
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const owner = client.slots[keySlot(keyOf(item))]?.join(',') ?? '';
    const group = groups.get(owner);
    if (group) group.push(item);
    else groups.set(owner, [item]);
  }
  return [...groups.values()];
}

/**
 * Throws unless the cluster client is connected. Single commands fail fast by themselves
 * (enableOfflineQueue); pipelines and transactions on a cluster would wait for it instead.
 */
export function assertReady(client: RedisClient): void {
  if (isCluster(client) && client.status !== 'ready') {
    throw new Error(`Redis Cluster is not ready (${client.status})`);
  }
}
