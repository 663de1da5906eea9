import type { Readable } from 'node:stream';

import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DatabaseError, type PoolClient } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { DataSource, QueryRunner } from 'typeorm';

import { AllConfig } from '@app/config';
import { isPgError, PG_FOREIGN_KEY_VIOLATION, pooledQuery, TransactionScope } from '@app/database';

import { AccountGoneError } from './favorites.errors';
import {
  FavoriteRecord,
  FavoritesRepository,
  NewFavorite,
  PageRequest,
  PageResult,
  StreamRequest,
} from './favorites.repository';

interface FavoriteRow {
  id: string;
  type: FavoriteRecord['type'];
  name: string;
  description: string;
  payload: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
  /** bigint, which pg returns as text. */
  version: string;
}

const COLUMNS = 'id, type, name, description, payload, created_at, updated_at, version';

const INSERT_SQL = `INSERT INTO favorites (user_id, id, type, name, description, payload)
  VALUES ($1, $2, $3, $4, $5, $6)
  ON CONFLICT (user_id, id) DO NOTHING
  RETURNING ${COLUMNS}`;

const ISO_MS = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

/** The Asset JSON of one row, built by PostgreSQL: the stream never parses or re-serialises. */
const ASSET_JSON = `(
  jsonb_build_object('id', id, 'type', type, 'name', name, 'description', description)
  || payload
  || jsonb_build_object(
       'createdAt', to_char(created_at AT TIME ZONE 'UTC', ${ISO_MS}),
       'updatedAt', to_char(updated_at AT TIME ZONE 'UTC', ${ISO_MS}))
)::text`;

/**
 * COPY's CSV format with a delimiter and a quote character that never occur raw in JSON text
 * (control characters are always escaped there): each value goes out as it is, with no quoting
 * or escaping, and each row ends with a newline. The output is NDJSON as it stands.
 */
const NDJSON_COPY_OPTIONS = `(FORMAT csv, DELIMITER E'\\x02', QUOTE E'\\x01')`;

function toRecord(row: FavoriteRow): FavoriteRecord {
  return {
    id: row.id,
    type: row.type,
    name: row.name,
    description: row.description,
    payload: row.payload,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    version: Number(row.version),
  };
}

/**
 * Hand-written SQL: each statement is one round trip and reads the keyset index exactly
 * (see the initial migration). TypeORM supplies the pool, migrations and transactions.
 */
