import {
  applyDecorators,
  createParamDecorator,
  ExecutionContext,
  SetMetadata,
} from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import { FastifyRequest } from 'fastify';
import { IdempotencyHandle } from './idempotency-handle';

export const IDEMPOTENT = 'paygate:idempotent';

export interface IdempotentOptions {
  /**
   * The handler claims the key and stores its response inside its own transactions (through
   * the `IdempotencyHandle` it receives), instead of the interceptor's separate statements.
   */
  deferred?: boolean;
  /**
   * Whether the stored response is sealed (the default). Responses that may show a secret once
   * (a merchant's `client_secret`, a `webhook_secret`) must be. A route may store its response
   * as plain JSON only when everything in it is already held in clear in the database (a
   * payment order's fields are its row's), where sealing would hide nothing.
   */
  sealed?: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** True when this request took over a key whose first request died half-way. */
    idempotencyRecovering?: boolean;
    /** The key's handle, on `deferred` routes. */
    idempotency?: IdempotencyHandle;
  }
}

/**
 * The route creates something and honours `Idempotency-Key`: the first response for a key is
 * stored for 24 h and replayed for the same request; another request under the key is 422.
 */
export const Idempotent = (options: IdempotentOptions = {}) =>
  applyDecorators(
    SetMetadata(IDEMPOTENT, options),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        '1-255 printable ASCII characters, unique per request you mean to make once. A retry with the ' +
        'same key and body gets the first response again (with `Idempotent-Replayed: true`); another ' +
        'body under the key is 422 `idempotency_key_reused`; a retry while the first is still running ' +
        'is 409 `idempotency_in_progress`. Keys are kept 24 h.',
    }),
  );

export interface IdempotencyContext {
  key?: string;
  /** This request took over a key whose first request died half-way. */
  recovering: boolean;
  /** On deferred routes: claim and store within the handler's transactions. */
  handle?: IdempotencyHandle;
}

/** The request's Idempotency-Key, whether it took over from a request that died, and its handle. */
export const IdempotencyKey = createParamDecorator(
  (_data: unknown, context: ExecutionContext): IdempotencyContext => {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const key = request.headers['idempotency-key'];
    return {
      key: typeof key === 'string' ? key : undefined,
      recovering:
        request.idempotencyRecovering === true || request.idempotency?.recovering === true,
      handle: request.idempotency,
    };
  },
);
