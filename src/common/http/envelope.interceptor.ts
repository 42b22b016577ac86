import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { FastifyReply, FastifyRequest } from 'fastify';
import { AroundInterceptor, Next } from './around-interceptor';
import { HttpResult, overrideStatus, RawBody, successEnvelope } from './envelope';
import { RAW_RESPONSE } from './route-metadata';

/** Wraps every handler result in the success envelope. */
@Injectable()
export class EnvelopeInterceptor extends AroundInterceptor {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  async around(context: ExecutionContext, next: Next): Promise<unknown> {
    if (this.reflector.get<boolean>(RAW_RESPONSE, context.getHandler())) return next();
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const result = await next();
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
  }
}
