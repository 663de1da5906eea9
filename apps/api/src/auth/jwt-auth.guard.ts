import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';

import { InvalidTokenError } from './auth.errors';
import { AuthenticatedUser } from './authenticated-user';
import { bearerTokenOf } from './jwt.strategy';
import { IS_PUBLIC } from './public.decorator';
import { VerifiedTokens } from './verified-tokens';

type AuthenticatedRequest = FastifyRequest & { user?: AuthenticatedUser };

/**
 * The one global guard: every route needs a valid access token unless marked @Public(). A token
 * verified before (and not expired) is taken from VerifiedTokens; any other goes through
 * passport-jwt (JwtStrategy), which remembers it once verified.
 */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(
    private readonly reflector: Reflector,
    private readonly verified: VerifiedTokens,
  ) {
    super();
  }

  override canActivate(context: ExecutionContext) {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const token = bearerTokenOf(request);
    const user = token ? this.verified.get(token) : undefined;
    if (user) {
      request.user = user;
      return true;
    }
    return super.canActivate(context);
  }

  override handleRequest<T = AuthenticatedUser>(err: unknown, user: T | false): T {
    if (err || !user) throw new InvalidTokenError();
    return user;
  }
}
