import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';

import { REDIS, RedisClient } from '@app/cache';
import { AllConfig } from '@app/config';
import { TransactionScope } from '@app/database';

import { IdempotencyModule } from '../idempotency/idempotency.module';
import { FavoritesCache } from './cache/favorites-cache';
import { FAVORITES_CACHE_METRICS, FavoritesCacheMetrics } from './cache/favorites-cache.metrics';
import { FavoritesStore } from './cache/favorites-store';
import { MemoryFavoritesStore } from './cache/memory-favorites-store';
import { RedisFavoritesStore } from './cache/redis-favorites-store';
import { FavoriteEntity } from './favorite.entity';
import { FavoritesController } from './favorites.controller';
import { FavoritesRepository } from './favorites.repository';
import { FavoritesService } from './favorites.service';
import { FavoritesEraser } from './favorites-eraser';
import { FAVORITES_STREAM_METRICS, FavoritesStreamService } from './favorites-stream.service';
import { PageCursorCodec } from './page-cursor';
import { TypeOrmFavoritesRepository } from './typeorm-favorites.repository';

@Module({
  imports: [TypeOrmModule.forFeature([FavoriteEntity]), IdempotencyModule],
  controllers: [FavoritesController],
  providers: [
    FavoritesService,
    FavoritesStreamService,
    FavoritesEraser,
    PageCursorCodec,
    TransactionScope,
    { provide: FavoritesRepository, useClass: TypeOrmFavoritesRepository },
    FavoritesCache,
    FavoritesCacheMetrics,
    ...FAVORITES_CACHE_METRICS,
    ...FAVORITES_STREAM_METRICS,
    {
      provide: FavoritesStore,
      inject: [REDIS, ConfigService],
      useFactory: (redis: RedisClient | null, config: ConfigService<AllConfig, true>) =>
        redis
          ? new RedisFavoritesStore(redis, config.get('cache.ttlSeconds', { infer: true }))
          : new MemoryFavoritesStore(),
    },
  ],
  exports: [FavoritesEraser],
})
export class FavoritesModule {}
