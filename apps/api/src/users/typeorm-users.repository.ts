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
        `SELECT id, email, password_hash, created_at FROM users
          WHERE lower(email) = lower($1) AND deleted_at IS NULL`,
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

  async markDeleted(userId: string): Promise<boolean> {
    // 'deleted:<id>' is no email (signup refuses it), so it can never match one, and the unique
    // index on lower(email) no longer holds the old address.
    const [, affected]: [unknown[], number] = await this.users.query(
      `UPDATE users SET deleted_at = clock_timestamp(), email = 'deleted:' || id, password_hash = ''
        WHERE id = $1 AND deleted_at IS NULL`,
      [userId],
    );
    return affected > 0;
  }

  async findDeleted(limit: number): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.users.query(
      `SELECT id FROM users WHERE deleted_at IS NOT NULL ORDER BY deleted_at LIMIT $1`,
      [limit],
    );
    return rows.map((row) => row.id);
  }

  async removeDeleted(userId: string): Promise<boolean> {
    const [, affected]: [unknown[], number] = await this.users.query(
      `DELETE FROM users WHERE id = $1 AND deleted_at IS NOT NULL`,
      [userId],
    );
    return affected > 0;
  }
}
