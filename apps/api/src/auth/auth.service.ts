import { Injectable } from '@nestjs/common';

import { Traced } from '@app/observability';

import { IssuedRefreshToken, SessionsService } from '../sessions/sessions.service';
import { UsersService } from '../users/users.service';
import { InvalidCredentialsError } from './auth.errors';
import { AuthenticatedUser } from './authenticated-user';
import { AccessTokenDto } from './dto/access-token.dto';
import { AccountDto } from './dto/account.dto';
import { LoginDto, SignupDto } from './dto/credentials.dto';
import { PasswordHasher } from './password-hasher';
import { TokenService } from './token.service';

@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersService,
    private readonly passwords: PasswordHasher,
    private readonly tokens: TokenService,
    private readonly sessions: SessionsService,
  ) {}

  @Traced()
  async signup({ email, password }: SignupDto): Promise<AccountDto> {
    const user = await this.users.create(email, await this.passwords.hash(password));
    return { id: user.id, email: user.email, createdAt: user.createdAt.toISOString() };
  }

  /** Checks the password and starts a session: an access token and its refresh token. */
  @Traced()
  async login({ email, password }: LoginDto): Promise<AccessTokenDto> {
    const user = await this.users.findByEmail(email);
    if (!(await this.passwords.verify(password, user?.passwordHash))) {
      throw new InvalidCredentialsError();
    }
    // Undefined when the account was deleted while the password was being checked.
    const session = await this.sessions.start(user!.id);
    if (!session) throw new InvalidCredentialsError();
    return this.tokensFor(session);
  }

  /** A new pair for a refresh token, which is used up (InvalidRefreshTokenError otherwise). */
  @Traced()
  async refresh(refreshToken: string): Promise<AccessTokenDto> {
    return this.tokensFor(await this.sessions.rotate(refreshToken));
  }

  /** Ends the session of the access token: it and its refresh token are refused from now on. */
  @Traced()
  async logout(user: AuthenticatedUser): Promise<void> {
    await this.sessions.revoke(user.sessionId, user.id, 'logout');
  }

  private tokensFor(session: IssuedRefreshToken): AccessTokenDto {
    const { token, expiresIn } = this.tokens.issue(session.userId, session.sessionId);
    return {
      token,
      tokenType: 'Bearer',
      expiresIn,
      refreshToken: session.refreshToken,
      refreshExpiresIn: session.expiresIn,
    };
  }
}
