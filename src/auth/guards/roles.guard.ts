import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { FastifyRequest } from 'fastify';
import { AuditService } from '../../admin/audit/audit.service';
import { AppError } from '../../common/errors/app-error';
import { ROLES, Role } from '../principal';

/**
 * `@Roles('admin')` routes refuse other callers with 403 `forbidden`; a refused credential is
 * written in the audit log (an unauthenticated caller was already refused before, with 401).
 */
@Injectable()
export class RolesGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly audit: AuditService,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!roles) return true;
    const principal = context.switchToHttp().getRequest<FastifyRequest>().principal;
    if (principal && roles.includes(principal.role)) return true;
    if (!principal) throw AppError.forbidden();
    return this.refuse(context);
  }

  private async refuse(context: ExecutionContext): Promise<boolean> {
    await this.audit.recordRefusal(context, 'forbidden');
    throw AppError.forbidden();
  }
}
