import { ApiProperty } from '@nestjs/swagger';

/** What login and refresh answer: an access token and the refresh token that renews it. */
export class AccessTokenDto {
  @ApiProperty({ description: 'HS256 JWT access token (sub, sid, iat, exp, iss, aud)' })
  token!: string;

  @ApiProperty({ enum: ['Bearer'], example: 'Bearer' })
  tokenType!: 'Bearer';

  @ApiProperty({ description: 'Access token lifetime in seconds', example: 900 })
  expiresIn!: number;

  @ApiProperty({
    description:
      'Opaque refresh token (43 characters): send it once to POST /auth/refresh for a new pair. ' +
      'It is rotated on every use; presenting a used one again ends the session.',
    example: 'h3Yq0mZr8vB2c1XkP9sT4wN6uL5aE7dR0fG2jH8kM1Q',
  })
  refreshToken!: string;

  @ApiProperty({ description: 'Refresh token lifetime in seconds', example: 2592000 })
  refreshExpiresIn!: number;
}
