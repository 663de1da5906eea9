import { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { DestinationStream } from 'pino';
import { DataSource } from 'typeorm';

import { createApp } from '../../apps/api/src/app.factory';
import { ApiClient } from './api-client';

export interface TestApp {
  app: NestFastifyApplication;
  api: ApiClient;
  url: string;
  db: DataSource;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Environment for this instance only (e.g. CACHE_ENABLED=false), read while it boots. */
  env?: Record<string, string | undefined>;
  /** Empties the tables first (default); a second instance on the same data passes false. */
  truncate?: boolean;
  /** Receives this instance's log lines (JSON) instead of stdout; set LOG_LEVEL in `env`. */
  logDestination?: DestinationStream;
}

/** The production application, listening on a loopback port, over a clean database. */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const saved = { ...process.env };
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  let app: NestFastifyApplication;
  try {
    app = await createApp({ logDestination: options.logDestination });
  } finally {
    process.env = saved;
  }
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const db = app.get(DataSource);
  // Each file starts from empty tables; favourites go with their users (ON DELETE CASCADE).
  if (options.truncate !== false) await db.query('TRUNCATE users CASCADE');
  return { app, api: new ApiClient(url), url, db, close: () => app.close() };
}
