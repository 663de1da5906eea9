import { Controller, Delete, HttpCode } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { ApiProblemResponses } from '@app/http';

import { AuthenticatedUser, CurrentUser } from '../auth/authenticated-user';
import { AccountService } from './account.service';

@ApiTags('account')
@ApiBearerAuth()
@Controller('me')
export class AccountController {
  constructor(private readonly account: AccountService) {}

  @Delete()
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete your account and all your favourites',
    description:
      'At once: every session ends (all access and refresh tokens are refused), login is ' +
      'refused and the email can sign up again. The favourites are removed in the background.',
  })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiProblemResponses(401)
  delete(@CurrentUser() user: AuthenticatedUser): Promise<void> {
    return this.account.delete(user.id);
  }
}
