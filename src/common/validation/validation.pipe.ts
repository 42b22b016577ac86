import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { getMetadataStorage } from 'class-validator';
import { AppError, FieldError } from '../errors/app-error';
import { IS_CURRENCY_CODE, IS_MINOR_UNITS } from './decorators';
import { cacheValidationMetadata } from './metadata-cache';

/**
 * Validates every body and query against its DTO. Unknown fields are refused (400), so mass
 * assignment of `status`, `fee_amount` or another `source_id` never reaches a service.
 */
export function createValidationPipe(): ValidationPipe {
  cacheValidationMetadata();
  return new StrictValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    stopAtFirstError: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => toAppError(errors),
  });
}

/**
 * Three holes of the stock pipe, closed:
 * - a JSON body of `null` was read as `{}` (an empty update succeeded) and other non-objects
 *   as whatever class-transformer made of them: a body is an object, or absent;
 * - class-transformer skips a key named like an Object.prototype member (`constructor`,
 *   `toString`, `valueOf`…), so the whitelist never saw it and such a field was silently
 *   dropped where every other unknown field is refused: refused here with the others, before
 *   anything else is validated;
 * - PostgreSQL cannot store or even compare text holding U+0000, so a NUL in any field, query
 *   value or path parameter was a 500 there (and stored as-is on SQLite): refused on both.
 */
class StrictValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' || metadata.type === 'query' || metadata.type === 'param') {
      const field = fieldWithNul(value, metadata.type === 'param' ? (metadata.data ?? '') : '');
      if (field !== undefined) {
        const name = field || metadata.type;
        throw AppError.validation([
          { field: name, message: `${name} must not contain the NUL character (U+0000)` },
        ]);
      }
    }
    // arrays and JSON numbers the body parser boxed (see body-parsers) are objects too
    const notAnObject = Object.prototype.toString.call(value) !== '[object Object]';
    if (
      metadata.type === 'body' &&
      this.toValidate(metadata) &&
      value !== undefined &&
      notAnObject
    ) {
      throw AppError.validation([
        { field: 'body', message: 'the body must be a JSON object or a form' },
      ]);
    }
    if (this.toValidate(metadata) && typeof value === 'object' && value !== null) {
      // unknown fields end validation here, before class-transformer and class-validator
      // build an object and an error for each: a body of thousands of unknown keys cost tens
      // of milliseconds of CPU and answered hundreds of kilobytes
      const known = knownFields(metadata.metatype as new () => unknown);
      const unknown = Object.keys(value).filter(
        (key) => key in Object.prototype || !known.has(key),
      );
      if (unknown.length > 0) {
        throw AppError.validation(
          unknown.map((field) => ({ field, message: `${field} is not a field of this request` })),
        );
      }
    }
    return super.transform(value, metadata);
  }
}

const KNOWN_FIELDS = new WeakMap<object, ReadonlySet<string>>();

/** The fields a DTO declares: those with a validation rule, which the whitelist keeps. */
function knownFields(type: new () => unknown): ReadonlySet<string> {
  let known = KNOWN_FIELDS.get(type);
  if (!known) {
    known = new Set(
      getMetadataStorage()
        .getTargetValidationMetadatas(type, '', true, false)
        .map((rule) => rule.propertyName),
    );
    KNOWN_FIELDS.set(type, known);
  }
  return known;
}

/** The path of the first key or text holding U+0000, if any. */
function fieldWithNul(value: unknown, path: string, depth = 0): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (value === null || typeof value !== 'object' || depth > 32) return undefined;
  for (const [key, child] of Object.entries(value)) {
    const childPath = path ? `${path}.${key}` : key;
    if (key.includes('\u0000')) return childPath;
    const found = fieldWithNul(child, childPath, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

export function toAppError(errors: ValidationError[]): AppError {
  const flat = flatten(errors, '');
  const fieldErrors: FieldError[] = flat.map((e) => ({ field: e.field, message: e.message }));
  const amount = flat.find((e) => e.constraint === IS_MINOR_UNITS);
  if (amount) return new AppError('invalid_amount', { field: amount.field }, fieldErrors);
  const currency = flat.find((e) => e.constraint === IS_CURRENCY_CODE);
  if (currency) return new AppError('invalid_currency', { field: currency.field }, fieldErrors);
  return AppError.validation(fieldErrors);
}

interface FlatError {
  field: string;
  constraint: string;
  message: string;
}

function flatten(errors: ValidationError[], prefix: string): FlatError[] {
  const out: FlatError[] = [];
  for (const error of errors) {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    for (const [constraint, message] of Object.entries(error.constraints ?? {})) {
      out.push({
        field,
        constraint,
        message:
          constraint === 'whitelistValidation'
            ? `${field} is not a field of this request`
            : message,
      });
    }
    if (error.children?.length) out.push(...flatten(error.children, field));
  }
  return out;
}
