import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { FastifyReply, FastifyRequest } from 'fastify';
import { isDatabaseUnavailable } from '../../database/database-errors';
import { ErrorEnvelope } from '../http/envelope';
import { ErrorPages } from '../http/error-pages';
import { RouteTable } from '../http/route-table';
import { scrubUrl } from '../logging/logging';
import { AppError } from './app-error';
import { ERROR_CATALOGUE, ErrorReason } from './error-catalogue';
import { pickLanguage, renderMessage } from './messages';

/** Seconds a client should wait before retrying while the database is unreachable. */
const UNAVAILABLE_RETRY_AFTER = 5;

/**
 * Turns anything thrown anywhere (handlers, guards, pipes, body parsing, unknown routes) into
 * the error envelope. Unexpected errors are logged with the request id and answered as a bare
 * 500: no stack, no SQL, no driver message leaves the process.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  constructor(
    private readonly routes: RouteTable,
    private readonly bodyLimitBytes: number,
    private readonly pages: ErrorPages = new ErrorPages(),
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const error = this.toAppError(exception, request);
    const status = ERROR_CATALOGUE[error.reason].status;
    if (status >= 500 && error.reason === 'internal_error') {
      this.logger.error(
        {
          err: exception,
          request_id: request.id,
          method: request.method,
          url: scrubUrl(request.url),
        },
        'unhandled error',
      );
    } else if (status === 503) {
      this.logger.warn(
        { request_id: request.id, reason: error.reason, err: describe(exception) },
        'unavailable',
      );
    }
    if (reply.sent) return;
    if (error.headers) reply.headers(error.headers);
    const page = this.pages.for(request);
    if (page) {
      reply
        .status(status)
        .headers(page.headers)
        .header('content-type', 'text/html; charset=utf-8')
        .send(page.render(error, request.id, request.headers['accept-language']));
      return;
    }
    reply
      .status(status)
      .header('content-type', 'application/json; charset=utf-8')
      .send(errorEnvelope(error, request));
  }

  private toAppError(exception: unknown, request: FastifyRequest): AppError {
    if (exception instanceof AppError) return exception;
    if (exception instanceof HttpException) return this.fromHttpException(exception, request);
    const fastifyCode = (exception as { code?: unknown })?.code;
    if (typeof fastifyCode === 'string' && fastifyCode.startsWith('FST_')) {
      return this.fromFastifyError(fastifyCode, exception as Error & { statusCode?: number });
    }
    if (isDatabaseUnavailable(exception)) return AppError.unavailable(UNAVAILABLE_RETRY_AFTER);
    return new AppError('internal_error');
  }

  /** Nest raises NotFoundException for unknown routes; everything else of ours is an AppError. */
  private fromHttpException(exception: HttpException, request: FastifyRequest): AppError {
    const status = exception.getStatus();
    if (status === 404) {
      const allow = this.routes.allowedMethods(request.url);
      if (allow.length > 0) {
        return new AppError(
          'method_not_allowed',
          { method: request.method, allow: allow.join(', ') },
          undefined,
          { allow: allow.join(', ') },
        );
      }
      return new AppError('route_not_found', {
        method: request.method,
        path: request.url.split('?')[0],
      });
    }
    // Nest hands Fastify's own errors (body parsing, limits) over as HttpExceptions
    const byStatus: Record<number, ErrorReason> = {
      400: 'malformed_body',
      401: 'unauthenticated',
      403: 'forbidden',
      405: 'method_not_allowed',
      406: 'not_acceptable',
      413: 'payload_too_large',
      415: 'unsupported_media_type',
      429: 'rate_limited',
    };
    const reason = byStatus[status] ?? (status < 500 ? 'validation_failed' : 'internal_error');
    return new AppError(reason, {
      detail: exception.message,
      limit: this.bodyLimitBytes,
      retry_after: 1,
    });
  }

  private fromFastifyError(code: string, error: Error & { statusCode?: number }): AppError {
    switch (code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return new AppError('payload_too_large', { limit: this.bodyLimitBytes });
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return new AppError('unsupported_media_type');
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return new AppError('malformed_body', { detail: 'the JSON body is empty' });
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
        return new AppError('malformed_body', { detail: 'the body is not valid JSON' });
      default:
        if ((error.statusCode ?? 500) < 500) {
          return new AppError('malformed_body', { detail: error.message });
        }
        return new AppError('internal_error');
    }
  }
}

/** The error envelope of `error` for this request, in the caller's language. */
export function errorEnvelope(error: AppError, request: FastifyRequest): ErrorEnvelope {
  return {
    code: String(ERROR_CATALOGUE[error.reason].status),
    message: renderMessage(
      error.reason,
      error.params,
      pickLanguage(request.headers['accept-language']),
    ),
    reason: error.reason,
    ...(error.fieldErrors?.length ? { errors: error.fieldErrors } : {}),
    request_id: request.id,
  };
}

function describe(exception: unknown): string {
  return exception instanceof Error ? exception.message : String(exception);
}
