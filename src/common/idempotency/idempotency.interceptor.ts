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
import { catchError, defer, from, mergeMap, Observable, of, throwError } from 'rxjs';
import { errorEnvelope } from '../errors/all-exceptions.filter';
import { AppError } from '../errors/app-error';
import { ERROR_CATALOGUE } from '../errors/error-catalogue';
import { overrideStatus, statusOverrideOf } from '../http/envelope';
import { IdempotencyConflict, IdempotencyHandle } from './idempotency-handle';
import { IdempotencyClaim } from './idempotency.repository';
import { IdempotencyOutcome, IdempotencyService } from './idempotency.service';
import { IDEMPOTENT, IdempotentOptions } from './idempotent.decorator';

/** Outcomes worth replaying: something was decided. Refused input and server errors are not. */
const STORED_ERROR_STATUSES = new Set([404, 409, 410, 422]);
const NOT_STORED_REASONS = new Set(['idempotency_in_progress', 'idempotency_key_reused']);

/**
 * Applies `Idempotency-Key` to every `@Idempotent()` route. It sits outside the envelope
 * interceptor, so what it stores and replays is the exact response body.
 *
 * Plain routes: the key is claimed before the handler runs and the response stored after it,
 * each a statement of its own. Deferred routes: the handler claims and stores inside its own
 * transactions (see IdempotencyHandle); the interceptor only steps in when the claim finds the
 * key taken, and for errors.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly idempotency: IdempotencyService,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const handler = context.getHandler();
    const options = this.reflector.get<IdempotentOptions | undefined>(IDEMPOTENT, handler);
    if (!options) return next.handle();
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
    const claim = this.idempotency.newClaim({
      scope,
      key,
      endpoint: `${request.method} ${request.routeOptions.url ?? request.url}`,
      params: request.params,
      body: request.body ?? null,
    });
    const defaultStatus =
      this.reflector.get<number | undefined>(HTTP_CODE_METADATA, handler) ??
      (request.method === 'POST' ? HttpStatus.CREATED : HttpStatus.OK);
    const statusOf = () => statusOverrideOf(reply) ?? defaultStatus;

    const replay = (outcome: Extract<IdempotencyOutcome, { kind: 'replay' }>) => {
      overrideStatus(reply, outcome.status);
      reply.header('idempotent-replayed', 'true');
      if (outcome.status >= 400) reply.header('content-type', 'application/json; charset=utf-8');
      return of(JSON.parse(outcome.body) as unknown);
    };

    if (!options.deferred) {
      return from(this.idempotency.begin(claim)).pipe(
        mergeMap((outcome) => {
          if (outcome.kind === 'replay') return replay(outcome);
          request.idempotencyRecovering = outcome.recovering;
          return next.handle().pipe(
            mergeMap(async (body: unknown) => {
              await this.idempotency.complete(scope, key, statusOf(), body);
              return body;
            }),
            catchError((error: unknown) => this.failed(error, claim, request, false)),
          );
        }),
      );
    }

    const handle = new IdempotencyHandle(
      this.idempotency,
      claim,
      request.id,
      options.sealed ?? true,
    );
    request.idempotency = handle;
    const run = (): Observable<unknown> =>
      defer(() => next.handle()).pipe(
        mergeMap(async (body: unknown) => {
          // a response the handler did not store itself (e.g. an existing order found by its
          // merchant_order_no) is stored here
          if (!handle.completed) await this.idempotency.store(claim, statusOf(), body);
          return body;
        }),
        catchError((error: unknown) => {
          if (!(error instanceof IdempotencyConflict))
            return this.failed(error, claim, request, true);
          return from(this.idempotency.inspect(claim)).pipe(
            mergeMap((outcome) => {
              if (outcome.kind === 'replay') return replay(outcome);
              handle.claimed = true;
              handle.recovering = outcome.recovering;
              return run();
            }),
          );
        }),
      );
    return run();
  }

  /** Stores a decided error for replay; otherwise frees the key so a retry can run. */
  private failed(
    error: unknown,
    claim: IdempotencyClaim,
    request: FastifyRequest,
    upsert: boolean,
  ): Observable<never> {
    const status = error instanceof AppError ? ERROR_CATALOGUE[error.reason].status : 500;
    const storable =
      error instanceof AppError &&
      STORED_ERROR_STATUSES.has(status) &&
      !NOT_STORED_REASONS.has(error.reason);
    const record = storable
      ? upsert
        ? this.idempotency.store(claim, status, errorEnvelope(error, request))
        : this.idempotency.complete(claim.scope, claim.key, status, errorEnvelope(error, request))
      : this.idempotency.release(claim.scope, claim.key).catch(() => undefined);
    return from(record).pipe(mergeMap(() => throwError(() => error)));
  }
}
