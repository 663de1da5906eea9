import { Logger } from '@nestjs/common';
import Redis from 'ioredis';

/**
 * A Redis client that never queues: while disconnected a command fails at once, and a command
 * that gets no answer within `commandTimeoutMs` fails too, so a down or paused Redis costs a
 * request at most that long before the circuit breaker takes over. It reconnects by itself.
 */
export function createRedisClient(url: string, commandTimeoutMs: number): Redis {
  const logger = new Logger('Redis');
  const client = new Redis(url, {
    enableOfflineQueue: false,
    commandTimeout: commandTimeoutMs,
    connectTimeout: Math.max(1000, commandTimeoutMs * 5),
    maxRetriesPerRequest: 0,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    lazyConnect: false,
  });
  let healthy = false;
  client.on('ready', () => {
    healthy = true;
    logger.log(`connected to ${redactUrl(url)}`);
  });
  client.on('error', (error: Error) => {
    // Logged once per outage, not once per reconnect attempt.
    if (healthy) logger.warn(`connection lost: ${error.message}`);
    healthy = false;
  });
  return client;
}

export function redactUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
