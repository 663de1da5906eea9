import { Injectable, Logger, StreamableFile } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';

import { AllConfig } from '@app/config';
import { NDJSON_CONTENT_TYPE, ndjsonBody, ndjsonErrorLine, RequestRef } from '@app/http';

import { ListFavoritesQueryDto } from './dto/list-favorites.query';
import { NotAStreamParameterError, TooManyStreamsError } from './favorites.errors';
import { FavoritesRepository } from './favorites.repository';
import { ndjsonBatches } from './ndjson-batches';
import { PageCursorCodec } from './page-cursor';

/**
 * A user's whole list as NDJSON, in constant memory: database cursor -> batches -> response, each
 * step pulling from the one before. Streams are counted, since each holds a pooled connection.
 */
@Injectable()
export class FavoritesStreamService {
  private readonly logger = new Logger(FavoritesStreamService.name);
  private readonly maxStreams: number;
  private active = 0;

  constructor(
    private readonly favorites: FavoritesRepository,
    private readonly cursors: PageCursorCodec,
    config: ConfigService<AllConfig, true>,
  ) {
    this.maxStreams = config.get('database.streamMaxConcurrency', { infer: true });
  }

  async stream(
    userId: string,
    query: ListFavoritesQueryDto,
    request: RequestRef,
  ): Promise<StreamableFile> {
    if (query.page !== undefined) throw new NotAStreamParameterError('page');
    if (query.limit !== undefined) throw new NotAStreamParameterError('limit');
    const after =
      query.cursor === undefined ? undefined : this.cursors.decode(userId, query.cursor);
    if (this.active >= this.maxStreams) throw new TooManyStreamsError();

    this.active++;
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      this.active--;
    };
    try {
      const rows = await this.favorites.streamForUser(userId, { after, type: query.type });
      rows.once('close', finish);
      const body = await ndjsonBody(ndjsonBatches(rows), (error) => {
        this.logger.error(
          { requestId: request.id, userId, err: error },
          'favourites stream interrupted',
        );
        return ndjsonErrorLine(request);
      });
      // A client that disconnects destroys the body: stop the cursor at once.
      body.once('close', () => rows.destroy());
      return new StreamableFile(body, { type: NDJSON_CONTENT_TYPE });
    } catch (error) {
      finish();
      throw error;
    }
  }
}
