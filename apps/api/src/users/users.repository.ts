import { UserEntity } from './user.entity';

export type User = Pick<UserEntity, 'id' | 'email' | 'passwordHash' | 'createdAt'>;

/** Persistence port of the Users module; bound to its TypeORM implementation by UsersModule. */
export abstract class UsersRepository {
  /** Undefined when the email is taken, case-insensitively. */
  abstract insert(email: string, passwordHash: string): Promise<User | undefined>;
  abstract findByEmail(email: string): Promise<User | undefined>;
}
