import { Logger } from '@nestjs/common';
import Redis from 'ioredis';

import { RedisConnection } from '@app/config';

import { nodeOptions, reconnectDelay } from './redis-client';

export interface SubscriberHandlers {
  message(message: string): void;
  /** The subscription is (re)established: messages sent meanwhile may have been missed. */
  subscribed(): void;
}

export interface RedisSubscription {
  close(): void;
}

/** A failed node is tried this many times before the subscription moves to the next seed. */
const ATTEMPTS_PER_NODE = 3;

/**
 * Subscribes to one pub/sub channel on a connection of its own (a subscribed connection runs
 * nothing else). It waits for Redis (queued SUBSCRIBE, retried forever) and subscribes again after
 * each reconnect, calling `subscribed` every time.
 *
 * On a Redis Cluster a PUBLISH reaches the subscribers of every node (the cluster bus broadcasts
 * it), so one connection to any node hears every message: it starts on the first seed node and,
 * when a node stays unreachable, moves on to the next one. Classic pub/sub rather than Redis 7's
 * sharded SSUBSCRIBE, whose channel lives on one shard and is lost with it when it has no replica.
 */
export function subscribeToRedis(
  connection: RedisConnection,
  channel: string,
  handlers: SubscriberHandlers,
): RedisSubscription {
  const logger = new Logger('RedisSubscriber');
  let closed = false;
  let current: Redis | undefined;
  let next = 0;

  const connect = () => {
    let client: Redis;
    if (connection.kind === 'standalone') {
      client = new Redis(connection.url, {
        maxRetriesPerRequest: null,
        retryStrategy: reconnectDelay,
      });
    } else {
      const node = connection.nodes[next++ % connection.nodes.length];
      client = new Redis({
        ...nodeOptions(connection),
        host: node.host,
        port: node.port,
        maxRetriesPerRequest: null,
        // null ends this client, and the 'end' handler below picks the next node.
        retryStrategy: (attempt) => (attempt > ATTEMPTS_PER_NODE ? null : attempt * 200),
      });
      client.once('end', () => {
        if (closed) return;
        logger.warn(`${node.host}:${node.port} unreachable: subscribing on the next node`);
        setTimeout(connect, 200).unref();
      });
    }
    client.on('error', () => undefined);
    client.on('ready', () => handlers.subscribed());
    client.on('message', (from: string, message: string) => {
      if (from === channel) handlers.message(message);
    });
    client.subscribe(channel).catch((error: Error) => {
      if (!closed) logger.warn(`cannot subscribe to ${channel}: ${error.message}`);
    });
    current = client;
  };

  connect();
  return {
    close: () => {
      closed = true;
      current?.disconnect();
    },
  };
}
