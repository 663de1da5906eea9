import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';

import { createRedisClient, RedisClient, RedisSubscription, subscribeToRedis } from '@app/cache';
import { AllConfig, RedisConnection } from '@app/config';

/** The Redis channel revoked session ids are published on, comma-separated. */
export const REVOCATIONS_CHANNEL = 'favorites:sessions:revoked';

type RevokedListener = (sessionIds: string[]) => void;

/**
 * Tells every instance at once that sessions were revoked, so none keeps accepting their access
 * tokens from its cache of active sessions (ActiveSessions) or of verified tokens (VerifiedTokens).
 * Listeners in this instance are called synchronously, before `publish` returns; other instances
 * hear it over Redis pub/sub, when Redis is configured (REDIS_URL or REDIS_CLUSTER_NODES, whether
 * or not the list cache is enabled; on a cluster a PUBLISH reaches every node's subscribers).
 * Pub/sub delivers at most once: a subscriber that was disconnected, or moved to another cluster
 * node, may have missed messages, so on every (re)subscription the `onResubscribed` listeners
 * drop what they trusted. What bounds a missed message is then ActiveSessions' time to live
 * (ADR-0022).
 */
@Injectable()
export class SessionRevocations implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(SessionRevocations.name);
  private readonly revokedListeners: RevokedListener[] = [];
  private readonly resubscribedListeners: Array<() => void> = [];
  private readonly redis?: RedisConnection;
  private readonly commandTimeoutMs: number;
  private publisher?: RedisClient;
  private subscription?: RedisSubscription;

  constructor(config: ConfigService<AllConfig, true>) {
    const cache = config.get('cache', { infer: true });
    this.redis = cache.redis;
    this.commandTimeoutMs = cache.commandTimeoutMs;
  }

  onRevoked(listener: RevokedListener): void {
    this.revokedListeners.push(listener);
  }

  /** Called whenever the subscription is (re)established: messages may have been missed. */
  onResubscribed(listener: () => void): void {
    this.resubscribedListeners.push(listener);
  }

  /** Whether other instances are told (Redis configured). */
  get shared(): boolean {
    return this.redis !== undefined;
  }

  onModuleInit(): void {
    if (!this.redis) return;
    // Publishing fails fast while Redis is down (no offline queue, command timeout).
    this.publisher = createRedisClient(this.redis, this.commandTimeoutMs);
    // Its own connection, which waits for Redis and subscribes again after each reconnect.
    this.subscription = subscribeToRedis(this.redis, REVOCATIONS_CHANNEL, {
      message: (message) => this.deliver(message.split(',')),
      subscribed: () => this.resubscribed(),
    });
  }

  /**
   * Revoked here at once; elsewhere as soon as Redis delivers. A failed publish is logged, not
   * thrown: the revocation is already in PostgreSQL, which other instances read again within
   * their cache's time to live.
   */
  async publish(sessionIds: string[]): Promise<void> {
    if (sessionIds.length === 0) return;
    this.deliver(sessionIds);
    if (!this.publisher) return;
    try {
      await this.publisher.publish(REVOCATIONS_CHANNEL, sessionIds.join(','));
    } catch (error) {
      this.logger.warn(`session revocation not broadcast: ${(error as Error).message}`);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.subscription?.close();
    try {
      await this.publisher?.quit();
    } catch {
      this.publisher?.disconnect();
    }
  }

  private deliver(sessionIds: string[]): void {
    for (const listener of this.revokedListeners) listener(sessionIds);
  }

  private resubscribed(): void {
    for (const listener of this.resubscribedListeners) listener();
  }
}
