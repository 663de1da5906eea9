import { Module } from '@nestjs/common';

import { CacheModule } from '@app/cache';
import { AppConfigModule } from '@app/config';
import { DatabaseModule } from '@app/database';
import { HttpConventionsModule } from '@app/http';
import { LoggingModule, TracingModule } from '@app/observability';

import { AccountModule } from './account/account.module';
import { AuthModule } from './auth/auth.module';
import { FavoritesModule } from './favorites/favorites.module';
import { HealthModule } from './health/health.module';
import { LoadSheddingModule } from './load-shedding/load-shedding.module';
import { MetricsModule } from './metrics/metrics.module';
import { MIGRATIONS } from './migrations';
import { RateLimitModule } from './rate-limit/rate-limit.module';
import { UsersModule } from './users/users.module';

@Module({
  imports: [
    AppConfigModule,
    LoggingModule,
    HttpConventionsModule,
    TracingModule,
    MetricsModule,
    DatabaseModule.forRoot({ migrations: MIGRATIONS }),
    CacheModule,
    AuthModule,
    // After AuthModule: its guard needs the user the JWT guard sets.
    RateLimitModule,
    UsersModule,
    FavoritesModule,
    AccountModule,
    HealthModule,
    LoadSheddingModule,
  ],
})
export class AppModule {}
