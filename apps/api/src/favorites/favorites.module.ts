import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { FavoriteEntity } from './favorite.entity';
import { FavoritesController } from './favorites.controller';
import { FavoritesRepository } from './favorites.repository';
import { FavoritesService } from './favorites.service';
import { FavoritesStreamService } from './favorites-stream.service';
import { PageCursorCodec } from './page-cursor';
import { TypeOrmFavoritesRepository } from './typeorm-favorites.repository';

@Module({
  imports: [TypeOrmModule.forFeature([FavoriteEntity])],
  controllers: [FavoritesController],
  providers: [
    FavoritesService,
    FavoritesStreamService,
    PageCursorCodec,
    { provide: FavoritesRepository, useClass: TypeOrmFavoritesRepository },
  ],
})
export class FavoritesModule {}
