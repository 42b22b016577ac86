import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { FastifyRequest } from 'fastify';
import { AppError } from '../../common/errors/app-error';
import { ROLES, Role } from '../principal';

/** `@Roles('admin')` routes refuse other callers with 403 `forbidden`. */
@Injectable()
export class RolesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!roles) return true;
    const principal = context.switchToHttp().getRequest<FastifyRequest>().principal;
    if (!principal || !roles.includes(principal.role)) throw AppError.forbidden();
    return true;
  }
}
