import { ErrorReason } from './error-catalogue';

export interface FieldError {
  field: string;
  message: string;
}

export type ErrorParams = Record<string, string | number>;

/**
 * A domain error: services throw these (never HttpException); the filter turns the reason into
 * its status and envelope. Feature modules subclass it with named constructors
 * (`PaymentError.invalidState(...)`).
 */
export class AppError extends Error {
  constructor(
    readonly reason: ErrorReason,
    readonly params: ErrorParams = {},
    readonly fieldErrors?: FieldError[],
    readonly headers?: Record<string, string>,
  ) {
    super(reason);
    this.name = 'AppError';
  }

  static notFound(): AppError {
    return new AppError('not_found');
  }

  static forbidden(): AppError {
    return new AppError('forbidden');
  }

  static validation(fieldErrors: FieldError[]): AppError {
    const detail = fieldErrors.map((e) => `${e.field}: ${e.message}`).join('; ');
    return new AppError('validation_failed', { detail }, fieldErrors);
  }

  static unavailable(retryAfterSeconds: number): AppError {
    return new AppError('unavailable', { retry_after: retryAfterSeconds }, undefined, {
      'retry-after': String(retryAfterSeconds),
    });
  }
}
