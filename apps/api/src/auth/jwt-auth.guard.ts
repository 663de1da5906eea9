import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';

import { ActiveSessions } from '../sessions/active-sessions';
import { InvalidTokenError } from './auth.errors';
import { AuthenticatedUser } from './authenticated-user';
import { bearerTokenOf } from './jwt.strategy';
import { IS_PUBLIC } from './public.decorator';
import { VerifiedTokens } from './verified-tokens';

type AuthenticatedRequest = FastifyRequest & { user?: AuthenticatedUser };

/**
 * The first global guard (RateLimitGuard runs after it): every route needs a valid access token
 * of an active session unless marked @Public(). A token verified before (and not expired) is taken from VerifiedTokens; any
 * other goes through passport-jwt (JwtStrategy), which remembers it once verified. Either way its
 * session must still be active (ActiveSessions): not logged out, not revoked by refresh token
 * reuse, not of a deleted account. Known sessions are answered from memory, synchronously.
 */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(
    private readonly reflector: Reflector,
    private readonly verified: VerifiedTokens,
    private readonly sessions: ActiveSessions,
  ) {
    super();
  }

  override canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const token = bearerTokenOf(request);
    const user = token ? this.verified.get(token) : undefined;
    if (user) return this.admit(request, user);
    return this.verify(context, request);
  }

  override handleRequest<T = AuthenticatedUser>(err: unknown, user: T | false): T {
    if (err || !user) throw new InvalidTokenError();
    return user;
  }

  private async verify(context: ExecutionContext, request: AuthenticatedRequest): Promise<boolean> {
    // Throws InvalidTokenError (handleRequest) unless the token verifies; sets request.user.
    await super.canActivate(context);
    const user = request.user!;
    request.user = undefined;
    return this.admit(request, user);
  }

  private admit(
    request: AuthenticatedRequest,
    user: AuthenticatedUser,
  ): boolean | Promise<boolean> {
    const active = this.sessions.check(user.sessionId, user.id);
    return typeof active === 'boolean'
      ? this.settle(request, user, active)
      : active.then((isActive) => this.settle(request, user, isActive));
  }

  private settle(request: AuthenticatedRequest, user: AuthenticatedUser, active: boolean): true {
    if (!active) throw new InvalidTokenError();
    request.user = user;
    return true;
  }
}
