import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { ClassConstructor, plainToInstance } from 'class-transformer';
import { validate, ValidatorOptions } from 'class-validator';

import { FieldError, RequestValidationError } from './domain-error';

function joinPath(parent: string, property: string): string {
  if (/^\d+$/.test(property)) return `${parent}[${property}]`;
  return parent ? `${parent}.${property}` : property;
}

/** Flattens class-validator's tree into `{ field: 'rules.age_min', message }` entries. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = joinPath(parent, error.property);
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flattenValidationErrors(error.children ?? [], field)];
  });
}

/** Strict input: unknown fields are refused (no mass assignment). */
export const STRICT_VALIDATION: ValidatorOptions = {
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  validationError: { target: false, value: false },
};

/**
 * A DTO class with a hand-written check of its common case: the instance class-validator would
 * make of `plain` when `plain` is valid by the class's decorators, or undefined for anything else
 * (invalid, unknown fields, unusual text), which then goes through class-validator and gets its
 * errors. For the hottest inputs only (ADR-0032); a property test must show both paths agree.
 */
export interface FastValidated<T> {
  parseValid(plain: unknown): T | undefined;
}

function fastPathOf(metatype: unknown): FastValidated<unknown>['parseValid'] | undefined {
  const parse = (metatype as Partial<FastValidated<unknown>> | undefined)?.parseValid;
  return typeof parse === 'function' ? parse : undefined;
}

/** The global pipe: a DTO's own fast path when it has one and it accepts, else class-validator. */
class StrictValidationPipe extends ValidationPipe {
  override transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const parsed = fastPathOf(metadata.metatype)?.(value);
    return parsed === undefined ? super.transform(value, metadata) : Promise.resolve(parsed);
  }
}

export function createValidationPipe(): ValidationPipe {
  return new StrictValidationPipe({
    ...STRICT_VALIDATION,
    transform: true,
    exceptionFactory: (errors) => new RequestValidationError(flattenValidationErrors(errors)),
  });
}

/** Validates a plain value as `type` with the same rules and errors as the global pipe. */
export async function validateAs<T extends object>(
  type: ClassConstructor<T>,
  plain: object,
): Promise<T> {
  const instance = plainToInstance(type, plain);
  const errors = await validate(instance, STRICT_VALIDATION);
  if (errors.length > 0) throw new RequestValidationError(flattenValidationErrors(errors));
  return instance;
}
