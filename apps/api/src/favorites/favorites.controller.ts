import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
  Req,
  Res,
  StreamableFile,
} from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';

import {
  ApiProblemResponses,
  EntityTagList,
  IfMatch,
  NDJSON,
  negotiateMediaType,
  requestRefOf,
  strongETag,
  withETag,
} from '@app/http';

import { AuthenticatedUser, authenticatedUserOf, CurrentUser } from '../auth/authenticated-user';
import { Idempotent } from '../idempotency/idempotent.decorator';
import { AssetBodyPipe } from './asset-body.pipe';
import { AssetIdPipe } from './asset-id.pipe';
import { CreateAssetDto } from './dto/asset.dto';
import { Asset } from './dto/asset.response';
import { ListFavoritesQueryDto } from './dto/list-favorites.query';
import { UpdateFavoriteDto } from './dto/update-favorite.dto';
import {
  ApiAssetBody,
  ApiAssetResponse,
  ApiConditionalGet,
  ApiIfMatch,
  ApiListResponses,
} from './favorites.api';
import { FavoritesService } from './favorites.service';
import { FavoritesStreamService } from './favorites-stream.service';

const LIST_MEDIA_TYPES = ['application/json', NDJSON] as const;
const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

@ApiTags('favorites')
@ApiBearerAuth()
// 429: the per-user rate limit (every authenticated route).
@ApiProblemResponses(401, 429)
@Controller('favorites')
export class FavoritesController {
  constructor(
    private readonly favorites: FavoritesService,
    private readonly streams: FavoritesStreamService,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'List your favourites, newest first',
    description:
      'With `Accept: application/json` (the default): one page, by `page`/`limit` or `cursor`/`limit`. ' +
      'With `Accept: application/x-ndjson`: every favourite (or those after `cursor`, optionally of one ' +
      '`type`), one Asset per line, streamed in constant memory. A stream broken after its first byte ' +
      'ends with a line `{"error": problem}`.',
  })
  @ApiListResponses()
  @ApiConditionalGet()
  @ApiProblemResponses(400, 503)
  async list(
    @Query() query: ListFavoritesQueryDto,
    // The request itself rather than @CurrentUser(), @Headers('accept') and a decorator for the
    // stream's request ref: Nest resolves each parameter with promises and allocations of its
    // own, and this is the hottest handler (ADR-0044, ADR-0047).
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string | StreamableFile> {
    const user = authenticatedUserOf(request);
    if (negotiateMediaType(request.headers.accept, LIST_MEDIA_TYPES) === NDJSON) {
      return this.streams.stream(user.id, query, requestRefOf(request));
    }
    // The page's assets are already JSON text: send the body as is (FavoritesPage.toBody). Its
    // ETag is a digest of those bytes, so the cache and PostgreSQL give the same one; the
    // ConditionalGet hook turns a match of If-None-Match into a 304.
    const body = (await this.favorites.list(user.id, query)).toBody();
    void reply.type(JSON_CONTENT_TYPE).header('etag', strongETag(body));
    return body;
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get one of your favourites' })
  @ApiAssetResponse(200)
  @ApiConditionalGet()
  @ApiProblemResponses(400, 404)
  async get(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id', AssetIdPipe) id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Asset> {
    return withETag(reply, await this.favorites.get(user.id, id));
  }

  @Post()
  @Idempotent()
  @ApiOperation({ summary: 'Add an asset to your favourites' })
  @ApiAssetBody()
  @ApiAssetResponse(201)
  @ApiProblemResponses(400, 409, 413)
  async add(
    @CurrentUser() user: AuthenticatedUser,
    @Body(AssetBodyPipe) asset: CreateAssetDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Asset> {
    const created = await this.favorites.add(user.id, asset);
    void reply.header('location', `/favorites/${encodeURIComponent(created.value.id)}`);
    return withETag(reply, created);
  }

  @Patch(':id')
  @ApiOperation({ summary: "Edit a favourite's description (the only editable field)" })
  @ApiIfMatch()
  @ApiAssetResponse(200)
  @ApiProblemResponses(400, 404, 412, 413)
  async edit(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id', AssetIdPipe) id: string,
    @Body() body: UpdateFavoriteDto,
    @IfMatch() ifMatch: EntityTagList | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Asset> {
    const edited = await this.favorites.editDescription(user.id, id, body.description, ifMatch);
    return withETag(reply, edited);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a favourite' })
  @ApiIfMatch()
  @ApiNoContentResponse({ description: 'Removed' })
  @ApiProblemResponses(400, 404, 412)
  remove(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id', AssetIdPipe) id: string,
    @IfMatch() ifMatch: EntityTagList | undefined,
  ): Promise<void> {
    return this.favorites.remove(user.id, id, ifMatch);
  }
}
