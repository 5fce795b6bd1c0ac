import type { ApiErrorBody, FieldError } from '@huigong/platform';
import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';

/** One bad field: `{"field": "location.lat", "message": "must be between -90 and 90"}`. Values are never echoed. */
@ApiSchema({ name: 'FieldError' })
export class FieldErrorView implements FieldError {
  @ApiProperty({
    type: 'string',
    description: 'Dotted path of the bad field (`shifts.0.start`), or `(body)`, `(line)`, `(csv)`, `(record)`.',
    example: 'location.lat',
  })
  field: string;

  @ApiProperty({ type: 'string', example: 'must be between -90 and 90' })
  message: string;
}

/** The one JSON shape of every error (libs/platform: `ApiExceptionFilter`, the body parsers, the content-type check). */
@ApiSchema({ name: 'ApiError' })
export class ApiErrorResponse implements ApiErrorBody {
  @ApiProperty({ type: 'integer', minimum: 400, maximum: 599, example: 400 })
  statusCode: number;

  @ApiProperty({ type: 'string', description: 'The standard reason phrase of the status.', example: 'Bad Request' })
  error: string;

  @ApiProperty({ type: 'string', example: 'The request has invalid fields.' })
  message: string;

  @ApiPropertyOptional({ type: () => FieldErrorView, isArray: true, description: 'On validation errors (400): every bad field.' })
  details?: FieldErrorView[];

  @ApiPropertyOptional({
    type: 'string',
    description: 'On some conflicts (409), a stable name to act on: `occurrence_full` (every seat of the occurrence is taken).',
    example: 'occurrence_full',
  })
  code?: string;
}
