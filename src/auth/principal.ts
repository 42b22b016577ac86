import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';

export type Role = 'admin' | 'merchant';

/** Who is calling: set on the request by the authentication guard. */
export interface Principal {
  clientId: string;
  role: Role;
  /** The merchant code for merchant credentials; null for admins. */
  sourceId: number | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

export const ROLES = 'paygate:roles';

/** Only these roles may call the route; others get 403 `forbidden`. */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES, roles);

/** The authenticated caller of the current request. */
export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal => {
    const principal = context.switchToHttp().getRequest<{ principal?: Principal }>().principal;
    if (!principal) throw new Error('CurrentPrincipal used on a public route');
    return principal;
  },
);

export function isAdmin(principal: Principal): boolean {
  return principal.role === 'admin';
}
