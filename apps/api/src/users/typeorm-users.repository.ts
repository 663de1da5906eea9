import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';

import { UserEntity } from './user.entity';
import { User, UsersRepository } from './users.repository';

@Injectable()
export class TypeOrmUsersRepository implements UsersRepository {
  constructor(@InjectRepository(UserEntity) private readonly users: Repository<UserEntity>) {}

  /** ON CONFLICT on the lower(email) index: of N parallel signups exactly one inserts. */
  async insert(email: string, passwordHash: string): Promise<User | undefined> {
    const rows: Array<{ id: string; email: string; created_at: Date }> = await this.users.query(
      `INSERT INTO users (email, password_hash) VALUES ($1, $2)
       ON CONFLICT ((lower(email))) DO NOTHING
       RETURNING id, email, created_at`,
      [email, passwordHash],
    );
    const row = rows[0];
    return row && { id: row.id, email: row.email, passwordHash, createdAt: row.created_at };
  }

  async findByEmail(email: string): Promise<User | undefined> {
    const rows: Array<{ id: string; email: string; password_hash: string; created_at: Date }> =
      await this.users.query(
        `SELECT id, email, password_hash, created_at FROM users WHERE lower(email) = lower($1)`,
        [email],
      );
    const row = rows[0];
    return (
      row && {
        id: row.id,
        email: row.email,
        passwordHash: row.password_hash,
        createdAt: row.created_at,
      }
    );
  }
}
