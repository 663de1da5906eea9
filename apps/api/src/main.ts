import './v8-options'; // First: V8 options hold only for what is allocated after they are set.
import './tracing'; // Next: OpenTelemetry must patch http, pg and ioredis before anything loads them.

import { Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';

import { AllConfig } from '@app/config';

import { createApp } from './app.factory';
import { installGracefulShutdown } from './graceful-shutdown';
import { shutdownTracing } from './tracing';

async function bootstrap(): Promise<void> {
  const app = await createApp();
  const { host, port, shutdownDrainDelayMs, shutdownTimeoutMs } = app
    .get<ConfigService<AllConfig, true>>(ConfigService)
    .get('app', { infer: true });
  installGracefulShutdown(app, {
    drainDelayMs: shutdownDrainDelayMs,
    timeoutMs: shutdownTimeoutMs,
    flush: shutdownTracing,
  });
  await app.listen(port, host);
  Logger.log(`Favorites API listening on http://${host}:${port} (docs at /docs)`, 'Bootstrap');
}

bootstrap().catch((error: unknown) => {
  // Logged before exit: a bad configuration must say what is wrong, not just die.
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
