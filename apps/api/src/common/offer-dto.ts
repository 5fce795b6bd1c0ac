import { IsDateString, ValidateBy, type ValidationOptions } from 'class-validator';

/** An ISO 8601 instant in the future (offers that expire). */
export function IsFutureInstant(options?: ValidationOptions): PropertyDecorator {
  return (target, key) => {
    IsDateString({ strict: true }, { message: 'must be an ISO 8601 date-time', ...options })(target, key);
    ValidateBy(
      {
        name: 'isFutureInstant',
        validator: {
          validate: (value: unknown) => typeof value !== 'string' || Number.isNaN(Date.parse(value)) || Date.parse(value) > Date.now(),
          defaultMessage: () => 'must be in the future',
        },
      },
      options,
    )(target, key);
  };
}
