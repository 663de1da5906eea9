import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';

/** Only the description of a favourite can change; any other field is refused. */
export class UpdateFavoriteDto {
  @ApiProperty({ maxLength: 1000, example: 'Shared with the growth team' })
  @IsString()
  @MaxLength(1000)
  description!: string;
}
