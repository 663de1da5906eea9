import { Module } from '@nestjs/common';

import { FavoritesModule } from '../favorites/favorites.module';
import { SessionsModule } from '../sessions/sessions.module';
import { UsersModule } from '../users/users.module';
import { AccountController } from './account.controller';
import { AccountService } from './account.service';
import { AccountPurger } from './account-purger';

/** DELETE /me: the account gone at once, its rows removed in the background. */
@Module({
  imports: [UsersModule, SessionsModule, FavoritesModule],
  controllers: [AccountController],
  providers: [AccountService, AccountPurger],
})
export class AccountModule {}
