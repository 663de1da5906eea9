import { UserEntity } from './user.entity';

export type User = Pick<UserEntity, 'id' | 'email' | 'passwordHash' | 'createdAt'>;

/** Persistence port of the Users module; bound to its TypeORM implementation by UsersModule. */
export abstract class UsersRepository {
  /** Undefined when the email is taken, case-insensitively. */
  abstract insert(email: string, passwordHash: string): Promise<User | undefined>;
  /** Accounts that are deleted are not found. */
  abstract findByEmail(email: string): Promise<User | undefined>;
  /**
   * Marks the account deleted and frees its email at once (the email and password hash are
   * replaced); false when it was already deleted. Its rows go later (removeDeleted).
   */
  abstract markDeleted(userId: string): Promise<boolean>;
  /** Some accounts marked deleted and not yet removed, oldest first. */
  abstract findDeleted(limit: number): Promise<string[]>;
  /** Removes an account marked deleted, with whatever still references it (ON DELETE CASCADE). */
  abstract removeDeleted(userId: string): Promise<boolean>;
}
