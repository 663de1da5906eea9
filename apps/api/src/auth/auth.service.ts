import { Injectable } from '@nestjs/common';

import { Traced } from '@app/observability';

import { UsersService } from '../users/users.service';
import { InvalidCredentialsError } from './auth.errors';
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
  ) {}

  @Traced()
  async signup({ email, password }: SignupDto): Promise<AccountDto> {
    const user = await this.users.create(email, await this.passwords.hash(password));
    return { id: user.id, email: user.email, createdAt: user.createdAt.toISOString() };
  }

  @Traced()
  async login({ email, password }: LoginDto): Promise<AccessTokenDto> {
    const user = await this.users.findByEmail(email);
    if (!(await this.passwords.verify(password, user?.passwordHash))) {
      throw new InvalidCredentialsError();
    }
    const { token, expiresIn } = this.tokens.issue(user!.id);
    return { token, tokenType: 'Bearer', expiresIn };
  }
}
