import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { FastifyRequest } from 'fastify';
import { TokenExpiredError } from 'jsonwebtoken';
import { IS_PUBLIC } from '../../common/auth/public.decorator';
import { AppError } from '../../common/errors/app-error';
import { SessionAuthenticator } from '../../console/session-authenticator';
import { AuthError } from '../auth.errors';
import { Principal } from '../principal';

/**
 * Every route needs a valid token, or a console session cookie, unless it is marked
 * `@Public()`. Failures are 401 with a reason saying why (no or bad token, expired, revoked,
 * session ended); a suspended merchant is 403; a token whose credential could not be looked up
 * is the server's failure, never a 401.
 *
 * A request with an Authorization or access_token header is a token request, whatever cookies
 * it carries: the cookie is not even parsed (the payment routes stay as cheap as they were).
 */
@Injectable()
export class AuthenticationGuard extends AuthGuard('jwt') {
  constructor(
    private readonly reflector: Reflector,
    private readonly sessions: SessionAuthenticator,
  ) {
    super();
  }

  override canActivate(context: ExecutionContext) {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const { authorization, access_token: accessToken, cookie } = request.headers;
    if (authorization === undefined && accessToken === undefined && cookie !== undefined) {
      return this.bySession(context, request);
    }
    return super.canActivate(context);
  }

  private async bySession(context: ExecutionContext, request: FastifyRequest): Promise<boolean> {
    const principal = await this.sessions.authenticate(request);
    // cookies, but not ours: the token path answers 401 as for any request without a token
    if (!principal) return super.canActivate(context) as Promise<boolean>;
    request.principal = principal;
    return true;
  }

  override handleRequest<TUser = Principal>(
    error: unknown,
    principal: Principal | false,
    info: unknown,
    context: ExecutionContext,
  ): TUser {
    if (error instanceof AppError) throw error;
    // the token could not be checked (e.g. the database is unreachable): not the caller's
    // fault, so not a 401; the filter answers 503 for the database, 500 for anything else
    if (error) throw error;
    if (info instanceof TokenExpiredError) throw AuthError.tokenExpired();
    if (!principal) throw AuthError.unauthenticated();
    context.switchToHttp().getRequest<FastifyRequest>().principal = principal;
    return principal as TUser;
  }
}
