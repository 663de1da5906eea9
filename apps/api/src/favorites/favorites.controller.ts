import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { ApiProblemResponses } from '@app/http';

import { AuthenticatedUser, CurrentUser } from '../auth/authenticated-user';
import { AssetBodyPipe } from './asset-body.pipe';
import { AssetIdPipe } from './asset-id.pipe';
import { CreateAssetDto } from './dto/asset.dto';
import { Asset } from './dto/asset.response';
import { FavoritesPageDto } from './dto/favorites-page.dto';
import { ListFavoritesQueryDto } from './dto/list-favorites.query';
import { UpdateFavoriteDto } from './dto/update-favorite.dto';
import { ApiAssetBody, ApiAssetResponse, ApiPageResponse } from './favorites.api';
import { FavoritesService } from './favorites.service';

@ApiTags('favorites')
@ApiBearerAuth()
@ApiProblemResponses(401)
@Controller('favorites')
export class FavoritesController {
  constructor(private readonly favorites: FavoritesService) {}

  @Get()
  @ApiOperation({ summary: 'List your favourites, newest first (page/limit or cursor)' })
  @ApiPageResponse()
  @ApiProblemResponses(400)
  list(
    @CurrentUser() user: AuthenticatedUser,
    @Query() query: ListFavoritesQueryDto,
  ): Promise<FavoritesPageDto> {
    return this.favorites.list(user.id, query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get one of your favourites' })
  @ApiAssetResponse(200)
  @ApiProblemResponses(400, 404)
  get(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id', AssetIdPipe) id: string,
  ): Promise<Asset> {
    return this.favorites.get(user.id, id);
  }

  @Post()
  @ApiOperation({ summary: 'Add an asset to your favourites' })
  @ApiAssetBody()
  @ApiAssetResponse(201)
  @ApiProblemResponses(400, 409, 413)
  add(
    @CurrentUser() user: AuthenticatedUser,
    @Body(AssetBodyPipe) asset: CreateAssetDto,
  ): Promise<Asset> {
    return this.favorites.add(user.id, asset);
  }

  @Patch(':id')
  @ApiOperation({ summary: "Edit a favourite's description (the only editable field)" })
  @ApiAssetResponse(200)
  @ApiProblemResponses(400, 404, 413)
  edit(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id', AssetIdPipe) id: string,
    @Body() body: UpdateFavoriteDto,
  ): Promise<Asset> {
    return this.favorites.editDescription(user.id, id, body.description);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a favourite' })
  @ApiNoContentResponse({ description: 'Removed' })
  @ApiProblemResponses(400, 404)
  remove(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id', AssetIdPipe) id: string,
  ): Promise<void> {
    return this.favorites.remove(user.id, id);
  }
}
