import { Injectable, Logger, StreamableFile } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectMetric, makeCounterProvider, makeGaugeProvider } from '@willsoto/nestjs-prometheus';
import type { Counter, Gauge } from 'prom-client';

import { AllConfig } from '@app/config';
import { NDJSON_CONTENT_TYPE, ndjsonBody, ndjsonErrorLine, RequestRef } from '@app/http';
import { Traced } from '@app/observability';

import { ListFavoritesQueryDto } from './dto/list-favorites.query';
import { NotAStreamParameterError, TooManyStreamsError } from './favorites.errors';
import { FavoritesRepository } from './favorites.repository';
import { wholeLines } from './ndjson-lines';
import { PageCursorCodec } from './page-cursor';

const ROWS = 'favorites_stream_rows_total';
const STREAMS = 'favorites_streams_total';
const ACTIVE = 'favorites_streams_active';

export const FAVORITES_STREAM_METRICS = [
  makeCounterProvider({ name: ROWS, help: 'Favourites sent in NDJSON streams' }),
  makeCounterProvider({
    name: STREAMS,
    help: 'NDJSON streams ended, by outcome: completed, aborted (the client left) or failed',
    labelNames: ['outcome'],
  }),
  makeGaugeProvider({ name: ACTIVE, help: 'NDJSON streams in progress (each holds a connection)' }),
];

type StreamOutcome = 'completed' | 'aborted' | 'failed';

/**
 * A user's whole list as NDJSON, in constant memory: PostgreSQL's COPY -> whole lines -> response,
 * each step pulling from the one before. Streams are counted, since each holds a pooled connection.
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
    @InjectMetric(ROWS) private readonly rowsStreamed: Counter<string>,
    @InjectMetric(STREAMS) private readonly streamsEnded: Counter<string>,
    @InjectMetric(ACTIVE) private readonly streamsActive: Gauge<string>,
  ) {
    this.maxStreams = config.get('database.streamMaxConcurrency', { infer: true });
  }

  @Traced()
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
    this.streamsActive.inc();
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      this.active--;
      this.streamsActive.dec();
    };
    try {
      const ndjson = await this.favorites.streamForUser(userId, { after, type: query.type });
      ndjson.once('close', finish);
      let outcome: StreamOutcome = 'aborted';
      ndjson.once('end', () => (outcome = 'completed'));
      const lines = wholeLines(ndjson, (count) => this.rowsStreamed.inc(count));
      const body = await ndjsonBody(lines, (error) => {
        outcome = 'failed';
        // The request id and user id are on every line logged during a request (ADR-0018).
        this.logger.error({ err: error }, 'favourites stream interrupted');
        return ndjsonErrorLine(request);
      });
      // A client that disconnects destroys the body: stop the database's statement at once.
      body.once('close', () => {
        ndjson.destroy();
        this.streamsEnded.inc({ outcome });
      });
      return new StreamableFile(body, { type: NDJSON_CONTENT_TYPE });
    } catch (error) {
      finish();
      throw error;
    }
  }
}
