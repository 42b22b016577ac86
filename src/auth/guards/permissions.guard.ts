import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { FastifyRequest } from 'fastify';
import { AppError } from '../../common/errors/app-error';
import { isGranted, Permission, PERMISSION } from '../permissions';

/**
 * The role table decides: a route's `@Permission(...)` must be held by the caller's role, else
 * 403 `forbidden`. A console user who must change their password may only do that until they
 * have (403 `password_change_required`). Public routes have no permission and no caller.
 */
@Injectable()
export class PermissionsGuard implements CanActivate {
  /** A handler's permission, read once: the payment routes pass here on every request. */
  private readonly permissions = new WeakMap<object, Permission | null>();

  canActivate(context: ExecutionContext): boolean {
    const permission = this.permissionOf(context.getHandler());
    if (permission === null) return true;
    const principal = context.switchToHttp().getRequest<FastifyRequest>().principal;
    if (!principal || !isGranted(principal.access, permission)) throw AppError.forbidden();
    if (principal.user?.mustChangePassword && permission !== 'session.self') {
      throw new AppError('password_change_required');
    }
    return true;
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
