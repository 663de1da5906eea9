import { createParamDecorator, ExecutionContext } from '@nestjs/common';

/** Who the verified access token belongs to, and its session; set on the request by the guard. */
export interface AuthenticatedUser {
  id: string;
  /** The token's `sid`: the login (refresh token family) it was issued under. */
  sessionId: string;
}

export const CurrentUser = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): AuthenticatedUser =>
    ctx.switchToHttp().getRequest<{ user: AuthenticatedUser }>().user,
);
