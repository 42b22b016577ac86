import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { FastifyRequest } from 'fastify';
import { ClientContext } from './console-sessions.service';

/** Where the request came from: client IP (TRUST_PROXY decides), user agent, request id. */
export const Client = createParamDecorator(
  (_data: unknown, context: ExecutionContext): ClientContext => {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const userAgent = request.headers['user-agent'];
    return { ip: request.ip, userAgent, requestId: request.id };
  },
);
