import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { databaseConfig } from '@app/config';
import { postgresOptions, runMigrations } from '@app/database';

import { MIGRATIONS } from './migrations';

/** `npm run migrate`: applies pending migrations to DATABASE_URL and exits. */
async function migrate(): Promise<void> {
  const { url } = databaseConfig();
  if (!url) throw new Error('npm run migrate needs DATABASE_URL');
  const dataSource = new DataSource(postgresOptions({ url, poolSize: 1, migrations: MIGRATIONS }));
  await dataSource.initialize();
  try {
    await runMigrations(dataSource);
    Logger.log('Migrations are up to date', 'Migrate');
  } finally {
    await dataSource.destroy();
  }
}

migrate().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
