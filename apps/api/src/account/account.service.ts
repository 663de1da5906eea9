import { Injectable } from '@nestjs/common';

import { Traced } from '@app/observability';

import { FavoritesEraser } from '../favorites/favorites-eraser';
import { SessionsService } from '../sessions/sessions.service';
import { UsersService } from '../users/users.service';
import { AccountPurger } from './account-purger';

@Injectable()
export class AccountService {
  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly favorites: FavoritesEraser,
    private readonly purger: AccountPurger,
  ) {}

  /**
   * The account disappears at once, whatever its size: marked deleted (login refused, email
   * free), every session revoked on every instance, the cached list dropped. Its favourites are
   * then removed in bounded batches by the purger, which also resumes after a restart (ADR-0023).
   */
  @Traced()
  async delete(userId: string): Promise<void> {
    // First, so that no session can start from here on (SessionsRepository.start).
    await this.users.markDeleted(userId);
    await this.sessions.revokeAllForUser(userId, 'account_deleted');
    await this.favorites.forgetCached(userId);
    this.purger.wake();
  }
}
