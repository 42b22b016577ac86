import { ExecutionContext, Injectable } from '@nestjs/common';
import { AuditInterceptor } from '../../admin/audit/audit.interceptor';
import { IdempotencyInterceptor } from '../idempotency/idempotency.interceptor';
import { AroundInterceptor, Next } from './around-interceptor';
import { ContentNegotiationInterceptor } from './content-negotiation.interceptor';
import { EnvelopeInterceptor } from './envelope.interceptor';

/**
 * The request pipeline around every handler, outermost first: content negotiation, the audit
 * log, idempotency, the envelope. Each is an interceptor of its own; they are chained here
 * rather than registered one by one because Nest wraps every global interceptor in an
 * AsyncResource per request, which on the hot path cost as much as the layers themselves.
 */
@Injectable()
export class HttpPipelineInterceptor extends AroundInterceptor {
  private readonly layers: AroundInterceptor[];

  constructor(
    negotiation: ContentNegotiationInterceptor,
    audit: AuditInterceptor,
    idempotency: IdempotencyInterceptor,
    envelope: EnvelopeInterceptor,
  ) {
    super();
    this.layers = [negotiation, audit, idempotency, envelope];
  }

  around(context: ExecutionContext, next: Next): Promise<unknown> {
    const layer = (index: number): Promise<unknown> =>
      index === this.layers.length
        ? next()
        : this.layers[index].around(context, () => layer(index + 1));
    return layer(0);
  }
}
