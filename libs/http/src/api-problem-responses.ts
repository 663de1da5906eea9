import { applyDecorators } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiProperty,
  ApiPropertyOptional,
  ApiResponse,
  getSchemaPath,
} from '@nestjs/swagger';

import { PROBLEM_CONTENT_TYPE, statusTitle } from './problem-details';

class FieldErrorDto {
  @ApiProperty({ example: 'rules.age_min' }) field!: string;
  @ApiProperty({ example: 'age_min must not be greater than 120' }) message!: string;
}

/** RFC 9457 problem details as this service sends them; see ProblemDetailsFilter. */
export class ProblemDetailsDto {
  @ApiProperty({ example: 'about:blank' }) type!: string;
  @ApiProperty({ example: 'Not Found' }) title!: string;
  @ApiProperty({ example: 404 }) status!: number;
  @ApiProperty({ example: 'Favorite not found' }) detail!: string;
  @ApiProperty({ example: '/favorites/chart-1' }) instance!: string;
  @ApiProperty({ description: 'Stable machine-readable error code', example: 'FAVORITE_NOT_FOUND' })
  code!: string;
  @ApiProperty({ description: 'Echo of X-Request-ID, for support', example: '5f0c0c3e-...' })
  requestId!: string;
  @ApiPropertyOptional({
    description: 'W3C trace id of the request, when tracing is on: find its trace with it',
    example: '4bf92f3577b34da6a3ce929d0e0e4736',
  })
  traceId?: string;
  @ApiPropertyOptional({ type: [FieldErrorDto], description: 'Per-field problems (400 only)' })
  errors?: FieldErrorDto[];
}

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input (validation, malformed JSON, bad cursor)',
  401: 'Missing, invalid or expired bearer token',
  404: 'Not found, or not yours',
  409: 'Conflict with existing data',
  413: 'Request body larger than 1 MiB',
  412: 'If-Match names no current version: the resource changed since it was read',
  422: 'Idempotency-Key already used with a different request',
  429: 'Rate limit reached: retry after `Retry-After` seconds',
  503: 'A dependency is unavailable',
};

const seconds = (description: string) => ({ description, schema: { type: 'integer' } });

/** Headers documented with a status (the draft IETF RateLimit fields on a 429). */
const HEADERS: Record<number, Record<string, ReturnType<typeof seconds>>> = {
  429: {
    'Retry-After': seconds('Seconds until a request may succeed'),
    'RateLimit-Limit': seconds('Requests allowed in the window'),
    'RateLimit-Remaining': seconds('Requests left in the window (0)'),
    'RateLimit-Reset': seconds('Seconds until the quota resets'),
  },
};

/** Documents problem+json answers for the given statuses. */
export function ApiProblemResponses(...statuses: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiExtraModels(ProblemDetailsDto),
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: DESCRIPTIONS[status] ?? statusTitle(status),
        ...(HEADERS[status] && { headers: HEADERS[status] }),
        content: {
          [PROBLEM_CONTENT_TYPE.split(';')[0]]: {
            schema: { $ref: getSchemaPath(ProblemDetailsDto) },
          },
        },
      }),
    ),
  );
}
