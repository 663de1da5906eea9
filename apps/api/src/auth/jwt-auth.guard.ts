import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';

import { InvalidTokenError } from './auth.errors';
import { AuthenticatedUser } from './authenticated-user';
import { IS_PUBLIC } from './public.decorator';

/** The one global guard: every route needs a valid access token unless marked @Public(). */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  override canActivate(context: ExecutionContext) {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    return isPublic || super.canActivate(context);
  }

  override handleRequest<T = AuthenticatedUser>(err: unknown, user: T | false): T {
    if (err || !user) throw new InvalidTokenError();
    return user;
  }
}
