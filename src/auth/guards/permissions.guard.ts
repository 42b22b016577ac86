import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { FastifyRequest } from 'fastify';
import { AuditService } from '../../admin/audit/audit.service';
import { AppError } from '../../common/errors/app-error';
import { isGranted, Permission, PERMISSION } from '../permissions';

/**
 * The role table decides: a route's `@Permission(...)` must be held by the caller's role, else
 * 403 `forbidden`. A console user who must change their password may only do that until they
 * have (403 `password_change_required`). Public routes have no permission and no caller. A
 * refused caller is written in the audit log (an unauthenticated one was refused before, 401).
 */
@Injectable()
export class PermissionsGuard implements CanActivate {
  /** A handler's permission, read once: the payment routes pass here on every request. */
  private readonly permissions = new WeakMap<object, Permission | null>();

  constructor(private readonly audit: AuditService) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const permission = this.permissionOf(context.getHandler());
    if (permission === null) return true;
    const principal = context.switchToHttp().getRequest<FastifyRequest>().principal;
    if (!principal) throw AppError.forbidden();
    if (!isGranted(principal.access, permission)) return this.refuse(context);
    if (principal.user?.mustChangePassword && permission !== 'session.self') {
      throw new AppError('password_change_required');
    }
    return true;
  }

  private async refuse(context: ExecutionContext): Promise<boolean> {
    await this.audit.recordRefusal(context, 'forbidden');
    throw AppError.forbidden();
  }

  private permissionOf(handler: object): Permission | null {
    let permission = this.permissions.get(handler);
    if (permission === undefined) {
      permission = (Reflect.getMetadata(PERMISSION, handler) as Permission | undefined) ?? null;
      this.permissions.set(handler, permission);
    }
    return permission;
  }
}
