import {
  CallHandler,
  ExecutionContext,
  HttpStatus,
  Injectable,
  NestInterceptor,
} from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import { FastifyReply, FastifyRequest } from 'fastify';
import { catchError, from, mergeMap, Observable, of } from 'rxjs';
import { AppError } from '../errors/app-error';
import { errorEnvelope } from '../errors/all-exceptions.filter';
import { ERROR_CATALOGUE } from '../errors/error-catalogue';
import { overrideStatus, statusOverrideOf } from '../http/envelope';
import { IDEMPOTENT } from './idempotent.decorator';
import { IdempotencyService } from './idempotency.service';

/** Outcomes worth replaying: something was decided. Refused input and server errors are not. */
const STORED_ERROR_STATUSES = new Set([404, 409, 410, 422]);
const NOT_STORED_REASONS = new Set(['idempotency_in_progress', 'idempotency_key_reused']);

declare module 'fastify' {
  interface FastifyRequest {
    /** True when this request took over a key whose first request died half-way. */
    idempotencyRecovering?: boolean;
  }
}

/**
 * Applies `Idempotency-Key` to every `@Idempotent()` route. It sits outside the envelope
 * interceptor, so what it stores and replays is the exact response body.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly idempotency: IdempotencyService,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const handler = context.getHandler();
    if (!this.reflector.get<boolean>(IDEMPOTENT, handler)) return next.handle();
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const key = request.headers['idempotency-key'];
    if (key === undefined) return next.handle();
    if (typeof key !== 'string' || !IdempotencyService.validKey(key)) {
      throw new AppError('invalid_idempotency_key');
    }
    const principal = request.principal;
    const scope =
      principal?.role === 'merchant'
        ? `merchant:${principal.sourceId}`
        : `${principal?.role ?? 'anonymous'}:${principal?.clientId ?? request.ip}`;
    const endpoint = `${request.method} ${request.routeOptions.url ?? request.url}`;
    const defaultStatus =
      this.reflector.get<number | undefined>(HTTP_CODE_METADATA, handler) ??
      (request.method === 'POST' ? HttpStatus.CREATED : HttpStatus.OK);

    return from(
      this.idempotency.begin({
        scope,
        key,
        endpoint,
        params: request.params,
        body: request.body ?? null,
      }),
    ).pipe(
      mergeMap((outcome) => {
        if (outcome.kind === 'replay') {
          overrideStatus(reply, outcome.status);
          reply.header('idempotent-replayed', 'true');
          if (outcome.status >= 400)
            reply.header('content-type', 'application/json; charset=utf-8');
          return of(JSON.parse(outcome.body) as unknown);
        }
        request.idempotencyRecovering = outcome.recovering;
        return next.handle().pipe(
          mergeMap(async (body: unknown) => {
            await this.idempotency.complete(
              scope,
              key,
              statusOverrideOf(reply) ?? defaultStatus,
              body,
            );
            return body;
          }),
          catchError(async (error: unknown) => {
            const status = error instanceof AppError ? ERROR_CATALOGUE[error.reason].status : 500;
            if (
              error instanceof AppError &&
              STORED_ERROR_STATUSES.has(status) &&
              !NOT_STORED_REASONS.has(error.reason)
            ) {
              await this.idempotency.complete(scope, key, status, errorEnvelope(error, request));
            } else {
              await this.idempotency.release(scope, key).catch(() => undefined);
            }
            throw error;
          }),
        );
      }),
    );
  }
}
