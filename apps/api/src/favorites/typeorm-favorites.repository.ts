import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

import { isPgError, PG_FOREIGN_KEY_VIOLATION } from '@app/database';

import { AccountGoneError } from './favorites.errors';
import {
  FavoriteRecord,
  FavoritesRepository,
  NewFavorite,
  PageRequest,
  PageResult,
} from './favorites.repository';

interface FavoriteRow {
  id: string;
  type: FavoriteRecord['type'];
  name: string;
  description: string;
  payload: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'id, type, name, description, payload, created_at, updated_at';

function toRecord(row: FavoriteRow): FavoriteRecord {
  return {
    id: row.id,
    type: row.type,
    name: row.name,
    description: row.description,
    payload: row.payload,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * Hand-written SQL: each statement is one round trip and reads the keyset index exactly
 * (see the initial migration). TypeORM supplies the pool, migrations and transactions.
 */
@Injectable()
export class TypeOrmFavoritesRepository implements FavoritesRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async insertForUser(userId: string, f: NewFavorite): Promise<FavoriteRecord | undefined> {
    try {
      const rows: FavoriteRow[] = await this.db.query(
        `INSERT INTO favorites (user_id, id, type, name, description, payload)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (user_id, id) DO NOTHING
         RETURNING ${COLUMNS}`,
        [userId, f.id, f.type, f.name, f.description, JSON.stringify(f.payload)],
      );
      return rows[0] && toRecord(rows[0]);
    } catch (error) {
      if (isPgError(error, PG_FOREIGN_KEY_VIOLATION)) throw new AccountGoneError();
      throw error;
    }
  }

  async findOneForUser(userId: string, id: string): Promise<FavoriteRecord | undefined> {
    const rows: FavoriteRow[] = await this.db.query(
      `SELECT ${COLUMNS} FROM favorites WHERE user_id = $1 AND id = $2`,
      [userId, id],
    );
    return rows[0] && toRecord(rows[0]);
  }

  async updateDescriptionForUser(
    userId: string,
    id: string,
    description: string,
  ): Promise<FavoriteRecord | undefined> {
    // For UPDATE, TypeORM's query() answers [rows, affectedCount].
    const [rows]: [FavoriteRow[], number] = await this.db.query(
      `UPDATE favorites SET description = $3, updated_at = clock_timestamp()
        WHERE user_id = $1 AND id = $2
        RETURNING ${COLUMNS}`,
      [userId, id, description],
    );
    return rows[0] && toRecord(rows[0]);
  }

  async deleteForUser(userId: string, id: string): Promise<boolean> {
    // For DELETE, TypeORM's query() answers [rows, affectedCount].
    const [, affected]: [unknown[], number] = await this.db.query(
      `DELETE FROM favorites WHERE user_id = $1 AND id = $2`,
      [userId, id],
    );
    return affected > 0;
  }

  /**
   * One round trip for the page and `total`. The lateral subquery is a range scan of
   * favorites_user_keyset_idx; in offset mode it is skipped outright when the offset is past the
   * end, so a huge `page` costs nothing.
   */
  async findPageForUser(userId: string, page: PageRequest): Promise<PageResult> {
    const keyset = page.after !== undefined;
    const sql = `
      SELECT u.favorites_count AS total, f.*
        FROM users u
        LEFT JOIN LATERAL (
          SELECT ${COLUMNS} FROM favorites
           WHERE user_id = u.id
             AND ${keyset ? '(created_at, id) < ($3::timestamptz, $4::text)' : '$3::bigint < u.favorites_count'}
           ORDER BY created_at DESC, id DESC
           LIMIT $2 ${keyset ? '' : 'OFFSET $3'}
        ) f ON true
       WHERE u.id = $1`;
    const params = keyset
      ? [userId, page.limit, page.after.createdAt.toISOString(), page.after.id]
      : [userId, page.limit, page.offset];
    const rows: Array<FavoriteRow & { total: string }> = await this.db.query(sql, params);
    if (rows.length === 0) return { total: 0, rows: [] };
    return {
      total: Number(rows[0].total),
      rows: rows[0].id === null ? [] : rows.map(toRecord),
    };
  }
}