@Injectable()
export class TypeOrmFavoritesRepository implements FavoritesRepository {
  private readonly streamSession: string;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly transactions: TransactionScope,
    config: ConfigService<AllConfig, true>,
  ) {
    this.streamSession = streamSession(config.get('database.statementTimeoutMs', { infer: true }));
  }

  async insertForUser(userId: string, f: NewFavorite): Promise<FavoriteRecord | undefined> {
    const params = [userId, f.id, f.type, f.name, f.description, JSON.stringify(f.payload)];
    try {
      // In the caller's transaction when there is one: an idempotent POST commits the favourite
      // and its key's stored response together. Outside one, the hottest write goes straight on
      // the pool, past TypeORM's QueryRunner (pooledQuery, ADR-0032).
      const rows: FavoriteRow[] = this.transactions.inTransaction
        ? await this.transactions.manager.query(INSERT_SQL, params)
        : await pooledQuery<FavoriteRow>(this.db, INSERT_SQL, params);
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

  async findManyForUser(userId: string, ids: string[]): Promise<FavoriteRecord[]> {
    const rows: FavoriteRow[] = await this.db.query(
      `SELECT ${COLUMNS} FROM favorites WHERE user_id = $1 AND id = ANY($2::text[])`,
      [userId, ids],
    );
    return rows.map(toRecord);
  }

  /**
   * The version check is in the UPDATE's own WHERE: of concurrent edits expecting one version,
   * the first takes the row lock and bumps it; the others, re-checked after that lock (READ
   * COMMITTED), no longer match.
   */
  async updateDescriptionForUser(
    userId: string,
    id: string,
    description: string,
    versions?: number[],
  ): Promise<FavoriteRecord | undefined> {
    // For UPDATE, TypeORM's query() answers [rows, affectedCount].
    const [rows]: [FavoriteRow[], number] = await this.db.query(
      `UPDATE favorites
          SET description = $3, updated_at = clock_timestamp(),
              version = nextval('favorites_version_seq')
        WHERE user_id = $1 AND id = $2 ${versions ? 'AND version = ANY($4::bigint[])' : ''}
        RETURNING ${COLUMNS}`,
      versions ? [userId, id, description, versions] : [userId, id, description],
    );
    return rows[0] && toRecord(rows[0]);
  }

  async deleteForUser(userId: string, id: string, versions?: number[]): Promise<boolean> {
    // For DELETE, TypeORM's query() answers [rows, affectedCount].
    const [, affected]: [unknown[], number] = await this.db.query(
      `DELETE FROM favorites
        WHERE user_id = $1 AND id = $2 ${versions ? 'AND version = ANY($3::bigint[])' : ''}`,
      versions ? [userId, id, versions] : [userId, id],
    );
    return affected > 0;
  }

  async existsForUser(userId: string, id: string): Promise<boolean> {
    const rows: unknown[] = await this.db.query(
      `SELECT 1 FROM favorites WHERE user_id = $1 AND id = $2`,
      [userId, id],
    );
    return rows.length > 0;
  }

  /**
   * A range of the primary key (user_id, id) from `after`: each batch starts where the last one
   * ended instead of stepping over the dead index entries its predecessors left. SKIP LOCKED lets
   * two instances purging one account share the work instead of queueing on the same rows.
   */
  async deleteBatchForUser(
    userId: string,
    after: string,
    limit: number,
  ): Promise<{ deleted: number; last?: string }> {
    const rows: Array<{ deleted: number; last: string | null }> = await this.db.query(
      `WITH batch AS (
         SELECT id FROM favorites WHERE user_id = $1 AND id > $2
          ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED
       ), gone AS (
         DELETE FROM favorites f USING batch WHERE f.user_id = $1 AND f.id = batch.id
         RETURNING f.id
       )
       SELECT count(*)::int AS deleted, max(id) AS last FROM gone`,
      [userId, after, limit],
    );
    return { deleted: rows[0].deleted, last: rows[0].last ?? undefined };
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
    // The hottest read: straight on the pool, past TypeORM's QueryRunner (pooledQuery).
    const rows = await pooledQuery<FavoriteRow & { total: string }>(this.db, sql, params);
    if (rows.length === 0) return { total: 0, rows: [] };
    return {
      total: Number(rows[0].total),
      rows: rows[0].id === null ? [] : rows.map(toRecord),
    };
  }

  /**
   * PostgreSQL writes the NDJSON itself: `COPY (query) TO STDOUT` on a connection taken from
   * TypeORM's pool for this stream alone, its bytes handed on as they arrive (never parsed into
   * rows). One statement run to its end, so the planner may share the JSON building between
   * parallel workers, which a cursor's fetches forbid; one statement, one snapshot, so concurrent
   * writes never make a row appear twice. TypeORM's own stream() releases its connection only on
   * end or error, so a client that disconnects would leak it; here the release hangs on 'close',
   * which fires in every case (closeStreamSession).
   */
  async streamForUser(userId: string, request: StreamRequest): Promise<Readable> {
    const runner = this.db.createQueryRunner();
    const client = (await runner.connect()) as PoolClient;
    let bytes: Readable;
    try {
      await client.query(this.streamSession);
      bytes = client.query(copyTo(ndjsonCopy(client, userId, request)));
    } catch (error) {
      await closeStreamSession(runner, client, 'failed');
      throw error;
    }
    let outcome: StreamOutcome = 'unfinished';
    bytes.once('end', () => (outcome = 'completed'));
    // Only PostgreSQL's own refusal ends the statement with the connection still in step; any
    // other error (the client left, the connection broke) leaves it unfinished. The listener stays:
    // ending an unfinished COPY reports the lost connection again.
    bytes.on('error', (error) => {
      if (outcome === 'unfinished' && error instanceof DatabaseError) outcome = 'failed';
    });
    bytes.once('close', () => void closeStreamSession(runner, client, outcome));
    return bytes;
  }
}

/**
 * The COPY statement of a stream. COPY takes no bind parameters, so the values are quoted as
 * literals by the driver (`escapeLiteral`, the form PostgreSQL's own libpq uses): the user id
 * comes from the verified token, the keyset position from a signed cursor, the type from the
 * validated query, and even so none reaches the text unquoted.
 */
function ndjsonCopy(client: PoolClient, userId: string, request: StreamRequest): string {
  const literal = (value: string) => client.escapeLiteral(value);
  let where = `user_id = ${literal(userId)}`;
  if (request.after) {
    const { createdAt, id } = request.after;
    where += ` AND (created_at, id) < (${literal(createdAt.toISOString())}::timestamptz, ${literal(id)}::text)`;
  }
  if (request.type) where += ` AND type = ${literal(request.type)}`;
  const query = `SELECT ${ASSET_JSON} FROM favorites WHERE ${where} ORDER BY created_at DESC, id DESC`;
  return `COPY (${query}) TO STDOUT WITH ${NDJSON_COPY_OPTIONS}`;
}

/**
 * The stream's transaction. The statement is planned for all its rows, so for a long list the
 * planner prefers a sort of the whole list over the index walk: cheaper in total, but the first
 * row comes only after the last has been read (5 s at a million rows). Without sorts the keyset
 * index is the only ordered path, and rows flow from the first page on. JIT compiles for the
 * same reason and delays the first row as much as it saves later. A free tuple transfer
 * (`parallel_tuple_cost = 0`: the rows leave as text, whoever builds them) lets the planner hand
 * a long list's index walk to parallel workers, each building the JSON of its share, merged back
 * in index order (Gather Merge): 1.5x the single walk at a million rows in psql; over HTTP on two
 * shared cores, where the service and its client take the rest of the CPU, no gain measured
 * (ADR-0035). Short lists keep the single walk; with no worker free the leader walks alone.
 *
 * No statement_timeout: it would run from the first byte to the last, so it would cut a slow
 * reader's stream, whatever its pace. lock_timeout instead, so a stream behind a lock (a
 * migration's ACCESS EXCLUSIVE) fails in bounded time, before its first byte, as a 503.
 */
function streamSession(lockTimeoutMs: number): string {
  return (
    'BEGIN READ ONLY; SET LOCAL enable_sort = off; SET LOCAL jit = off; ' +
    'SET LOCAL parallel_tuple_cost = 0; ' +
    `SET LOCAL statement_timeout = 0; SET LOCAL lock_timeout = ${Math.trunc(lockTimeoutMs)}`
  );
}

type StreamOutcome = 'completed' | 'failed' | 'unfinished';

/**
 * Ends the stream's transaction and hands the connection back. An unfinished COPY (the client
 * left) cannot be stopped on its connection, which is still receiving rows: the connection is
 * closed, which ends the statement and its workers, rather than pooled. So is a connection that
 * cannot end its transaction: no request ever inherits an open transaction.
 */
async function closeStreamSession(
  runner: QueryRunner,
  client: PoolClient,
  outcome: StreamOutcome,
): Promise<void> {
  // An unfinished COPY is never asked to end its transaction: its connection is closed instead.
  const transactionEnded =
    outcome !== 'unfinished' &&
    (await client.query(outcome === 'completed' ? 'COMMIT' : 'ROLLBACK').then(
      () => true,
      () => false,
    ));
  // An ended client is dropped by the pool when released.
  if (!transactionEnded) void client.end().catch(() => undefined);
  await runner.release();
}
