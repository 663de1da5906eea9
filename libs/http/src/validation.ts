import { ArgumentMetadata, PipeTransform, ValidationError, ValidationPipe } from '@nestjs/common';
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

/**
 * The global pipe: a DTO's own fast path when it has one and it accepts, else class-validator
 * (Nest's ValidationPipe). Nest runs it on every parameter of every handler that is a body, query,
 * route parameter or custom decorator's value; what needs no promise gets none. A custom
 * decorator's value (the signed-in user) passes as it is, as ValidationPipe passes it without
 * `validateCustomDecorators`, and a fast-path DTO is returned as it is, where `async` would make
 * Nest's pipe chain wait out one more promise for each.
 */
class StrictValidationPipe implements PipeTransform {
  constructor(private readonly validation: ValidationPipe) {}

  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'custom') return value;
    const parsed = fastPathOf(metadata.metatype)?.(value);
    return parsed === undefined ? this.validation.transform(value, metadata) : parsed;
  }
}

export function createValidationPipe(): PipeTransform {
  return new StrictValidationPipe(
    new ValidationPipe({
      ...STRICT_VALIDATION,
      transform: true,
      exceptionFactory: (errors) => new RequestValidationError(flattenValidationErrors(errors)),
    }),
  );
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
