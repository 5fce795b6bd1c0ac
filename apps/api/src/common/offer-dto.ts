import { IsRfc3339DateTime, parseRfc3339DateTime } from '@huigong/platform';
import { ValidateBy, type ValidationOptions } from 'class-validator';

/**
 * An RFC 3339 date-time in the future (offers that expire): the document's `format: date-time`. An ISO 8601
 * date alone (`2030-01-01`) or a time without an offset was accepted by IsDateString and read in the
 * server's time zone.
 */
export function IsFutureInstant(options?: ValidationOptions): PropertyDecorator {
  return (target, key) => {
    IsRfc3339DateTime({ message: 'must be an RFC 3339 date-time with an offset, such as 2030-01-01T08:00:00+08:00', ...options })(target, key);
    ValidateBy(
      {
        name: 'isFutureInstant',
        validator: {
          validate: (value: unknown) => {
            const instant = typeof value === 'string' ? parseRfc3339DateTime(value) : undefined;
            return instant === undefined || instant > Date.now();
          },
          defaultMessage: () => 'must be in the future',
        },
      },
      options,
    )(target, key);
  };
}
