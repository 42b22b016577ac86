import {
  applyDecorators,
  createParamDecorator,
  ExecutionContext,
  SetMetadata,
} from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import { FastifyRequest } from 'fastify';
import './idempotency.interceptor';

export const IDEMPOTENT = 'paygate:idempotent';

/**
 * The route creates something and honours `Idempotency-Key`: the first response for a key is
 * stored for 24 h and replayed for the same request; another request under the key is 422.
 */
export const Idempotent = () =>
  applyDecorators(
    SetMetadata(IDEMPOTENT, true),
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

/** The request's Idempotency-Key and whether it took over from a request that died. */
export const IdempotencyKey = createParamDecorator((_data: unknown, context: ExecutionContext) => {
  const request = context.switchToHttp().getRequest<FastifyRequest>();
  const key = request.headers['idempotency-key'];
  return {
    key: typeof key === 'string' ? key : undefined,
    recovering: request.idempotencyRecovering === true,
  };
});
