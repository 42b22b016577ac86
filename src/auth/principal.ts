import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { AccessRole } from './permissions';

/** Which side a caller acts for: operators (`admin`) see every merchant, merchants only themselves. */
export type Role = 'admin' | 'merchant';

/** The person behind a console session. */
export interface ConsoleActor {
  userId: string;
  /** Lower-cased. */
  email: string;
  /** SHA-256 of the session cookie: the session's id. */
  sessionId: string;
  /** Until the password is changed, the session may only do that (and read or end itself). */
  mustChangePassword: boolean;
}

/** Who is calling: set on the request by the authentication guard. */
export interface Principal {
  /** The credential's client_id, or the console user's id. */
  clientId: string;
  role: Role;
  /** The merchant code for merchant principals; null for operators. */
  sourceId: number | null;
  /** The row of the role table that decides what this caller may do. */
  access: AccessRole;
  /** Set when the caller is a person logged in to the console (a cookie, not a token). */
  user?: ConsoleActor;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

/** The authenticated caller of the current request. */
export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal => {
    const principal = context.switchToHttp().getRequest<{ principal?: Principal }>().principal;
    if (!principal) throw new Error('CurrentPrincipal used on a public route');
    return principal;
  },
);
