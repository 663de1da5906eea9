import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';

import { DatabaseHealth } from './database.health';
import { DrainState } from './drain-state';
import { EventLoopHealth } from './event-loop.health';
import { HealthController } from './health.controller';
import { MigrationsHealth } from './migrations.health';

/** The probes; DrainState is flipped by the shutdown sequence (graceful-shutdown.ts). */
@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'json' })],
  controllers: [HealthController],
  providers: [DatabaseHealth, DrainState, EventLoopHealth, MigrationsHealth],
})
export class HealthModule {}
