import { ErrorReason } from './error-catalogue';

export interface FieldError {
  field: string;
  message: string;
}

export type ErrorParams = Record<string, string | number>;

/**
 * An error lists at most this many field problems, each field named in at most
 * MAX_FIELD_NAME characters: a body of thousands of unknown (or very long) keys must not
 * become an answer many times its size.
 */
export const MAX_FIELD_ERRORS = 20;
const MAX_FIELD_NAME = 100;

/**
 * A domain error: services throw these (never HttpException); the filter turns the reason into
 * its status and envelope. Feature modules subclass it with named constructors
 * (`PaymentError.invalidState(...)`).
 */
export class AppError extends Error {
  readonly fieldErrors?: FieldError[];

  constructor(
    readonly reason: ErrorReason,
    readonly params: ErrorParams = {},
    fieldErrors?: FieldError[],
    readonly headers?: Record<string, string>,
  ) {
    super(reason);
    this.name = 'AppError';
    this.fieldErrors = fieldErrors?.slice(0, MAX_FIELD_ERRORS).map(shortField);
  }

  static notFound(): AppError {
    return new AppError('not_found');
  }

  static forbidden(): AppError {
    return new AppError('forbidden');
  }

  /** 400 `validation_failed`; beyond MAX_FIELD_ERRORS problems, the message says how many more. */
  static validation(fieldErrors: FieldError[]): AppError {
    const listed = fieldErrors.slice(0, MAX_FIELD_ERRORS).map(shortField);
    const more = fieldErrors.length - listed.length;
    const detail =
      listed.map((e) => `${e.field}: ${e.message}`).join('; ') +
      (more > 0 ? `; and ${more} more not listed` : '');
    return new AppError('validation_failed', { detail }, listed);
  }

  static unavailable(retryAfterSeconds: number): AppError {
    return new AppError('unavailable', { retry_after: retryAfterSeconds }, undefined, {
      'retry-after': String(retryAfterSeconds),
    });
  }
}

function shortField(error: FieldError): FieldError {
  if (error.field.length <= MAX_FIELD_NAME) return error;
  const field = `${error.field.slice(0, MAX_FIELD_NAME)}…`;
  return { field, message: error.message.split(error.field).join(field) };
}
