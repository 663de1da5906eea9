import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { TypeOrmUsersRepository } from './typeorm-users.repository';
import { UserEntity } from './user.entity';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

@Module({
  imports: [TypeOrmModule.forFeature([UserEntity])],
  providers: [UsersService, { provide: UsersRepository, useClass: TypeOrmUsersRepository }],
  exports: [UsersService],
})
export class UsersModule {}
