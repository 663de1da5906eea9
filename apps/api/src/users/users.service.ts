import { Injectable } from '@nestjs/common';

import { EmailTakenError } from './users.errors';
import { User, UsersRepository } from './users.repository';

@Injectable()
export class UsersService {
  constructor(private readonly users: UsersRepository) {}

  async create(email: string, passwordHash: string): Promise<User> {
    const user = await this.users.insert(email, passwordHash);
    if (!user) throw new EmailTakenError();
    return user;
  }

  findByEmail(email: string): Promise<User | undefined> {
    return this.users.findByEmail(email);
  }

  markDeleted(userId: string): Promise<boolean> {
    return this.users.markDeleted(userId);
  }

  findDeleted(limit: number): Promise<string[]> {
    return this.users.findDeleted(limit);
  }

  removeDeleted(userId: string): Promise<boolean> {
    return this.users.removeDeleted(userId);
  }
}
