import { ValidationError, ValidationPipe } from '@nestjs/common';
import { AppError, FieldError } from '../errors/app-error';
import { IS_CURRENCY_CODE, IS_MINOR_UNITS } from './decorators';

/**
 * Validates every body and query against its DTO. Unknown fields are refused (400), so mass
 * assignment of `status`, `fee_amount` or another `source_id` never reaches a service.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    stopAtFirstError: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => toAppError(errors),
  });
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
