import { Global, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';

import { appConfig } from './app.config';
import { authConfig } from './auth.config';
import { cacheConfig } from './cache.config';
import { databaseConfig } from './database.config';
import { validateEnvironment } from './environment';
import { httpConfig } from './http.config';
import { idempotencyConfig } from './idempotency.config';
import { loadSheddingConfig } from './load-shedding.config';
import { rateLimitConfig } from './rate-limit.config';
import { SigningKeys } from './signing-keys';

/** Typed, validated configuration; the only place that reads process.env. */
@Global()
@Module({
  imports: [
    ConfigModule.forRoot({
      isGlobal: true,
      cache: true,
      envFilePath: '.env',
      validate: (raw) => {
        validateEnvironment(raw);
        return raw;
      },
      load: [
        appConfig,
        databaseConfig,
        authConfig,
        cacheConfig,
        idempotencyConfig,
        loadSheddingConfig,
        httpConfig,
        rateLimitConfig,
      ],
    }),
  ],
  providers: [SigningKeys],
  exports: [SigningKeys],
})
export class AppConfigModule {}
