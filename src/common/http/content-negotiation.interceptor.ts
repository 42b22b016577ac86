import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { FastifyRequest } from 'fastify';
import Negotiator from 'negotiator';
import { AppError } from '../errors/app-error';
import { AroundInterceptor, Next } from './around-interceptor';
import { PRODUCES } from './route-metadata';

const JSON_ONLY = ['application/json'];

/** 406 when the client's `Accept` header excludes everything the route can answer with. */
@Injectable()
export class ContentNegotiationInterceptor extends AroundInterceptor {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  async around(context: ExecutionContext, next: Next): Promise<unknown> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const accept = request.headers.accept;
    if (accept && !accept.includes('*/*')) {
      const produces = this.reflector.get<string[]>(PRODUCES, context.getHandler()) ?? JSON_ONLY;
      const quick = produces === JSON_ONLY && accept.includes('application/json');
      if (!quick && !new Negotiator({ headers: { accept } }).mediaType(produces)) {
        throw new AppError('not_acceptable', { produces: produces.join(', ') });
      }
    }
    return next();
  }
}
