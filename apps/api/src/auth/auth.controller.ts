import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { ApiProblemResponses } from '@app/http';

import { RateLimited } from '../rate-limit/rate-limited.decorator';
import { AuthService } from './auth.service';
import { AccessTokenDto } from './dto/access-token.dto';
import { AccountDto } from './dto/account.dto';
import { LoginDto, SignupDto } from './dto/credentials.dto';
import { Public } from './public.decorator';

/** Paths as in the Go service: POST /signup and POST /login. */
@ApiTags('auth')
@Public()
@Controller()
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('signup')
  @RateLimited('signup')
  @ApiOperation({ summary: 'Create an account' })
  @ApiCreatedResponse({ type: AccountDto })
  @ApiProblemResponses(400, 409, 413)
  signup(@Body() body: SignupDto): Promise<AccountDto> {
    return this.auth.signup(body);
  }

  @Post('login')
  @RateLimited('login')
  @HttpCode(200)
  @ApiOperation({ summary: 'Exchange email and password for an access token' })
  @ApiOkResponse({ type: AccessTokenDto })
  @ApiProblemResponses(400, 401, 413)
  login(@Body() body: LoginDto): Promise<AccessTokenDto> {
    return this.auth.login(body);
  }
}
