import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { FastifyReply, FastifyRequest } from 'fastify';
import { map, Observable } from 'rxjs';
import { HttpResult, overrideStatus, RawBody, successEnvelope, SuccessEnvelope } from './envelope';
import { RAW_RESPONSE } from './route-metadata';

/** Wraps every handler result in the success envelope. */
@Injectable()
export class EnvelopeInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (this.reflector.get<boolean>(RAW_RESPONSE, context.getHandler())) return next.handle();
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    return next.handle().pipe(
      map((result: unknown): SuccessEnvelope<unknown> | string => {
        if (result instanceof RawBody) {
          reply.header('content-type', result.contentType);
          return result.body;
        }
        let data = result;
        if (result instanceof HttpResult) {
          overrideStatus(reply, result.status);
          data = result.body;
        }
        return successEnvelope(data, request.id);
      }),
    );
  }
}
