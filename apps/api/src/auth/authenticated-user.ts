import { createParamDecorator, ExecutionContext } from '@nestjs/common';

/** Who the verified access token belongs to, and its session; set on the request by the guard. */
export interface AuthenticatedUser {
  id: string;
  /** The token's `sid`: the login (refresh token family) it was issued under. */
  sessionId: string;
}

/** The user the guard set on the request: on every route but the @Public() ones. */
export function authenticatedUserOf(request: object): AuthenticatedUser {
  return (request as { user: AuthenticatedUser }).user;
}

export const CurrentUser = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): AuthenticatedUser =>
    authenticatedUserOf(ctx.switchToHttp().getRequest<object>()),
);
