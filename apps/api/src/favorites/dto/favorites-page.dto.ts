import { ApiProperty } from '@nestjs/swagger';

import { assetUnionSchema } from './asset.dto';
import { Asset, ASSET_RESPONSES } from './asset.response';

export class FavoritesPageDto {
  @ApiProperty({
    type: 'array',
    items: assetUnionSchema(ASSET_RESPONSES),
    description: 'Newest first',
  })
  data!: Asset[];

  @ApiProperty({ description: "Number of the caller's favourites", example: 42 })
  total!: number;

  @ApiProperty({
    type: 'integer',
    nullable: true,
    description: 'Null when paging by cursor',
    example: 1,
  })
  page!: number | null;

  @ApiProperty({ example: 10 })
  limit!: number;

  @ApiProperty({
    type: 'string',
    nullable: true,
    description: 'Pass as `cursor` for the next page; null on the last page',
  })
  nextCursor!: string | null;
}
