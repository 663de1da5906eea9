import { NestFastifyApplication } from '@nestjs/platform-fastify';
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

/** The production application, listening on a loopback port, over a clean database. */
export async function startTestApp(): Promise<TestApp> {
  const app = await createApp();
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const db = app.get(DataSource);
  // Each file starts from empty tables; favourites go with their users (ON DELETE CASCADE).
  await db.query('TRUNCATE users CASCADE');
  return { app, api: new ApiClient(url), url, db, close: () => app.close() };
}
