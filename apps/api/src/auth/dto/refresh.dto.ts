import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';

export class RefreshDto {
  /** Any string up to 4 KiB is looked at, so that an access token given here is a 401, not a 400. */
  @ApiProperty({ description: 'The refresh token of the last login or refresh', maxLength: 4096 })
  @IsString()
  @Length(1, 4096)
  refreshToken!: string;
}
