import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { FastifyRequest } from 'fastify';
import { AppError } from '../../common/errors/app-error';
import { routePatterns } from '../../common/http/route-metadata';
import { ALLOW_DURING_MAINTENANCE } from './maintenance.decorator';
import { MaintenanceService } from './maintenance.service';

/** While maintenance is on, every non-admin `/v1` request is 503 `maintenance` with Retry-After. */
@Injectable()
export class MaintenanceGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly maintenance: MaintenanceService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (request.principal?.role === 'admin') return true;
    // by the route that matched: the URL may spell /v1/ encoded (`/%761/…`)
    if (!routePatterns(context).some((pattern) => pattern.startsWith('/v1/'))) return true;
    if (this.reflector.get<boolean>(ALLOW_DURING_MAINTENANCE, context.getHandler())) return true;
    const state = await this.maintenance.state();
    if (!state.enabled) return true;
    const retryAfter = state.retry_after_seconds;
    throw new AppError('maintenance', { retry_after: retryAfter }, undefined, {
      'retry-after': String(retryAfter),
    });
  }
}
