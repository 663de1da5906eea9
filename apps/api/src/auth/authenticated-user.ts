import { createParamDecorator, ExecutionContext } from '@nestjs/common';

/** Who the verified access token belongs to; set on the request by JwtStrategy. */
export interface AuthenticatedUser {
  id: string;
}

export const CurrentUser = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): AuthenticatedUser =>
    ctx.switchToHttp().getRequest<{ user: AuthenticatedUser }>().user,
);
