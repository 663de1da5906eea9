import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import Redis from 'ioredis';

import { createRedisClient } from '@app/cache';
import { AllConfig } from '@app/config';

/** The Redis channel revoked session ids are published on, comma-separated. */
export const REVOCATIONS_CHANNEL = 'favorites:sessions:revoked';

type RevokedListener = (sessionIds: string[]) => void;

/**
 * Tells every instance at once that sessions were revoked, so none keeps accepting their access
 * tokens from its cache of active sessions (ActiveSessions) or of verified tokens (VerifiedTokens).
 * Listeners in this instance are called synchronously, before `publish` returns; other instances
 * hear it over Redis pub/sub, when Redis is configured (REDIS_URL, whether or not the list cache
 * is enabled). Pub/sub delivers at most once: a subscriber that was disconnected may have missed
 * messages, so on every (re)subscription the `onResubscribed` listeners drop what they trusted.
 * What bounds a missed message is then ActiveSessions' time to live (ADR-0022).
 */
@Injectable()
export class SessionRevocations implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(SessionRevocations.name);
  private readonly revokedListeners: RevokedListener[] = [];
  private readonly resubscribedListeners: Array<() => void> = [];
  private readonly redisUrl?: string;
  private readonly commandTimeoutMs: number;
  private publisher?: Redis;
  private subscriber?: Redis;

  constructor(config: ConfigService<AllConfig, true>) {
    const cache = config.get('cache', { infer: true });
    this.redisUrl = cache.redisUrl;
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
    return this.redisUrl !== undefined;
  }

  onModuleInit(): void {
    if (!this.redisUrl) return;
    // Publishing fails fast while Redis is down (no offline queue, command timeout).
    this.publisher = createRedisClient(this.redisUrl, this.commandTimeoutMs);
    // A subscribed connection runs nothing else; it waits for Redis (queued SUBSCRIBE, retried
    // forever) and ioredis subscribes again after each reconnect.
    const subscriber = new Redis(this.redisUrl, {
      maxRetriesPerRequest: null,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    });
    subscriber.on('error', () => undefined);
    subscriber.on('ready', () => this.resubscribed());
    subscriber.on('message', (channel: string, message: string) => {
      if (channel === REVOCATIONS_CHANNEL) this.deliver(message.split(','));
    });
    subscriber.subscribe(REVOCATIONS_CHANNEL).catch((error: Error) => {
      this.logger.warn(`cannot subscribe to session revocations: ${error.message}`);
    });
    this.subscriber = subscriber;
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
    this.subscriber?.disconnect();
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
