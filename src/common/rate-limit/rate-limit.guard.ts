import { ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerRequest } from '@nestjs/throttler';
import { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors/app-error';
import { clientAddressKey } from '../net/client-address';

const REMAINING = Symbol('paygate.rateLimitRemaining');

export const PAYER_RATE_LIMITED = 'paygate:payer-rate-limited';

/**
 * A payer's request from a hosted page (no credential): also limited per client IP by the
 * `payer_ip` throttler (PAYER_RATE_LIMIT_PER_MINUTE), on top of the per-IP default.
 */
export const PayerRateLimited = () => SetMetadata(PAYER_RATE_LIMITED, true);

type TrackedRequest = FastifyRequest & { [REMAINING]?: number };

/**
 * @nestjs/throttler with the contract's headers: every limited response carries
 * `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` (of the tightest limit that
 * applies), and a refused one `Retry-After` and the `rate_limited` envelope.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  protected override async handleRequest(request: ThrottlerRequest): Promise<boolean> {
    const { context, limit, ttl, throttler, blockDuration, getTracker, generateKey } = request;
    const http = context.switchToHttp();
    const req = http.getRequest<TrackedRequest>();
    const reply = http.getResponse<FastifyReply>();
    const name = throttler.name ?? 'default';
    const tracker = await getTracker(req, context);
    const key = generateKey(context, tracker, name);
    const state = await this.storageService.increment(key, ttl, limit, blockDuration, name);
    const remaining = Math.max(0, limit - state.totalHits);
    const previous = req[REMAINING];
    if (previous === undefined || remaining <= previous) {
      req[REMAINING] = remaining;
      reply.header('ratelimit-limit', String(limit));
      reply.header('ratelimit-remaining', String(remaining));
      reply.header('ratelimit-reset', String(state.timeToExpire));
    }
    if (state.isBlocked) {
      const retryAfter = Math.max(1, state.timeToBlockExpire);
      throw new AppError('rate_limited', { retry_after: retryAfter }, undefined, {
        'retry-after': String(retryAfter),
      });
    }
    return true;
  }

  /**
   * The module's `skipIf` (RATE_LIMIT_ENABLED=false) turns every limit off. The throttler
   * itself consults it only for limits without a `skipIf` of their own, such as the token
   * endpoint's, which is why it is asked here, before any of them.
   */
  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    return context.getType() !== 'http' || this.commonOptions.skipIf?.(context) === true;
  }
}

/** Per credential when the request carries one, else per client address. */
export function rateLimitTracker(req: Record<string, unknown>): string {
  const principal = req.principal as { clientId?: string } | undefined;
  return principal?.clientId
    ? `credential:${principal.clientId}`
    : `ip:${clientAddressKey(req.ip as string | undefined)}`;
}
