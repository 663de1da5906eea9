import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';

import { ApiProblemResponses } from '@app/http';

import { RateLimited } from '../rate-limit/rate-limited.decorator';
import { AuthService } from './auth.service';
import { AuthenticatedUser, CurrentUser } from './authenticated-user';
import { AccessTokenDto } from './dto/access-token.dto';
import { AccountDto } from './dto/account.dto';
import { LoginDto, SignupDto } from './dto/credentials.dto';
import { RefreshDto } from './dto/refresh.dto';
import { Public } from './public.decorator';

/** Paths as in the Go service (POST /signup and POST /login), and the session endpoints. */
@ApiTags('auth')
@Controller()
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @Post('signup')
  @RateLimited('signup')
  @ApiOperation({ summary: 'Create an account' })
  @ApiCreatedResponse({ type: AccountDto })
  @ApiProblemResponses(400, 409, 413)
  signup(@Body() body: SignupDto): Promise<AccountDto> {
    return this.auth.signup(body);
  }

  @Public()
  @Post('login')
  @RateLimited('login')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Exchange email and password for an access token and a refresh token',
    description: 'Starts a session: the access token carries its id (`sid`).',
  })
  @ApiOkResponse({ type: AccessTokenDto })
  @ApiProblemResponses(400, 401, 413)
  login(@Body() body: LoginDto): Promise<AccessTokenDto> {
    return this.auth.login(body);
  }

  @Public()
  @Post('auth/refresh')
  @RateLimited('refresh')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Exchange a refresh token for a new access token and refresh token',
    description:
      'The refresh token is used up: keep the new one. A refresh token presented a second time ' +
      'ends its whole session (all its tokens are refused). 401 `INVALID_REFRESH_TOKEN` for ' +
      'unknown, expired, used or revoked tokens: log in again.',
  })
  @ApiOkResponse({ type: AccessTokenDto })
  @ApiProblemResponses(400, 401, 413)
  refresh(@Body() body: RefreshDto): Promise<AccessTokenDto> {
    return this.auth.refresh(body.refreshToken);
  }

  @Post('auth/logout')
  @HttpCode(204)
  @ApiBearerAuth()
  @ApiOperation({
    summary: 'End the session of this access token',
    description: 'The access token and the refresh token of the session are refused from now on.',
  })
  @ApiNoContentResponse({ description: 'Logged out' })
  @ApiProblemResponses(401)
  logout(@CurrentUser() user: AuthenticatedUser): Promise<void> {
    return this.auth.logout(user);
  }
}
