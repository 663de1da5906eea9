import { ApiProperty } from '@nestjs/swagger';
import { IsEmail, IsString, Length, MaxLength } from 'class-validator';

export class SignupDto {
  @ApiProperty({ example: 'ada@example.com', maxLength: 254 })
  @IsEmail({}, { message: 'email must be a valid email address' })
  @MaxLength(254)
  email!: string;

  @ApiProperty({ example: 'correct horse battery', minLength: 8, maxLength: 128 })
  @IsString()
  @Length(8, 128)
  password!: string;
}

/** Login checks only shape: a malformed email simply does not match any account. */
export class LoginDto {
  @ApiProperty({ example: 'ada@example.com', maxLength: 254 })
  @IsString()
  @Length(1, 254)
  email!: string;

  @ApiProperty({ example: 'correct horse battery', maxLength: 128 })
  @IsString()
  @Length(1, 128)
  password!: string;
}
