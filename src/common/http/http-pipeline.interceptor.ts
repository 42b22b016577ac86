import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Observable } from 'rxjs';
import { AuditInterceptor } from '../../admin/audit/audit.interceptor';
import { IdempotencyInterceptor } from '../idempotency/idempotency.interceptor';
import { ContentNegotiationInterceptor } from './content-negotiation.interceptor';
import { EnvelopeInterceptor } from './envelope.interceptor';

/**
 * The request pipeline around every handler, outermost first: content negotiation, the audit
 * log, idempotency, the envelope. Each is an interceptor of its own; they are chained here
 * rather than registered one by one because Nest wraps every global interceptor in an
 * AsyncResource per request, which on the hot path cost as much as the layers themselves.
 */
@Injectable()
export class HttpPipelineInterceptor implements NestInterceptor {
  private readonly layers: NestInterceptor[];

  constructor(
    negotiation: ContentNegotiationInterceptor,
    audit: AuditInterceptor,
    idempotency: IdempotencyInterceptor,
    envelope: EnvelopeInterceptor,
  ) {
    this.layers = [negotiation, audit, idempotency, envelope];
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const layer = (index: number): CallHandler => ({
      handle: () =>
        index === this.layers.length
          ? next.handle()
          : (this.layers[index].intercept(context, layer(index + 1)) as Observable<unknown>),
    });
    return layer(0).handle();
  }
}
