import { Module } from '@nestjs/common';

import { ActiveSessions } from './active-sessions';
import { SessionRevocations } from './session-revocations';
import { SessionsRepository } from './sessions.repository';
import { SessionsService } from './sessions.service';
import { SessionsJanitor } from './sessions-janitor';
import { TypeOrmSessionsRepository } from './typeorm-sessions.repository';

/** Refresh token families, their revocation, and which sessions are active (ADR-0022). */
@Module({
  providers: [
    SessionsService,
    ActiveSessions,
    SessionRevocations,
    SessionsJanitor,
    { provide: SessionsRepository, useClass: TypeOrmSessionsRepository },
  ],
  exports: [SessionsService, ActiveSessions, SessionRevocations],
})
export class SessionsModule {}
