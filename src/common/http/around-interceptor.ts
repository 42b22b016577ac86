import { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import { defer, lastValueFrom, Observable } from 'rxjs';

/** The rest of the pipeline, inside a layer: the next layers and the handler, settled. */
export type Next = () => Promise<unknown>;

/**
 * An interceptor written once, as an async function around the rest of the pipeline. The hot
 * routes call `around` directly; Nest's router gets `intercept`, derived from it. Every handler
 * here resolves to one value, so the observable Nest passes in is that value and nothing more.
 * On the payment routes rxjs's operators around each layer cost about as much as the layers.
 */
export abstract class AroundInterceptor implements NestInterceptor {
  abstract around(context: ExecutionContext, next: Next): Promise<unknown>;

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return defer(() => this.around(context, () => lastValueFrom(next.handle())));
  }
}
