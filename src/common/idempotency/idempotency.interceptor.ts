import { ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import { FastifyReply, FastifyRequest } from 'fastify';
import { errorEnvelope } from '../errors/all-exceptions.filter';
import { AppError } from '../errors/app-error';
import { ERROR_CATALOGUE } from '../errors/error-catalogue';
import { AroundInterceptor, Next } from '../http/around-interceptor';
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
export class IdempotencyInterceptor extends AroundInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly idempotency: IdempotencyService,
  ) {
    super();
  }

  async around(context: ExecutionContext, next: Next): Promise<unknown> {
    const handler = context.getHandler();
    const options = this.reflector.get<IdempotentOptions | undefined>(IDEMPOTENT, handler);
    if (!options) return next();
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const key = request.headers['idempotency-key'];
    if (key === undefined) return next();
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
      return JSON.parse(outcome.body) as unknown;
    };

    if (!options.deferred) {
      const outcome = await this.idempotency.begin(claim);
      if (outcome.kind === 'replay') return replay(outcome);
      request.idempotencyRecovering = outcome.recovering;
      try {
        const body = await next();
        await this.idempotency.complete(scope, key, statusOf(), body);
        return body;
      } catch (error) {
        return this.failed(error, claim, request, false);
      }
    }

    const handle = new IdempotencyHandle(
      this.idempotency,
      claim,
      request.id,
      options.sealed ?? true,
    );
    request.idempotency = handle;
    for (;;) {
      try {
        const body = await next();
        // a response the handler did not store itself (e.g. an existing order found by its
        // merchant_order_no) is stored here
        if (!handle.completed) await this.idempotency.store(claim, statusOf(), body);
        else sendStored(reply, body, handle.storedJsonFor(body));
        return body;
      } catch (error) {
        if (!(error instanceof IdempotencyConflict))
          return this.failed(error, claim, request, true);
      }
      // the key was taken: replay what it holds, or take it over and run the handler again
      const outcome = await this.idempotency.inspect(claim);
      if (outcome.kind === 'replay') return replay(outcome);
      handle.claimed = true;
      handle.recovering = outcome.recovering;
    }
  }

  /** Stores a decided error for replay; otherwise frees the key so a retry can run. */
  private async failed(
    error: unknown,
    claim: IdempotencyClaim,
    request: FastifyRequest,
    upsert: boolean,
  ): Promise<never> {
    const status = error instanceof AppError ? ERROR_CATALOGUE[error.reason].status : 500;
    const storable =
      error instanceof AppError &&
      STORED_ERROR_STATUSES.has(status) &&
      !NOT_STORED_REASONS.has(error.reason);
    if (!storable) await this.idempotency.release(claim.scope, claim.key).catch(() => undefined);
    else if (upsert) await this.idempotency.store(claim, status, errorEnvelope(error, request));
    else
      await this.idempotency.complete(
        claim.scope,
        claim.key,
        status,
        errorEnvelope(error, request),
      );
    throw error;
  }
}

/**
 * Sends the stored JSON for `response` instead of serializing it again (a payment's create
 * builds its response once). Anything else sent on this reply (an error raised further out) is
 * serialized as usual.
 */
function sendStored(reply: FastifyReply, response: unknown, json: string | undefined): void {
  if (json === undefined) return;
  reply
    .type('application/json; charset=utf-8')
    .serializer((payload: unknown) => (payload === response ? json : JSON.stringify(payload)));
}
